/**
 * Smoke test of one release binary on its own OS, run by .github/workflows/release.yml on every
 * release runner before anything is published:
 *
 *   deno run -A scripts/release_smoke.ts --binary dist/aws-vault [--expect-version v7.2.0-deno.1]
 *
 * It checks `--version`; `add --env`, `list`, `export` in every format and `exec` with a command
 * on the file backend; a round trip through the OS keystore (Keychain, Credential Manager, or
 * Secret Service under a private gnome-keyring); the binary as the AWS CLI's credential_process
 * against the fake STS in tests/fake_aws/ (or `export --no-session` where no AWS CLI is
 * installed); and start-up time against `deno run` of an empty file, written to the job summary
 * ($GITHUB_STEP_SUMMARY) when there is one. Exits 1 when any check fails.
 *
 * `--binary` may also be a wrapper that runs main.ts from source; tests/release_smoke_test.ts
 * runs it that way.
 */
import { startFakeAws } from "../tests/fake_aws/server.ts";
import { baseEnv, type CliResult, runCommand } from "../tests/run_cli.ts";
import { findExecutable } from "../lib/which.ts";

const OS = Deno.build.os;

export interface SmokeOptions {
  binary: string;
  expectVersion?: string;
  /** Start-up timing runs per command (0 skips timing). */
  timingRuns: number;
  /** Skip the OS keystore round trip (the test of this script does; CI runners never do). */
  skipNativeKeystore?: boolean;
}

export interface SmokeReport {
  failures: string[];
  lines: string[];
  summary: string;
}

class Smoke {
  failures: string[] = [];
  lines: string[] = [];

  constructor(readonly binary: string, readonly env: Record<string, string>) {}

  run(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
    const env = { ...this.env, ...extraEnv };
    return runCommand(this.binary, args, { env, timeoutMs: 60_000 });
  }

  /** Runs one check; a thrown error or a false result is a failure with its message. */
  async check(name: string, body: () => Promise<string | void>): Promise<void> {
    try {
      const note = await body();
      this.lines.push(`ok   ${name}${note ? ` (${note})` : ""}`);
    } catch (e) {
      const message = (e instanceof Error ? e.message : String(e)).split("\n")[0].slice(0, 300);
      this.failures.push(`${name}: ${message}`);
      this.lines.push(`FAIL ${name}: ${message}`);
    }
  }
}

function expect(ok: boolean, what: string, r?: CliResult): void {
  if (!ok) throw new Error(r ? `${what} (exit ${r.code}: ${r.stderr.trim()})` : what);
}

/** The environment a fresh user would have: the tests' hermetic one (PATH, a temporary HOME). */
function hermeticEnv(home: string): Record<string, string> {
  // On Windows the AWS CLI finds its home through USERPROFILE, not HOME.
  return { ...baseEnv(home), ...(OS === "windows" ? { USERPROFILE: home } : {}) };
}

export async function runSmoke(opts: SmokeOptions): Promise<SmokeReport> {
  const home = await Deno.makeTempDir({ prefix: "aws-vault-smoke-" });
  await Deno.mkdir(`${home}/.aws`, { recursive: true });
  const fake = await startFakeAws();
  const user = fake.addUser("smoke");
  const fileStore = {
    AWS_VAULT_BACKEND: "file",
    AWS_VAULT_FILE_DIR: `${home}/keys`,
    AWS_VAULT_FILE_PASSPHRASE: "smoke-passphrase",
  };
  const keys = {
    AWS_ACCESS_KEY_ID: user.accessKeyId,
    AWS_SECRET_ACCESS_KEY: user.secretAccessKey,
  };
  const s = new Smoke(opts.binary, hermeticEnv(home));
  let summary = "";
  try {
    await Deno.writeTextFile(
      `${home}/.aws/config`,
      `[profile smoke]\nregion = us-east-1\n\n[profile smoke-cp]\nregion = us-east-1\n` +
        `credential_process = ${credentialProcessLine(opts.binary)}\n`,
    );

    await s.check("--version", async () => {
      const r = await s.run(["--version"]);
      expect(r.code === 0, "--version failed", r);
      const printed = (r.stdout + r.stderr).trim();
      if (opts.expectVersion) expect(printed === opts.expectVersion, `printed ${printed}`);
      return printed;
    });

    await s.check("add --env (file backend)", async () => {
      const r = await s.run(["add", "--env", "smoke"], { ...fileStore, ...keys });
      expect(r.code === 0, "add failed", r);
    });

    await s.check("list", async () => {
      const r = await s.run(["list"], fileStore);
      expect(r.code === 0 && /^smoke\s+smoke\s/m.test(r.stdout), "list lacks smoke", r);
    });

    for (const format of ["env", "export-env", "json", "ini"]) {
      await s.check(`export --no-session --format=${format}`, async () => {
        const r = await s.run(["export", "--no-session", `--format=${format}`, "smoke"], fileStore);
        expect(r.code === 0 && r.stdout.includes(user.accessKeyId), "key not exported", r);
      });
    }

    await s.check("exec with a command", async () => {
      const probe = [Deno.execPath(), "eval", "console.log(Deno.env.get('AWS_ACCESS_KEY_ID'))"];
      const r = await s.run(["exec", "--no-session", "smoke", "--", ...probe], fileStore);
      expect(r.code === 0 && r.stdout.trim() === user.accessKeyId, "child lacks the key", r);
      const failing = [Deno.execPath(), "eval", "Deno.exit(3)"];
      const f = await s.run(["exec", "--no-session", "smoke", "--", ...failing], fileStore);
      expect(f.code === 3, `child exit code 3 came back as ${f.code}`);
    });

    if (!opts.skipNativeKeystore) await nativeKeystore(s, keys);

    await s.check("credential_process for the AWS CLI", async () => {
      const aws = await findExecutable("aws");
      const store = { ...fileStore, AWS_ENDPOINT_URL: fake.url, AWS_PAGER: "" };
      if (!aws) {
        const r = await s.run(["export", "--no-session", "--format=json", "smoke"], store);
        expect(r.code === 0 && JSON.parse(r.stdout).Version === 1, "json export failed", r);
        return "no AWS CLI on this runner: export --no-session --format=json checked instead";
      }
      const args = ["sts", "get-caller-identity", "--profile", "smoke-cp", "--output", "json"];
      const r = await runCommand(aws, args, { env: { ...s.env, ...store }, timeoutMs: 60_000 });
      expect(r.code === 0, `aws sts get-caller-identity failed: ${r.stderr.trim()}`);
      expect(JSON.parse(r.stdout).Arn === user.arn, `caller is ${r.stdout}`);
      expect(fake.callCount("GetSessionToken") === 1, "no GetSessionToken through the binary");
    });

    if (opts.timingRuns > 0) {
      summary = await startupSummary(s, opts.timingRuns, fileStore, home);
    }
  } finally {
    await fake.close();
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
  return { failures: s.failures, lines: s.lines, summary };
}

/** A credential_process line with the binary's path quoted the way botocore splits it. */
function credentialProcessLine(binary: string): string {
  const path = /[\s"']/.test(binary) ? `"${binary}"` : binary;
  return `${path} export --format=json smoke`;
}

async function nativeKeystore(s: Smoke, keys: Record<string, string>): Promise<void> {
  const name = OS === "darwin" ? "keychain" : OS === "windows" ? "wincred" : "secret-service";
  let extra: Record<string, string> = {};
  let cleanup = async () => {};
  if (OS === "linux") {
    const { startSecretService } = await import("../tests/keystore_env.ts");
    const ss = await startSecretService();
    // The login keyring that `gnome-keyring-daemon --unlock` opens: creating a collection of
    // our own would need a password dialog.
    extra = { ...ss.env, HOME: s.env.HOME, AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME: "login" };
    cleanup = () => ss.cleanup();
  } else if (OS === "darwin") {
    // A keychain of our own with a known password, so that no dialog can ask for one. `security`
    // runs with the binary's environment so that both resolve the relative name alike.
    const security = async (...args: string[]) => {
      const r = await runCommand("security", args, { env: s.env });
      if (r.code !== 0) throw new Error(`security ${args[0]}: ${r.stderr}`);
    };
    await security("create-keychain", "-p", "smoke", "aws-vault-smoke.keychain");
    await security("unlock-keychain", "-p", "smoke", "aws-vault-smoke.keychain");
    extra = { AWS_VAULT_KEYCHAIN_NAME: "aws-vault-smoke" };
    cleanup = () => security("delete-keychain", "aws-vault-smoke.keychain");
  }
  const env = { ...extra, AWS_VAULT_BACKEND: name };
  try {
    await s.check(`${name}: add, list, export, remove`, async () => {
      const add = await s.run(["add", "--env", "native"], { ...env, ...keys });
      expect(add.code === 0, "add failed", add);
      const list = await s.run(["list", "--credentials"], env);
      expect(list.code === 0 && /^native$/m.test(list.stdout), "list lacks native", list);
      const exp = await s.run(["export", "--no-session", "--format=json", "native"], env);
      expect(exp.code === 0 && exp.stdout.includes(keys.AWS_ACCESS_KEY_ID), "export failed", exp);
      const rm = await s.run(["remove", "-f", "native"], env);
      expect(rm.code === 0, "remove failed", rm);
      const after = await s.run(["list", "--credentials"], env);
      expect(!/^native$/m.test(after.stdout), "still listed after remove", after);
    });
  } finally {
    await cleanup();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Interleaved runs of each command; median ratios to `deno run` of an empty file. */
async function startupSummary(
  s: Smoke,
  runs: number,
  fileStore: Record<string, string>,
  home: string,
): Promise<string> {
  const empty = `${home}/empty.ts`;
  await Deno.writeTextFile(empty, "");
  const cases: [string, string, string[], Record<string, string>][] = [
    ["deno run (empty file)", Deno.execPath(), ["run", "--quiet", empty], {}],
    ["--version", s.binary, ["--version"], {}],
    ["export --no-session --format=json", s.binary, [
      "export",
      "--no-session",
      "--format=json",
      "smoke",
    ], fileStore],
  ];
  const times = cases.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    for (const [c, [, exe, args, env]] of cases.entries()) {
      const t0 = performance.now();
      const r = await new Deno.Command(exe, {
        args,
        env: { ...s.env, ...env },
        clearEnv: true,
        stdout: "null",
        stderr: "null",
      }).output();
      if (!r.success) throw new Error(`${cases[c][0]} failed while timing`);
      times[c].push(performance.now() - t0);
    }
  }
  // Paired, as scripts/bench_startup.ts: each round's time over the same round's empty program.
  const rows = cases.map(([name], c) => {
    const ratio = median(times[c].map((t, i) => t / times[0][i]));
    return `| ${name} | ${median(times[c]).toFixed(1)} ms | ${ratio.toFixed(2)}x |`;
  });
  return [
    `### Start-up on ${Deno.build.target} (median of ${runs} interleaved runs)`,
    "",
    "| command | median | median ratio to empty deno run |",
    "|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}

function flag(name: string): string | undefined {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}

if (import.meta.main) {
  const binary = flag("--binary");
  if (!binary) {
    console.error("usage: release_smoke.ts --binary <path> [--expect-version v...] [--runs N]");
    Deno.exit(2);
  }
  const report = await runSmoke({
    binary,
    expectVersion: flag("--expect-version"),
    timingRuns: Number(flag("--runs") ?? 20),
  });
  for (const l of report.lines) console.log(l);
  if (report.summary) {
    console.log(report.summary);
    const file = Deno.env.get("GITHUB_STEP_SUMMARY");
    if (file) await Deno.writeTextFile(file, report.summary + "\n", { append: true });
  }
  console.log(
    `${report.lines.length - report.failures.length} passed, ${report.failures.length} failed`,
  );
  Deno.exit(report.failures.length === 0 ? 0 : 1);
}
