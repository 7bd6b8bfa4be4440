// Prints the gzipped size of each bundle and exits 1 when one is over its budget: dist/widget.js
// (what a visitor downloads, 12 KB) and dist/admin/admin.js (the admin page, 16 KB). A file given
// as an argument is checked against the widget's budget.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const KB = 1024;
const files = process.argv[2]
  ? [[process.argv[2], 12 * KB]]
  : [
      ["dist/widget.js", 12 * KB],
      ["dist/admin/admin.js", 16 * KB],
    ];
let over = false;
for (const [file, budget] of files) {
  const raw = readFileSync(file);
  const gz = gzipSync(raw, { level: 9 }).length;
  console.log(`${file}: ${raw.length} bytes, ${gz} bytes gzipped (budget ${budget})`);
  if (gz > budget) {
    console.error(`${file} is over its size budget: ${gz} > ${budget} bytes gzipped`);
    over = true;
  }
}
if (over) process.exit(1);
