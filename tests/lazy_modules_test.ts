/**
 * Program modules load what they may not need with lib/lazy_import.ts, never with a literal
 * `import()`: `deno run` walks literal targets at start-up, and in the release bundle
 * (scripts/bundle.ts) each would become a file of its own and split the entry half. A run-time path
 * that names no module would break only the call that takes it, so every one is checked here.
 */
import { assert, assertEquals } from "./assert.ts";
import { commandModule, COMMANDS } from "../cmd/app.ts";
import { programModules } from "../scripts/bundle.ts";
import { pathFromFileUrl } from "../lib/file_url.ts";

const ROOT = pathFromFileUrl(new URL("..", import.meta.url));
const MODULES = programModules();

function source(path: string): string {
  return Deno.readTextFileSync(`${ROOT}${path}`);
}

/** The literal `import()`s of a module's code (comments and `typeof import(...)` types aside). */
function literalImports(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  return [...code.matchAll(/(?<![\w.$])(?<!typeof )import\(\s*(["'`][^"'`]*["'`])/g)].map((m) =>
    m[1]
  );
}

Deno.test("the literal-import finder sees import() calls but not types or comments", () => {
  const sample = [
    '// a comment: import("./a.ts")',
    'const x = await import("./b.ts");',
    'type T = typeof import("./c.ts");',
    "const y = await import(`./d.ts`);",
    'const z = await importAtRunTime<typeof import("./e.ts")>("e.ts");',
  ].join("\n");
  assertEquals(literalImports(sample), ['"./b.ts"', "`./d.ts`"]);
});

Deno.test("no program module imports a program module or package with a literal import()", () => {
  const found: string[] = [];
  for (const m of MODULES) {
    for (const spec of literalImports(source(m))) {
      // Runtime built-ins (node:) are neither walked from disk nor bundled.
      if (!spec.slice(1).startsWith("node:")) found.push(`${m}: import(${spec})`);
    }
  }
  assertEquals(found, []);
});

Deno.test("every path given to importAtRunTime names a program module", () => {
  const missing: string[] = [];
  let count = 0;
  for (const m of MODULES) {
    for (const [, path] of source(m).matchAll(/importAtRunTime\s*(?:<[^<>]*>)?\(\s*"([^"]+)"/g)) {
      count++;
      if (!MODULES.includes(path)) missing.push(`${m}: ${path}`);
    }
  }
  assert(count >= 30, `expected the program's run-time imports, found ${count}`);
  assertEquals(missing, []);
});

/** The names passed to a module's `load<...>("name")` helper. */
function loadedNames(file: string): string[] {
  return [...source(file).matchAll(/\bload<[^>]*>\(\s*"([^"]+)",?\s*\)/g)].map((m) => m[1]);
}

Deno.test("every command, backend and chain module loaded by name exists", () => {
  for (const c of COMMANDS) {
    assert(MODULES.includes(`cmd/${commandModule(c)}.ts`), `command ${c.name}`);
  }
  const backends = loadedNames("keystore/registry.ts");
  assert(backends.length >= 6, "expected the registry's load() calls");
  for (const n of backends) assert(MODULES.includes(`keystore/${n}.ts`), n);
  const chain = loadedNames("sts/chain.ts");
  assert(chain.length >= 6, "expected the chain's load() calls");
  for (const n of chain) assert(MODULES.includes(`sts/${n}`), n);
});
