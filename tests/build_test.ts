/**
 * `deno compile` as far as it goes on a machine without internet: with DENORT_BIN pointing at
 * this deno binary it builds the graph and the payload (the result does not run as aws-vault,
 * since a full deno binary ignores the payload). Its "Embedded Files" tree must hold every program
 * module, so that no run-time import (lib/lazy_import.ts) can be missing from a release binary.
 */
import { assert, assertEquals } from "./assert.ts";
import { compileArgs, ROOT } from "../scripts/build.ts";

/** A module that exports only types is erased at compile time and never embedded. */
function hasRunTimeCode(path: string): boolean {
  const text = Deno.readTextFileSync(`${ROOT}${path}`);
  return path === "main.ts" ||
    /^export (async function|function|const|let|class|enum|default|\{)/m.test(text);
}

/** Every module of the program with code: main.ts and the rooms' non-test modules. */
function programModules(): string[] {
  const out = ["main.ts"];
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(`${ROOT}${dir}`)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) walk(path);
      else if (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) out.push(path);
    }
  };
  for (const room of ["cmd", "server", "sts", "keystore", "ffi", "lib"]) walk(room);
  return out.filter(hasRunTimeCode).sort();
}

/** Paths from deno compile's "Embedded Files" tree (`├─┬ cmd (61KB)`, `│ ├── app.ts (18KB)`). */
export function embeddedPaths(report: string): string[] {
  const paths: string[] = [];
  const stack: string[] = [];
  for (const line of report.split("\n")) {
    const m = line.match(/^((?:[│ ] )*)[├└]─([┬─]) (.+?) \([\d.]+\w?B\)$/);
    if (!m) continue;
    const depth = m[1].length / 2;
    stack.length = depth;
    if (m[2] === "┬") stack.push(m[3]);
    else paths.push([...stack, m[3]].join("/"));
  }
  return paths;
}

Deno.test("the embedded-files parser reads deno compile's tree", () => {
  const sample = [
    "t1",
    "├─┬ cmd (61.48KB)",
    "│ ├── app.ts (18.63KB)",
    "│ └── parser.ts (19.39KB)",
    "├── main.ts (746B)",
    "└─┬ sts (98.21KB)",
    "  ├─┬ config (70.92KB)",
    "  │ └── ini.ts (13.2KB)",
    "  └── providers/master.ts (3.4KB)",
  ].join("\n");
  assertEquals(embeddedPaths(sample), [
    "cmd/app.ts",
    "cmd/parser.ts",
    "main.ts",
    "sts/config/ini.ts",
    "sts/providers/master.ts",
  ]);
});

Deno.test("deno compile embeds every program module", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aws-vault-build-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: compileArgs(Deno.build.target, `${dir}/aws-vault`),
      cwd: ROOT,
      env: { DENORT_BIN: Deno.execPath(), NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const report = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert(out.success, report);
    const embedded = new Set(embeddedPaths(report));
    assert(embedded.size > 50, report);
    const missing = programModules().filter((m) => !embedded.has(m));
    assertEquals(missing, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
