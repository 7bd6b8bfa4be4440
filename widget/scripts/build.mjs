// Bundles the widget: dist/widget.js (the script tag's IIFE) and dist/widget.mjs (the npm module);
// and the admin page: dist/admin/{index.html, admin.js, admin.css}, served by the gateway at /admin.
// The size budgets are checked by scripts/size.mjs, which `npm run build` runs next.
import { copyFileSync, mkdirSync } from "node:fs";
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
await build({
  ...common,
  entryPoints: ["src/admin/main.ts"],
  outfile: "dist/admin/admin.js",
  format: "iife",
});
await build({
  ...common,
  entryPoints: ["src/admin/admin.css"],
  outfile: "dist/admin/admin.css",
});
mkdirSync("dist/admin", { recursive: true });
copyFileSync("src/admin/index.html", "dist/admin/index.html");
