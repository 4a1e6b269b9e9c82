/**
 * A throwaway pass store for tests: its own GNUPGHOME with a passphrase-less `future-default` key,
 * `pass init` into a temporary store, and a wrapper script around pass that sets GNUPGHOME (so the
 * test process's environment is never changed) and appends each invocation's argv to a log file.
 * `cleanup()` stops the gpg-agent of that GNUPGHOME and removes everything.
 */
import { runCommand } from "./run_cli.ts";

export interface PassStore {
  /** Temporary root holding everything below. */
  root: string;
  gnupgHome: string;
  /** The password store directory (PASSWORD_STORE_DIR). */
  storeDir: string;
  /** Executable wrapper to use as pass-cmd. */
  passCmd: string;
  /** One line per wrapper invocation: its argv, space separated. */
  argvLog: string;
  /** Runs the real pass (through the wrapper) on this store. */
  pass(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  cleanup(): Promise<void>;
}

/** Runs with the test process's environment plus `env` (gpg needs its usual variables). */
function run(cmd: string, args: string[], env: Record<string, string>, stdin?: string) {
  return runCommand(cmd, args, { env: { ...Deno.env.toObject(), ...env }, stdin });
}

/** Creates the key, the store and the wrapper. Needs gpg, gpgconf and pass on PATH. */
export async function createPassStore(): Promise<PassStore> {
  const root = await Deno.makeTempDir({ prefix: "aws-vault-pass-" });
  const gnupgHome = `${root}/gnupg`;
  const storeDir = `${root}/store`;
  const passCmd = `${root}/pass-wrapper`;
  const argvLog = `${root}/argv.log`;
  await Deno.mkdir(gnupgHome, { mode: 0o700 });
  const env = { GNUPGHOME: gnupgHome, PASSWORD_STORE_DIR: storeDir };
  const cleanup = async () => {
    await run("gpgconf", ["--kill", "gpg-agent"], env);
    await Deno.remove(root, { recursive: true });
  };
  try {
    const gen = await run("gpg", [
      "--batch",
      "--passphrase",
      "",
      "--quick-gen-key",
      "aws-vault test <test@example.invalid>",
      "future-default",
      "default",
      "never",
    ], env);
    if (gen.code !== 0) throw new Error(`gpg --quick-gen-key failed: ${gen.stderr}`);
    const list = await run("gpg", ["--list-secret-keys", "--with-colons"], env);
    const fpr = list.stdout.split("\n").find((l) => l.startsWith("fpr:"))?.split(":")[9];
    if (!fpr) throw new Error(`no fingerprint in: ${list.stdout}`);
    const init = await run("pass", ["init", fpr], env);
    if (init.code !== 0) throw new Error(`pass init failed: ${init.stderr}`);
    // Each argument on the log line is wrapped in <> so that empty ones stay visible.
    await Deno.writeTextFile(
      passCmd,
      `#!/bin/sh\n` +
        `for a in "$@"; do printf '<%s> ' "$a"; done >> '${argvLog}'\n` +
        `echo >> '${argvLog}'\n` +
        `GNUPGHOME='${gnupgHome}'; export GNUPGHOME\n` +
        `exec pass "$@"\n`,
      { mode: 0o755 },
    );
  } catch (err) {
    await cleanup();
    throw err;
  }
  return {
    root,
    gnupgHome,
    storeDir,
    passCmd,
    argvLog,
    pass: (args, stdin) => run(passCmd, args, { PASSWORD_STORE_DIR: storeDir }, stdin),
    cleanup,
  };
}
