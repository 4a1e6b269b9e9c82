/**
 * Runs the CLI from source as a subprocess (as a user or an AWS SDK would run the binary), in a
 * hermetic environment: a temporary HOME, no inherited AWS_* variables, and IMDS disabled.
 */
import { pathFromFileUrl } from "../lib/file_url.ts";

const ROOT = pathFromFileUrl(new URL("..", import.meta.url));
export const MAIN_TS = `${ROOT}main.ts`;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Variables added to the hermetic base environment. */
  env?: Record<string, string>;
  stdin?: string;
  cwd?: string;
  /** A command that runs ours as its argv tail, e.g. a keyring session (tests/keyctl_sandbox.ts). */
  wrap?: string[];
  /** Variables removed from the environment (after `env` is applied). */
  unset?: string[];
  /** The program to run instead of main.ts, e.g. the release bundle (tests/build_test.ts). */
  entry?: string;
}

/**
 * The environment every CLI test starts from: PATH and HOME only, plus IMDS disabled (and on
 * Windows the system variables every Windows process needs, see windowsSystemEnv).
 */
export function baseEnv(home: string): Record<string, string> {
  return {
    ...windowsSystemEnv(),
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: home,
    AWS_CONFIG_FILE: `${home}/.aws/config`,
    AWS_SHARED_CREDENTIALS_FILE: `${home}/.aws/credentials-unused`,
    AWS_EC2_METADATA_DISABLED: "true",
    NO_COLOR: "1",
    // Keep the test process's Deno cache (it would otherwise move with HOME) so that npm
    // packages resolve without downloading again.
    DENO_DIR: denoDir(),
  };
}

/** The test process's Deno cache directory, for children that run `deno` with another HOME. */
export function denoDir(): string {
  const explicit = Deno.env.get("DENO_DIR");
  if (explicit) return explicit;
  // Deno's own default on Windows (%LOCALAPPDATA%\deno); Windows has no HOME.
  if (Deno.build.os === "windows") return `${Deno.env.get("LOCALAPPDATA")}\\deno`;
  const cache = Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`;
  return `${cache}/deno`;
}

/**
 * What a Windows process needs besides PATH and HOME: Deno and the C runtime (SystemRoot, temp
 * directories), the user profile (USERPROFILE, APPDATA) and cmd.exe (ComSpec, PATHEXT). Empty
 * elsewhere.
 */
export function windowsSystemEnv(): Record<string, string> {
  if (Deno.build.os !== "windows") return {};
  const env: Record<string, string> = {};
  const names = [
    "SystemRoot",
    "SystemDrive",
    "windir",
    "USERPROFILE",
    "APPDATA",
    "LOCALAPPDATA",
    "TEMP",
    "TMP",
    "ComSpec",
    "PATHEXT",
  ];
  for (const name of names) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * `argv` as one POSIX shell command line: words with only safe characters as they are, others in
 * single quotes. botocore splits a credential_process line with shlex, which reads it the same way.
 */
export function shellLine(argv: string[]): string {
  return argv.map((w) => /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", `'"'"'`)}'`)
    .join(" ");
}

/** The argv that runs our CLI from source; what a credential_process line would contain. */
export function cliCommand(entry = MAIN_TS): string[] {
  return [Deno.execPath(), "run", "-A", "--quiet", entry];
}

export function runCli(
  args: string[],
  opts: CliOptions & { home: string },
): Promise<CliResult> {
  const [exe, ...pre] = [...(opts.wrap ?? []), ...cliCommand(opts.entry)];
  const env: Record<string, string> = { ...baseEnv(opts.home), ...opts.env };
  for (const name of opts.unset ?? []) delete env[name];
  return runCommand(exe, [...pre, ...args], { env, cwd: opts.cwd ?? opts.home, stdin: opts.stdin });
}

export interface CommandOptions {
  /** The whole environment of the command (nothing is inherited). */
  env: Record<string, string>;
  cwd?: string;
  /** Written to the command's stdin, which is then closed; without it stdin is null. */
  stdin?: string;
  /** SIGKILL the command after this long (a hung check fails instead of hanging the caller). */
  timeoutMs?: number;
}

/** Runs a command to completion with piped output: the one-shot runner shared by test helpers. */
export async function runCommand(
  cmd: string,
  args: string[],
  opts: CommandOptions,
): Promise<CliResult> {
  const child = new Deno.Command(cmd, {
    args,
    env: opts.env,
    clearEnv: true,
    cwd: opts.cwd,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = opts.timeoutMs === undefined
    ? undefined
    : setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
  try {
    if (opts.stdin !== undefined) {
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(opts.stdin));
      await w.close();
    }
    const out = await child.output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } finally {
    clearTimeout(timer);
  }
}

/** A temporary HOME with an empty ~/.aws; removed by the returned cleanup. */
export async function tempHome(): Promise<{ home: string; cleanup: () => Promise<void> }> {
  const home = await Deno.makeTempDir({ prefix: "aws-vault-test-" });
  await Deno.mkdir(`${home}/.aws`, { recursive: true });
  return { home, cleanup: () => Deno.remove(home, { recursive: true }) };
}

/** Runs `fn` with a temporary HOME (tempHome), removed afterwards. */
export async function withTempHome<T>(fn: (home: string) => Promise<T>): Promise<T> {
  const { home, cleanup } = await tempHome();
  try {
    return await fn(home);
  } finally {
    await cleanup();
  }
}

/** A temporary HOME whose file-backend store is `<home>/keys`. */
export interface FileStoreHome {
  home: string;
  keys: string;
  config: string;
  /** AWS_VAULT_FILE_DIR and AWS_VAULT_FILE_PASSPHRASE, plus the caller's extra variables. */
  env: Record<string, string>;
}

/** Runs `fn` with a FileStoreHome, removed afterwards. */
export function withFileStoreHome(
  passphrase: string,
  fn: (h: FileStoreHome) => Promise<void>,
  extraEnv: Record<string, string> = {},
): Promise<void> {
  return withTempHome((home) => {
    const keys = `${home}/keys`;
    return fn({
      home,
      keys,
      config: `${home}/.aws/config`,
      env: { AWS_VAULT_FILE_DIR: keys, AWS_VAULT_FILE_PASSPHRASE: passphrase, ...extraEnv },
    });
  });
}

/** The text of `path` once it exists (a child signalling that it got somewhere); throws after `ms`. */
export async function waitForFile(path: string, ms = 20_000): Promise<string> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const text = await Deno.readTextFile(path).catch(() => undefined);
    if (text !== undefined) return text;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${path} never appeared`);
}

/** Path of the shared fixtures written by the real aws-vault v7.2.0. */
export const FIXTURES = `${ROOT}tests/fixtures`;

/**
 * Runs `aws-vault <cliArgs> -- sh -c <script>` where the shell traps SIGTERM (and then exits with
 * `trapExit`), sends SIGTERM to aws-vault once the child runs, and reports what happened: aws-vault
 * must forward the signal and pass the child's exit code through.
 */
export async function execUntilSigterm(
  cliArgs: string[],
  opts: { home: string; env: Record<string, string>; trapExit: number },
): Promise<{ code: number; stderr: string; childTrapped: boolean }> {
  const ready = `${opts.home}/child-ready`;
  const marker = `${opts.home}/child-trapped`;
  const script = `trap 'echo term > "${marker}"; exit ${opts.trapExit}' TERM; echo > "${ready}"; ` +
    // Bounded (30 s), so that a lost signal fails the test instead of hanging it forever.
    "i=0; while [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; exit 99";
  const [exe, ...pre] = cliCommand();
  const child = new Deno.Command(exe, {
    args: [...pre, ...cliArgs, "--", "sh", "-c", script],
    env: { ...baseEnv(opts.home), ...opts.env },
    clearEnv: true,
    cwd: opts.home,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const started = await waitForFile(ready, 15_000).then(() => true, () => false);
  if (!started) child.kill("SIGKILL");
  else child.kill("SIGTERM");
  const out = await child.output();
  if (!started) throw new Error("the child never started");
  const childTrapped = await Deno.readTextFile(marker).then((t) => t === "term\n", () => false);
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr), childTrapped };
}
