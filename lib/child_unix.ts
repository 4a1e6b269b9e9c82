/**
 * The Unix way of running the `exec` child (see lib/child.ts): in a process group of its own, which
 * holds the terminal while it runs. aws-vault execs the command, so the command *is* the process a
 * terminal or a supervisor signals. We cannot execve(2), and a child left in our process group gets
 * every group-wide signal twice: once from the sender (a terminal's Ctrl-C goes to the whole
 * foreground group, `kill -INT -<pgid>` to the whole group) and once from us forwarding it (issue
 * 10). Nothing tells us which way a signal came. With the child in its own group the question
 * disappears:
 *
 * - Ctrl-C, Ctrl-\ and window changes go to the terminal's foreground group, which is the child's:
 *   it gets them once, and we get nothing to forward.
 * - A signal for our pid or our process group reaches only us, and we forward it once.
 *
 * Job control is kept as a shell would keep it (POSIX "Job Control", bash's jobs.c): when the child
 * stops (Ctrl-Z, or reading the terminal in the background) we take the terminal back and stop
 * ourselves, so that the shell that started us sees its job stopped; when we are continued (`fg`
 * or `bg`), we give the terminal back if we have it and continue the child. An interactive
 * subshell does its own job control inside its group, as it would if we had exec'd it.
 *
 * posix_spawn also reports exec failures as execve does, so a file that is not executable is
 * refused (EACCES, ENOEXEC) instead of being run through /bin/sh as execvp(3) would.
 */
import {
  cStringArray,
  decodeWaitStatus,
  type Libc,
  loadLibc,
  POSIX_SPAWN_SETPGROUP,
  POSIX_SPAWN_SETSIGDEF,
  POSIX_SPAWN_SETSIGMASK,
  sigIgn,
  SIGPIPE,
  SIGSET_BYTES,
  SIGTTOU,
  SPAWNATTR_BYTES,
  WUNTRACED,
} from "../ffi/libc_process.ts";
import { cString } from "../ffi/c_string.ts";
import { UserError } from "./errors.ts";
import { debug } from "./log.ts";
import { findExecutable } from "./which.ts";

export interface OwnGroupChild {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Signals to forward from us to the child. */
  forwarded: Deno.Signal[];
}

/** Go's strerror wording for the errors execve reports (syscall/zerrors_linux_amd64.go). */
const EXEC_ERRORS: Record<number, string> = {
  1: "operation not permitted",
  2: "no such file or directory",
  7: "argument list too long",
  8: "exec format error",
  12: "cannot allocate memory",
  13: "permission denied",
  20: "not a directory",
  40: "too many levels of symbolic links",
};

/**
 * Runs the child in its own process group and resolves to its exit code (128 + N when signal N
 * ended it); undefined when the C library cannot be used here (the caller falls back to
 * Deno.Command).
 */
export async function runInOwnProcessGroup(opts: OwnGroupChild): Promise<number | undefined> {
  const libc = loadLibc();
  if (!libc) return undefined;
  const path = resolveCommand(opts.command, opts.env);

  let pid = 0;
  const early: Deno.Signal[] = [];
  const forward = (signal: Deno.Signal) => () => {
    if (pid === 0) early.push(signal);
    else sendSignal(pid, signal);
  };
  const terminal = controllingTerminal(libc);
  // Continued by the shell (`fg`, `bg`) after we stopped along with the child, or after the
  // child stopped reading the terminal while we were in the background: hand the terminal over
  // if it is ours now, and wake the child.
  const onContinue = () => {
    if (pid === 0) return;
    if (terminal !== undefined && libc.tcgetpgrp(terminal) === libc.getpgrp()) {
      libc.tcsetpgrp(terminal, pid);
    }
    sendSignal(-pid, "SIGCONT");
  };
  // SIGTSTP too: `kill -TSTP <our pid>` suspends the child, and we follow it when it stops.
  const listeners: Array<[Deno.Signal, () => void]> = [...opts.forwarded, "SIGTSTP" as const]
    .map((s) => [s, forward(s)]);
  if (terminal !== undefined) listeners.push(["SIGCONT", onContinue]);
  const added = listeners.filter(([signal, listener]) => {
    try {
      Deno.addSignalListener(signal, listener);
      return true;
    } catch {
      return false; // A signal this platform does not let us listen for.
    }
  });
  try {
    pid = spawnInNewGroup(libc, path, opts);
    debug(`Started child process ${opts.command} (pid ${pid}, own process group)`);
    const handedOver = terminal !== undefined && libc.tcgetpgrp(terminal) === libc.getpgrp();
    if (handedOver) {
      libc.tcsetpgrp(terminal!, pid);
      // The child may have read the terminal before it was its own and stopped on SIGTTIN.
      sendSignal(-pid, "SIGCONT");
    }
    for (const signal of early) sendSignal(pid, signal);
    const code = await waitForExit(libc, pid, terminal);
    // Still with the child's group (as handed over, or as it left it): ours again. Not when the
    // shell holds it because we run in the background.
    if (terminal !== undefined && libc.tcgetpgrp(terminal) === pid) {
      reclaimTerminal(libc, terminal);
    }
    return code;
  } finally {
    for (const [signal, listener] of added) Deno.removeSignalListener(signal, listener);
  }
}

/** Go's exec.LookPath on the child's PATH; a command with a slash is used as given. */
function resolveCommand(command: string, env: Record<string, string>): string {
  if (command.includes("/")) return command;
  const found = command === "" ? undefined : findExecutable(command, (n) => env[n]);
  if (found === undefined) {
    throw new UserError(`exec: "${command}": executable file not found in $PATH`);
  }
  return found;
}

/** The first of stdin, stdout, stderr that is our controlling terminal. */
function controllingTerminal(libc: Libc): number | undefined {
  for (const fd of [0, 1, 2]) if (libc.tcgetpgrp(fd) > 0) return fd;
  return undefined;
}

function spawnInNewGroup(libc: Libc, path: string, opts: OwnGroupChild): number {
  const argv = cStringArray([opts.command, ...opts.args]);
  const envp = cStringArray(Object.entries(opts.env).map(([k, v]) => `${k}=${v}`));
  for (const s of [...argv.keep, ...envp.keep]) {
    if (s.indexOf(0) !== s.length - 1) {
      throw new UserError(`fork/exec ${opts.command}: invalid argument`);
    }
  }
  const attr = new Uint8Array(SPAWNATTR_BYTES);
  const defaults = new Uint8Array(SIGSET_BYTES);
  const mask = new Uint8Array(SIGSET_BYTES);
  const pidOut = new Int32Array(1);
  libc.posix_spawnattr_init(attr);
  try {
    // A new group (pgid = the child's pid); SIGPIPE back to its default (the Rust runtime under
    // Deno ignores it, and ignored signals survive exec), and no blocked signals, as
    // Deno.Command gives its children.
    libc.sigemptyset(defaults);
    libc.sigaddset(defaults, SIGPIPE);
    libc.sigemptyset(mask);
    libc.posix_spawnattr_setflags(
      attr,
      POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK,
    );
    libc.posix_spawnattr_setpgroup(attr, 0);
    libc.posix_spawnattr_setsigdefault(attr, defaults);
    libc.posix_spawnattr_setsigmask(attr, mask);
    const err = libc.posix_spawn(pidOut, cString(path), null, attr, argv.array, envp.array);
    if (err !== 0) {
      throw new UserError(`fork/exec ${opts.command}: ${EXEC_ERRORS[err] ?? `errno ${err}`}`);
    }
  } finally {
    libc.posix_spawnattr_destroy(attr);
  }
  return pidOut[0];
}

/** Waits for the child to end, following it through stops; resolves to its exit code. */
async function waitForExit(libc: Libc, pid: number, terminal: number | undefined) {
  const status = new Int32Array(1);
  for (let failures = 0;;) {
    const r = await libc.waitpid(pid, status, WUNTRACED);
    if (r !== pid) {
      // EINTR; anything else (ECHILD) cannot happen for our own unreaped child, but must not spin.
      if (++failures > 100) throw new Error(`waitpid(${pid}) failed`);
      await new Promise((resolve) => setTimeout(resolve, 10));
      continue;
    }
    const state = decodeWaitStatus(status[0]);
    if ("exited" in state) return state.exited;
    if ("signaled" in state) return 128 + state.signaled;
    if (terminal !== undefined) suspendWithChild(libc, pid, terminal);
  }
}

/**
 * The child stopped (Ctrl-Z, SIGTTIN...): as its job, stop too, so that our shell gets its
 * terminal back and lists the job as stopped. The SIGCONT listener resumes the child.
 */
function suspendWithChild(libc: Libc, pid: number, terminal: number): void {
  if (libc.tcgetpgrp(terminal) === pid) reclaimTerminal(libc, terminal);
  debug(`Child process ${pid} stopped; stopping too`);
  sendSignal(Deno.pid, "SIGSTOP");
}

/**
 * Makes our group the terminal's foreground group again. We may be in the background by then, and
 * tcsetpgrp from the background raises SIGTTOU unless it is ignored (tcsetpgrp(3)).
 */
function reclaimTerminal(libc: Libc, terminal: number): void {
  const ours = libc.getpgrp();
  if (libc.tcgetpgrp(terminal) === ours) return;
  const previous = libc.signal(SIGTTOU, sigIgn());
  try {
    libc.tcsetpgrp(terminal, ours);
  } finally {
    libc.signal(SIGTTOU, previous);
  }
}

/** kill(2) of a pid (or, negative, a process group) that may already be gone. */
function sendSignal(target: number, signal: Deno.Signal): void {
  try {
    Deno.kill(target, signal);
  } catch {
    // Already exited; its status is about to be collected.
  }
}
