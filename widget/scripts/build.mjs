// Bundles the widget: dist/widget.js (the script tag's IIFE) and dist/widget.mjs (the npm module).
// The size budget is checked by scripts/size.mjs, which `npm run build` runs next.
import { build } from "esbuild";

const common = {
  bundle: true,
  minify: true,
  target: ["es2020"],
  legalComments: "none",
  logLevel: "warning",
};
await build({
  ...common,
  entryPoints: ["src/embed.ts"],
  outfile: "dist/widget.js",
  format: "iife",
});
await build({
  ...common,
  entryPoints: ["src/widget.ts"],
  outfile: "dist/widget.mjs",
  format: "esm",
});
