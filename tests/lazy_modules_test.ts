/**
 * Modules imported with run-time specifiers (lib/lazy_import.ts) are invisible to the bundler, so
 * the release bundle (scripts/bundle.ts) holds only what the lists name. A module missing from
 * them would break the compiled binary but no `deno run` test, so this test checks the lists
 * against the sources.
 */
import { assert, assertEquals } from "./assert.ts";
import { commandModule, COMMANDS, LAZY_MODULES } from "../cmd/app.ts";
import { BACKEND_MODULES } from "../keystore/registry.ts";
import { CHAIN_MODULES } from "../sts/chain.ts";
import { pathFromFileUrl } from "../lib/file_url.ts";

const ROOT = pathFromFileUrl(new URL("..", import.meta.url));

function exists(path: string): boolean {
  try {
    return Deno.statSync(`${ROOT}${path}`).isFile;
  } catch {
    return false;
  }
}

/** The names passed to a module's `load<...>("name")` helper. */
function loadedNames(file: string): string[] {
  const text = Deno.readTextFileSync(`${ROOT}${file}`);
  return [...text.matchAll(/\bload<[^>]*>\(\s*"([^"]+)",?\s*\)/g)].map((m) => m[1]);
}

Deno.test("every listed run-time module exists", () => {
  for (const m of [...LAZY_MODULES, ...BACKEND_MODULES, ...CHAIN_MODULES]) {
    assert(exists(m), `${m} is listed for the bundle but does not exist`);
  }
});

Deno.test("every command and the help renderer are in LAZY_MODULES", () => {
  for (const c of COMMANDS) assert(LAZY_MODULES.includes(`cmd/${commandModule(c)}.ts`), c.name);
  assert(LAZY_MODULES.includes("cmd/help.ts"));
});

Deno.test("every backend and chain module loaded at run time is listed", () => {
  const backends = loadedNames("keystore/registry.ts");
  assert(backends.length >= 6, "expected the registry's load() calls");
  for (const n of backends) assert(BACKEND_MODULES.includes(`keystore/${n}.ts`), n);
  const chain = loadedNames("sts/chain.ts");
  assert(chain.length >= 6, "expected the chain's load() calls");
  for (const n of chain) assert(CHAIN_MODULES.includes(`sts/${n}`), n);
});

Deno.test("run-time imports are used only where a list covers them", () => {
  const users: string[] = [];
  const dirs = ["cmd", "sts", "sts/aws", "sts/config", "sts/mfa", "sts/providers", "keystore"];
  for (const dir of [...dirs, "server", "lib", "ffi"]) {
    for (const e of Deno.readDirSync(`${ROOT}${dir}`)) {
      if (!e.isFile || !e.name.endsWith(".ts") || e.name.endsWith("_test.ts")) continue;
      const text = Deno.readTextFileSync(`${ROOT}${dir}/${e.name}`);
      if (/importAtRunTime\s*(<[^>]*>)?\(/.test(text) || /import\(\s*new URL\(/.test(text)) {
        users.push(`${dir}/${e.name}`);
      }
    }
  }
  assertEquals(users.sort(), [
    "cmd/app.ts",
    "keystore/registry.ts",
    "lib/lazy_import.ts",
    // ffi/kernel32.ts, listed in cmd/app.ts LAZY_MODULES.
    "lib/tty.ts",
    "sts/chain.ts",
  ]);
});
