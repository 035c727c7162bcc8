// Bundles the one widget entry (js/index.ts) and its CSS into rater_widgets/static.
// Run by `npm run build`, which the Python build calls through hatch-jupyter-builder.
import * as esbuild from "esbuild";
import { mkdirSync } from "node:fs";

const watch = process.argv.includes("--watch");
const outdir = new URL("../rater_widgets/static/", import.meta.url).pathname;
mkdirSync(outdir, { recursive: true });

const options = {
  entryPoints: { widget: "js/index.ts" },
  bundle: true,
  format: "esm",
  target: ["es2020"],
  minify: !watch,
  sourcemap: watch ? "inline" : false,
  outdir,
  logLevel: "info",
  metafile: true,
  // the widget's CSS is imported by index.ts and emitted as widget.css
  loader: { ".css": "css" },
  legalComments: "none",
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  const result = await esbuild.build(options);
  const outputs = Object.entries(result.metafile.outputs).map(
    ([file, meta]) => `${file.replace(/.*static\//, "static/")}: ${(meta.bytes / 1024).toFixed(1)} KiB`,
  );
  console.log(outputs.join("\n"));
}
