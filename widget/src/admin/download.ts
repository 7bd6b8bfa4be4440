/**
 * Saves a Blob as a file. The CSV needs the admin token in a header, which a plain link cannot
 * carry, so the page fetches it and hands the browser the bytes through an object URL.
 */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked a while later: revoking at once can cancel a download that has not started reading.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
