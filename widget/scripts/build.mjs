// Bundles the widget: dist/widget.js (the script tag's IIFE) and dist/widget.mjs (the npm module),
// then prints the gzipped size of widget.js and fails above the 12 KB budget.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET = 12 * 1024;
const common = { bundle: true, minify: true, target: ["es2020"], legalComments: "none", logLevel: "warning" };
await build({ ...common, entryPoints: ["src/embed.ts"], outfile: "dist/widget.js", format: "iife" });
await build({ ...common, entryPoints: ["src/widget.ts"], outfile: "dist/widget.mjs", format: "esm" });

const raw = readFileSync("dist/widget.js");
const gz = gzipSync(raw, { level: 9 }).length;
console.log(`widget.js: ${raw.length} bytes, ${gz} bytes gzipped (budget ${BUDGET})`);
if (gz > BUDGET) {
  console.error(`widget.js is over its size budget: ${gz} > ${BUDGET} bytes gzipped`);
  process.exit(1);
}
