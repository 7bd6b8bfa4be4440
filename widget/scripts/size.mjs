// Prints the gzipped size of dist/widget.js (what a visitor downloads) and exits 1 above 12 KB.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET = 12 * 1024;
const file = process.argv[2] ?? "dist/widget.js";
const raw = readFileSync(file);
const gz = gzipSync(raw, { level: 9 }).length;
console.log(`${file}: ${raw.length} bytes, ${gz} bytes gzipped (budget ${BUDGET})`);
if (gz > BUDGET) {
  console.error(`${file} is over its size budget: ${gz} > ${BUDGET} bytes gzipped`);
  process.exit(1);
}
