/**
 * Minimal, safe formatting for chat text: line breaks, **bold** and http(s) links — built from
 * DOM nodes only. Text never becomes markup: every character ends up in a text node.
 */
const TOKEN =
  /\*\*([^*\n]+)\*\*|\[([^\]\n]+)\]\((\S+?)\)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])/g;

/** The URL when it is an absolute http(s) URL, else null (javascript:, data:, relative… are refused). */
export function safeUrl(raw: string): string | null {
  try {
    const url = new URL(raw);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

function link(doc: Document, href: string, label: string): HTMLAnchorElement {
  const a = doc.createElement("a");
  a.href = href;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  a.textContent = label;
  return a;
}

function line(doc: Document, text: string, into: Node): void {
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    const [all, bold, label, target, bare] = m;
    const at = m.index;
    if (at > last) into.appendChild(doc.createTextNode(text.slice(last, at)));
    if (bold !== undefined) {
      const b = doc.createElement("strong");
      b.textContent = bold;
      into.appendChild(b);
    } else if (label !== undefined && target !== undefined) {
      const href = safeUrl(target);
      into.appendChild(href ? link(doc, href, label) : doc.createTextNode(all));
    } else if (bare !== undefined) {
      const href = safeUrl(bare);
      into.appendChild(href ? link(doc, href, bare) : doc.createTextNode(bare));
    }
    last = at + all.length;
  }
  if (last < text.length) into.appendChild(doc.createTextNode(text.slice(last)));
}

/** Replaces the children of {@code into} with the formatted {@code text}. */
export function render(doc: Document, text: string, into: Element): void {
  into.replaceChildren();
  text.split("\n").forEach((part, i) => {
    if (i > 0) into.appendChild(doc.createElement("br"));
    line(doc, part, into);
  });
}
