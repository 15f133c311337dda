// Builds ../../static/vendor/three/three-bim.min.js: entry.js (three.js + GLTFLoader + OrbitControls) as one
// minified IIFE that sets window.THREE_BIM, then copies three.js's LICENSE beside it and checks that the bundle
// holds no eval / new Function (the portal's Content-Security-Policy has no 'unsafe-eval').
//   cd tools/bim-viewer && npm ci && npm run build
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(here, "../../static/vendor/three");
const outFile = resolve(outDir, "three-bim.min.js");
mkdirSync(outDir, { recursive: true });

await build({
  entryPoints: [resolve(here, "entry.js")],
  bundle: true,
  minify: true,
  format: "iife",
  globalName: "THREE_BIM",
  target: ["es2020"],
  legalComments: "eof",
  outfile: outFile,
  logLevel: "warning",
});
copyFileSync(resolve(here, "node_modules/three/LICENSE"), resolve(outDir, "LICENSE"));

const code = readFileSync(outFile);
const text = code.toString("utf8");
for (const forbidden of [/\beval\s*\(/, /new\s+Function\s*\(/, /\bFunction\s*\(\s*["'`]/]) {
  if (forbidden.test(text)) {
    console.error(`the bundle matches ${forbidden}: the CSP (script-src 'self', no 'unsafe-eval') would block it`);
    process.exit(1);
  }
}
const three = JSON.parse(readFileSync(resolve(here, "node_modules/three/package.json"), "utf8")).version;
const esbuildVersion = JSON.parse(readFileSync(resolve(here, "node_modules/esbuild/package.json"), "utf8")).version;
const raw = statSync(outFile).size;
const gz = gzipSync(code, { level: 9 }).length;
console.log(`three ${three}, esbuild ${esbuildVersion}: ${outFile} ${raw} bytes, ${gz} gzipped`);
