// Prints the size of the compiled package: the dist/*.js that tsc wrote,
// then minified bundles made with esbuild (pinned in the root
// package.json): @gamesrv/client alone (@bufbuild/protobuf external), and
// with the parts of @bufbuild/protobuf it uses. Run `npm run build` first.

import { build } from "esbuild";
import { readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const dist = new URL("../dist/", import.meta.url);
const files = readdirSync(dist).filter((f) => f.endsWith(".js"));
const raw = files.reduce((n, f) => n + readFileSync(new URL(f, dist)).length, 0);
console.log(`dist/*.js (tsc output, ${files.length} files): ${raw} bytes`);

for (const [what, external] of [
  ["minified, @gamesrv/client alone", ["@bufbuild/protobuf", "@bufbuild/protobuf/*"]],
  ["minified, with the @bufbuild/protobuf it uses", []],
]) {
  const out = await build({
    entryPoints: [new URL("index.js", dist).pathname],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    external,
    write: false,
  });
  const code = out.outputFiles[0].contents;
  console.log(`${what}: ${code.length} bytes, ${gzipSync(code).length} gzipped`);
}
