/**
 * Runs a child process the way `aws-vault exec` does in its subprocess mode (cli/exec.go
 * runSubProcess): inherited stdio, exactly the given environment, signals forwarded, and the
 * child's exit status returned.
 *
 * Deno cannot execve(2), so this is used for every exec mode. Unlike aws-vault v7.2.0, which turns
 * any non-zero child status into `Failed to wait for command termination: exit status <n>` and
 * exit 1, the child's exit code is passed through (as the maintained fork does).
 */
import { UserError } from "./errors.ts";
import { debug } from "./log.ts";
import { withoutSecretVariables } from "./secret_env.ts";
import { WINDOWS_CONSOLE_SIGNALS, windowsEnvLookup } from "./child_windows.ts";
import { findWindowsExecutable } from "./which.ts";
import { importAtRunTime } from "./lazy_import.ts";

export interface ChildOptions {
  /** The command as typed; looked up on the PATH of `env` when it has no slash. */
  command: string;
  args: string[];
  /** The complete child environment (nothing is inherited). Secrets belong here, never in args. */
  env: Record<string, string>;
}

/**
 * Signals a terminal user or a supervisor sends to aws-vault that the child should see instead.
 * (SIGKILL/SIGSTOP cannot be caught; SIGCHLD/SIGWINCH etc. are the child's own business.)
 */
export const FORWARDED_SIGNALS: Deno.Signal[] = [
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "SIGQUIT",
  "SIGUSR1",
  "SIGUSR2",
];

const SIGNAL_NUMBERS: Partial<Record<Deno.Signal, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
};

/**
 * Spawns `command args...` with inherited stdio and exactly `env`, forwards SIGINT, SIGTERM,
 * SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to it while it runs, and resolves to its exit code
 * (128 + signal number if a signal killed it). A command that cannot be started is a UserError
 * worded like Go's os/exec errors, which aws-vault prints.
 */
export async function runChild(opts: ChildOptions): Promise<number> {
  opts = { ...opts, env: withoutSecretVariables(opts.env) };
  if (Deno.build.os !== "windows") {
    // Its own process group, so that each signal reaches it once (lib/child_unix.ts).
    const { runInOwnProcessGroup } = await importAtRunTime<typeof import("./child_unix.ts")>(
      "lib/child_unix.ts",
    );
    const code = await runInOwnProcessGroup({ ...opts, forwarded: FORWARDED_SIGNALS });
    if (code !== undefined) return code;
  }
  // Listen before spawning: the child may act at once (a supervisor may signal us as soon as it
  // sees the child), and a signal that arrived before our listener would kill us with the
  // default action and orphan the child. Signals that come before the child exists are held.
  let child: Deno.ChildProcess | undefined;
  const early: Deno.Signal[] = [];
  const listeners: Array<[Deno.Signal, () => void]> = [];
  const windows = Deno.build.os === "windows";
  for (const signal of windows ? WINDOWS_CONSOLE_SIGNALS : FORWARDED_SIGNALS) {
    const forward = () => {
      // Windows: the child got the console event itself; we only must not die of it.
      if (windows) return;
      if (child === undefined) early.push(signal);
      else deliver(child, signal);
    };
    try {
      Deno.addSignalListener(signal, forward);
      listeners.push([signal, forward]);
    } catch {
      // A signal this platform cannot listen for (e.g. on Windows): nothing to forward.
    }
  }
  try {
    const program = windows
      ? findWindowsExecutable(opts.command, windowsEnvLookup(opts.env))
      : opts.command;
    if (program === undefined) {
      throw new UserError(spawnErrorMessage(opts.command, new Deno.errors.NotFound()));
    }
    try {
      child = new Deno.Command(program, {
        args: opts.args,
        env: opts.env,
        clearEnv: true,
        stdin: "inherit",
        stdout: "inherit",
        stderr: "inherit",
      }).spawn();
    } catch (err) {
      throw new UserError(spawnErrorMessage(opts.command, err));
    }
    debug(`Started child process ${opts.command} (pid ${child.pid})`);
    for (const signal of early) deliver(child, signal);
    return exitCodeOf(await child.status);
  } finally {
    for (const [signal, forward] of listeners) Deno.removeSignalListener(signal, forward);
  }
}

function deliver(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch {
    // The child already exited; its status is about to be collected.
  }
}

/** The shell convention: the exit code, or 128 + signal number when a signal ended the child. */
export function exitCodeOf(status: Deno.CommandStatus): number {
  if (status.signal) {
    const n = SIGNAL_NUMBERS[status.signal];
    if (n !== undefined) return 128 + n;
  }
  return status.code;
}

/**
 * Go os/exec wording: `exec: "foo": executable file not found in $PATH` (`%PATH%` on Windows,
 * where a missing path is `exec: "C:\\x": file does not exist`, lp_windows.go).
 */
export function spawnErrorMessage(
  command: string,
  err: unknown,
  os: typeof Deno.build.os = Deno.build.os,
): string {
  const hasSlash = command.includes("/") || (os === "windows" && /[\\:]/.test(command));
  if (err instanceof Deno.errors.NotFound && os === "windows") {
    return hasSlash
      ? `exec: ${JSON.stringify(command)}: file does not exist`
      : `exec: ${JSON.stringify(command)}: executable file not found in %PATH%`;
  }
  if (err instanceof Deno.errors.NotFound) {
    return hasSlash
      ? `fork/exec ${command}: no such file or directory`
      : `exec: "${command}": executable file not found in $PATH`;
  }
  if (err instanceof Deno.errors.PermissionDenied) {
    return hasSlash
      ? `fork/exec ${command}: permission denied`
      : `exec: "${command}": permission denied`;
  }
  const reason = err instanceof Error ? err.message : String(err);
  return `fork/exec ${command}: ${reason}`;
}
