// Bundles src/index.ts into dist/widget.js (one minified IIFE, no run-time dependencies).
// The output is deterministic: pinned esbuild, no timestamps, no absolute paths.
//   node scripts/build.mjs          build and write dist/widget.js
//   node scripts/build.mjs --check  build in memory, fail if dist/widget.js differs
// Both fail when the bundle is 20 KB or more gzipped.

import { build } from "esbuild";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = join(root, "dist", "widget.js");
const LIMIT_GZIP = 20 * 1024;

const result = await build({
  absWorkingDir: root,
  entryPoints: ["src/index.ts"],
  bundle: true,
  format: "iife",
  target: ["es2019"],
  platform: "browser",
  minify: true,
  legalComments: "none",
  charset: "utf8",
  write: false,
  logLevel: "warning",
  banner: { js: "/* Frontline widget. Built from widget-js/src by `npm run build`; do not edit. */" },
});
const bundle = Buffer.from(result.outputFiles[0].contents);
const gzipped = gzipSync(bundle, { level: 9 }).length;
console.log(`widget.js: ${bundle.length} bytes, ${gzipped} bytes gzipped (limit ${LIMIT_GZIP})`);
if (gzipped >= LIMIT_GZIP) {
  console.error("error: the bundle is over the 20 KB gzipped budget");
  process.exit(1);
}

if (process.argv.includes("--check")) {
  let committed = null;
  try {
    committed = readFileSync(outfile);
  } catch {
    /* missing counts as different */
  }
  if (!committed || !committed.equals(bundle)) {
    console.error("error: dist/widget.js is stale: run `npm run build` in widget-js/ and commit it");
    process.exit(1);
  }
  console.log("dist/widget.js is up to date");
} else {
  mkdirSync(dirname(outfile), { recursive: true });
  writeFileSync(outfile, bundle);
}
