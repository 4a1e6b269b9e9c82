/**
 * The release build as far as it goes on a machine without internet. scripts/bundle.ts writes the
 * whole program as one module, which must hold every program module, so that no run-time import
 * (lib/lazy_import.ts) can be missing from a release binary, and must run as the CLI does. Then
 * `deno compile` with DENORT_BIN pointing at this deno binary builds the payload (the result does
 * not run as aws-vault, since a full deno binary ignores the payload): only the bundle is in it.
 */
import { assert, assertEquals } from "./assert.ts";
import { compileArgs, ROOT } from "../scripts/build.ts";
import { BUNDLE, bundle } from "../scripts/bundle.ts";
import { startFakeAws } from "./fake_aws/server.ts";
import { fakeAwsHome } from "./fake_aws/home.ts";
import { runCli } from "./run_cli.ts";
import { pathToFileURL } from "node:url";

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

/** The program modules in a bundle: esbuild heads each module's code with `// <path>`. */
function bundledModules(bundleText: string): string[] {
  return [...bundleText.matchAll(/^\/\/ (\S+\.ts)$/gm)].map((m) => m[1]);
}

Deno.test("the bundle holds every program module, and deno compile embeds only the bundle", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aws-vault-build-" });
  try {
    const bundlePath = await bundle(`${dir}/aws-vault.js`);
    const missing = programModules().filter((m) =>
      !bundledModules(Deno.readTextFileSync(bundlePath)).includes(m)
    );
    assertEquals(missing, []);

    // The release build compiles the bundle (scripts/build.ts compileArgs) from dist/.
    await Deno.mkdir(`${ROOT}dist`, { recursive: true });
    await Deno.copyFile(bundlePath, `${ROOT}${BUNDLE}`);
    const out = await new Deno.Command(Deno.execPath(), {
      args: compileArgs(Deno.build.target, `${dir}/aws-vault`),
      cwd: ROOT,
      env: { DENORT_BIN: Deno.execPath(), NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const report = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert(out.success, report);
    assertEquals(embeddedPaths(report), ["aws-vault.js"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the bundle runs as one module: export from a cached session, --no-session, help", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aws-vault-bundle-" });
  const fake = await startFakeAws();
  const user = fake.addUser("bundle");
  const f = await fakeAwsHome(fake, user, "dev", "[profile dev]\nregion=us-east-1\n");
  try {
    const bundlePath = await bundle(`${dir}/aws-vault.js`);
    const run = (args: string[], env: Record<string, string> = {}) =>
      runCli(args, { home: f.home, env: { ...f.env, ...env }, entry: bundlePath });
    // A miss (GetSessionToken from the fake STS), then a hit that loads nothing but the bundle.
    const first = await run(["export", "--format=json", "dev"]);
    assertEquals(first.code, 0, first.stderr);
    const cached = await run(["export", "--format=json", "dev"], { DENO_LOG: "debug" });
    assertEquals(cached.code, 0, cached.stderr);
    assertEquals(JSON.parse(cached.stdout).AccessKeyId, JSON.parse(first.stdout).AccessKeyId);
    assertEquals(fake.callCount("GetSessionToken"), 1);
    const fetched = [...cached.stderr.matchAll(/fetch_no_follow - specifier: (\S+)/g)].map((m) =>
      m[1]
    );
    assertEquals(fetched, [pathToFileURL(bundlePath).href]);

    const plain = await run(["export", "--no-session", "--format=json", "dev"]);
    assertEquals(plain.code, 0, plain.stderr);
    assertEquals(JSON.parse(plain.stdout).AccessKeyId, user.accessKeyId);
    // Modules from the run-time table: help, list, a prompt driver, and an unknown backend's error.
    assert((await run(["--help"])).stderr.includes("usage: aws-vault"));
    assert((await run(["list"])).stdout.includes("sts.GetSessionToken"));
    const badPrompt = await run(["--prompt=nope", "list"]);
    assert(badPrompt.stderr.includes("--prompt value must be one of"), badPrompt.stderr);
  } finally {
    await f.cleanup();
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});
