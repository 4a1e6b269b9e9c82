/**
 * The release build as far as it goes on a machine without internet. scripts/bundle.ts writes the
 * program as an entry half and a cold half, which together must hold every program module once, so
 * that no run-time import (lib/lazy_import.ts) can be missing from a release binary, and must run
 * as the CLI does, a cached `credential_process` call from the entry half alone. Then
 * `deno compile` with DENORT_BIN pointing at this deno binary builds the payload (the result does
 * not run as aws-vault, since a full deno binary ignores the payload): only the bundle is in it.
 */
import { assert, assertEquals } from "./assert.ts";
import { compileArgs, ROOT } from "../scripts/build.ts";
import { bundle, COLD_FILE, ENTRY_FILE, programModules as allModules } from "../scripts/bundle.ts";
import { eagerTopLevelFunctions } from "../scripts/eager_compile.ts";
import { startFakeAws } from "./fake_aws/server.ts";
import { fakeAwsHome } from "./fake_aws/home.ts";
import { runCli } from "./run_cli.ts";
import { join } from "node:path";

/** A module that exports only types is erased at compile time and never embedded. */
function hasRunTimeCode(path: string): boolean {
  const text = Deno.readTextFileSync(`${ROOT}${path}`);
  return path === "main.ts" ||
    /^export (async function|function|const|let|class|enum|default|\{)/m.test(text);
}

/** Every module of the program with code. */
function programModules(): string[] {
  return allModules().filter(hasRunTimeCode);
}

/** Paths from deno compile's "Embedded Files" tree (`├─┬ cmd (61KB)`, `│ ├── app.ts (18KB)`). */
function embeddedPaths(report: string): string[] {
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

/** The program modules in a bundle file: esbuild heads each module's code with `// <path>`. */
function bundledModules(path: string): string[] {
  return [...Deno.readTextFileSync(path).matchAll(/^\/\/ (\S+\.ts)$/gm)].map((m) => m[1]);
}

Deno.test("the bundle holds every program module once, and deno compile embeds only the bundle", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aws-vault-build-" });
  try {
    const entry = await bundle(`${dir}/bundle`);
    assertEquals(entry, join(dir, "bundle", ENTRY_FILE));
    // The entry, the cold half, and the one chunk both import.
    const files = [...Deno.readDirSync(`${dir}/bundle`)].map((e) => e.name).sort();
    assertEquals(files.length, 3, files.join(" "));
    assertEquals(files.filter((f) => !/^chunk-\w+\.js$/.test(f)), [ENTRY_FILE, COLD_FILE]);
    const cold = bundledModules(`${dir}/bundle/${COLD_FILE}`);
    const hot = files.filter((f) => f !== COLD_FILE).flatMap((f) =>
      bundledModules(`${dir}/bundle/${f}`)
    );
    assertEquals(programModules().filter((m) => !hot.includes(m) && !cold.includes(m)), []);
    // Each module in one file only, so that both halves share its one instance.
    assertEquals(hot.filter((m) => cold.includes(m)), []);
    // The entry half's functions compile with their file (scripts/eager_compile.ts).
    for (const f of files.filter((f) => f !== COLD_FILE)) {
      const text = Deno.readTextFileSync(`${dir}/bundle/${f}`);
      assertEquals(eagerTopLevelFunctions(text).count, 0, f);
    }
    assert(eagerTopLevelFunctions(Deno.readTextFileSync(`${dir}/bundle/${COLD_FILE}`)).count > 100);

    // The release build's arguments (scripts/build.ts compileArgs), on this bundle.
    const out = await new Deno.Command(Deno.execPath(), {
      args: compileArgs(Deno.build.target, `${dir}/aws-vault`, `${dir}/bundle`),
      cwd: ROOT,
      env: { DENORT_BIN: Deno.execPath(), NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const report = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert(out.success, report);
    assertEquals(embeddedPaths(report).sort(), files);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the bundle's entry half alone serves export from a cached session and --no-session", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aws-vault-bundle-" });
  const fake = await startFakeAws();
  const user = fake.addUser("bundle");
  const f = await fakeAwsHome(fake, user, "dev", "[profile dev]\nregion=us-east-1\n");
  try {
    const entry = await bundle(`${dir}/bundle`);
    const run = (args: string[], env: Record<string, string> = {}) =>
      runCli(args, { home: f.home, env: { ...f.env, ...env }, entry });
    const fetched = (stderr: string) =>
      [...stderr.matchAll(/fetch_no_follow - specifier: (\S+)/g)].map((m) =>
        m[1].slice(m[1].lastIndexOf("/") + 1)
      );
    // A miss (GetSessionToken from the fake STS: the cold half), then a hit from the entry half.
    const first = await run(["export", "--format=json", "dev"], { DENO_LOG: "debug" });
    assertEquals(first.code, 0, first.stderr);
    assert(fetched(first.stderr).includes(COLD_FILE), "a miss loads the STS client");
    const cached = await run(["export", "--format=json", "dev"], { DENO_LOG: "debug" });
    assertEquals(cached.code, 0, cached.stderr);
    assertEquals(JSON.parse(cached.stdout).AccessKeyId, JSON.parse(first.stdout).AccessKeyId);
    assertEquals(fake.callCount("GetSessionToken"), 1);
    const hot = fetched(cached.stderr);
    assertEquals(hot.length, 2, hot.join(" "));
    assertEquals(hot[0], ENTRY_FILE);
    assert(/^chunk-\w+\.js$/.test(hot[1]), hot[1]);

    const plain = await run(["export", "--no-session", "--format=json", "dev"], {
      DENO_LOG: "debug",
    });
    assertEquals(plain.code, 0, plain.stderr);
    assertEquals(JSON.parse(plain.stdout).AccessKeyId, user.accessKeyId);
    assertEquals(fetched(plain.stderr), hot);
    // A named prompt driver is checked on every call (aws-vault's Validate hook), from the entry.
    const prompted = await run(["export", "--format=json", "dev"], {
      DENO_LOG: "debug",
      AWS_VAULT_PROMPT: "terminal",
    });
    assertEquals(prompted.code, 0, prompted.stderr);
    assertEquals(fetched(prompted.stderr), hot);
    // Modules from the cold half: help, list, a prompt driver, and an unknown backend's error.
    assert((await run(["--help"])).stderr.includes("usage: aws-vault"));
    assert((await run(["list"])).stdout.includes("sts.GetSessionToken"));
    const badPrompt = await run(["--prompt=nope", "list"]);
    assert(badPrompt.stderr.includes("--prompt value must be one of"), badPrompt.stderr);
    const badBackend = await run(["--backend=nope", "list"]);
    assert(badBackend.stderr.includes("nope"), badBackend.stderr);
  } finally {
    await f.cleanup();
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});
