// Builds the frontend into rater_widgets/static:
//   widget_core.js  the frontend (js/index.ts), sent to the page as the `_rw_core` trait
//   widget.js       the small module anywidget imports per widget (js/loader.ts); it
//                   imports widget_core.js once per page and version
//   widget.css      the styles js/index.ts imports
// Run by `npm run build`, which the Python build calls through hatch-jupyter-builder.
//   node js/build.mjs [--watch] [--no-minify] [--outdir DIR]
import * as esbuild from "esbuild";
import { mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";

const args = process.argv.slice(2);
const watch = args.includes("--watch");
const minify = !watch && !args.includes("--no-minify");
const at = args.indexOf("--outdir");
const outdir = at >= 0 ? args[at + 1] : new URL("../rater_widgets/static/", import.meta.url).pathname;
mkdirSync(outdir, { recursive: true });

const common = {
  bundle: true,
  format: "esm",
  target: ["es2020"],
  minify,
  sourcemap: watch ? "inline" : false,
  outdir,
  logLevel: "info",
  metafile: true,
  legalComments: "none",
};
const core = {
  ...common,
  entryPoints: { widget_core: "js/index.ts" },
  // the widget's CSS is imported by index.ts and emitted as widget_core.css (renamed below)
  loader: { ".css": "css" },
};
const loader = { ...common, entryPoints: { widget: "js/loader.ts" } };

function renameCss() {
  renameSync(join(outdir, "widget_core.css"), join(outdir, "widget.css"));
}

if (watch) {
  const ctx = await esbuild.context({
    ...core,
    plugins: [{ name: "css-name", setup: (b) => b.onEnd(renameCss) }],
  });
  await esbuild.build(loader);
  await ctx.watch();
} else {
  const results = [await esbuild.build(core), await esbuild.build(loader)];
  renameCss();
  const outputs = results.flatMap((r) => Object.entries(r.metafile.outputs)).map(
    ([file, meta]) => `${file.replace(/.*\//, "static/").replace("widget_core.css", "widget.css")}: ${(meta.bytes / 1024).toFixed(1)} KiB`,
  );
  console.log(outputs.join("\n"));
}
