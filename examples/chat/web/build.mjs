// Builds the chat page's ES modules into static/js, which is committed: the
// Go server embeds static/ (web.go), so `go build` needs no npm. Run from
// anywhere, after `npm ci` at the repository root (make web does both):
//
//	node examples/chat/web/build.mjs
//
// 1. builds @gamesrv/client (tsc -p clients/ts: its dist/ gives the page
//    its types and the browser its modules);
// 2. compiles the page, src/app.ts and the generated src/gen/**
//    (tsc -p examples/chat/web), into static/js;
// 3. follows every import from static/js/app.js: a relative import must be
//    a file; a bare one ("@gamesrv/client", "@bufbuild/protobuf/wire") must
//    be in the import map of static/index.html, and the module Node resolves
//    for it is copied to the address the map gives, then followed in turn.
//    So static/js holds exactly the modules the page loads, and the build
//    fails when the import map lacks one or names one nothing loads.
//
// Copies are byte for byte, except that a "//# sourceMappingURL=" line is
// dropped (no source maps are served). The output depends only on the
// sources and the versions in package-lock.json: make check-generated
// rebuilds it and fails on any difference.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const web = dirname(fileURLToPath(import.meta.url));
const root = resolve(web, "../../..");
const statics = join(web, "static");
const out = join(statics, "js");

/** Runs tsc -p project. */
function tsc(project) {
  const bin = join(root, "node_modules/typescript/bin/tsc");
  execFileSync(process.execPath, [bin, "-p", project], { stdio: "inherit", cwd: root });
}

/** The "imports" of the import map in static/index.html. */
function importMap() {
  const html = readFileSync(join(statics, "index.html"), "utf8");
  const m = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error("static/index.html has no <script type=\"importmap\">");
  const imports = JSON.parse(m[1]).imports ?? {};
  for (const [name, addr] of Object.entries(imports)) {
    if (!addr.startsWith("./js/")) throw new Error(`import map: ${name} -> ${addr}: addresses start with ./js/ (static/js)`);
  }
  return imports;
}

/** The module specifiers a JavaScript file imports: static imports, re-exports and literal dynamic imports. */
function importsOf(file) {
  const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** Copies src to dst, dropping a source map comment. */
function copy(src, dst) {
  const text = readFileSync(src, "utf8").replace(/^\/\/# sourceMappingURL=.*\n?/m, "");
  mkdirSync(dirname(dst), { recursive: true });
  writeFileSync(dst, text);
}

function build() {
  rmSync(out, { recursive: true, force: true });
  tsc("clients/ts");
  tsc("examples/chat/web");
  const map = importMap();
  const used = new Set();
  // dst (a file under static/js) -> the file it was copied from, or itself.
  const origin = new Map();
  const queue = [];
  const visit = (dst, src, from) => {
    const seen = origin.get(dst);
    if (seen !== undefined) {
      if (seen !== src) throw new Error(`${rel(dst)} would hold both ${rel(seen)} and ${rel(src)}`);
      return;
    }
    if (!existsSync(src)) throw new Error(`${from}: ${rel(src)} does not exist`);
    if (src !== dst) copy(src, dst);
    origin.set(dst, src);
    queue.push(dst);
  };
  visit(join(out, "app.js"), join(out, "app.js"), "static/index.html");
  while (queue.length > 0) {
    const dst = queue.shift();
    const src = origin.get(dst);
    for (const spec of importsOf(dst)) {
      const from = `${rel(src)} imports "${spec}"`;
      if (spec.startsWith("./") || spec.startsWith("../")) {
        visit(resolve(dirname(dst), spec), resolve(dirname(src), spec), from);
        continue;
      }
      const addr = map[spec];
      if (addr === undefined) throw new Error(`${from}, which the import map of static/index.html does not map`);
      used.add(spec);
      visit(join(statics, addr), fileURLToPath(import.meta.resolve(spec)), from);
    }
  }
  const unused = Object.keys(map).filter((k) => !used.has(k));
  if (unused.length > 0) throw new Error(`the import map of static/index.html maps what no module imports: ${unused.join(", ")}`);
  let bytes = 0;
  for (const dst of origin.keys()) bytes += readFileSync(dst).length;
  console.log(`static/js: ${origin.size} modules, ${bytes} bytes`);
}

/** path relative to the repository root, for messages. */
function rel(path) {
  return relative(root, path);
}

try {
  build();
} catch (e) {
  console.error(`examples/chat/web/build.mjs: ${e.message}`);
  process.exit(1);
}
