/**
 * Runs a command line from the config (`credential_process`, `mfa_process`,
 * `web_identity_token_process`) the way aws-vault does: through `/bin/sh -c` (`cmd.exe /C` on
 * Windows), with stderr inherited so the helper can talk to the user, and stdout captured.
 * The command line is passed as one argument and never logged with its output.
 *
 * Unlike aws-vault, a helper is bounded (issue 10: `mfa_process = yes` grew memory by 1.3 GB/s, and
 * a helper that never exits hung us forever): its output may not exceed SHELL_OUTPUT_MAX_BYTES and
 * it must finish within SHELL_TIMEOUT_MS; otherwise it is killed and the command fails with a
 * message saying which limit was hit. Both limits are far beyond what a real helper needs, and the
 * time limit leaves room for a helper that waits for a person (a browser login, a YubiKey touch).
 */

import { formatDuration } from "./duration.ts";
import { formatBytes } from "./regular_file.ts";

/** Largest stdout accepted from a helper (credentials JSON, an MFA code or a token are a few KB). */
export const SHELL_OUTPUT_MAX_BYTES = 1024 * 1024;
/** Longest a helper may run. */
export const SHELL_TIMEOUT_MS = 10 * 60_000;

export interface ShellOptions {
  /** credential_process inherits stdin (it may prompt); the others get none. */
  stdin: "inherit" | "null";
  /** Overrides SHELL_TIMEOUT_MS (tests). */
  timeoutMs?: number;
  /** Overrides SHELL_OUTPUT_MAX_BYTES (tests). */
  maxOutputBytes?: number;
}

/** Thrown when the command cannot start, exits non-zero, or exceeds a limit. */
export class ShellCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ShellCommandError";
  }
}

/** Runs `commandLine` and returns its stdout (raw bytes decoded as UTF-8, untrimmed). */
export async function runShellCommand(commandLine: string, opts: ShellOptions): Promise<string> {
  const [shell, flag] = Deno.build.os === "windows"
    ? [`${Deno.env.get("SystemRoot") ?? "C:\\Windows"}\\System32\\cmd.exe`, "/C"]
    : ["/bin/sh", "-c"];
  const timeoutMs = opts.timeoutMs ?? SHELL_TIMEOUT_MS;
  const maxBytes = opts.maxOutputBytes ?? SHELL_OUTPUT_MAX_BYTES;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(shell, {
      args: [flag, commandLine],
      stdin: opts.stdin,
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
  } catch (err) {
    throw new ShellCommandError((err as Error).message);
  }

  const reader = child.stdout.getReader();
  let limitHit: string | undefined;
  const stop = (reason: string) => {
    if (limitHit !== undefined) return;
    limitHit = reason;
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    // A grandchild may still hold the pipe open: stop reading now rather than wait for it.
    reader.cancel().catch(() => {});
  };
  const timer = setTimeout(
    () => stop(`did not finish within ${formatDuration(timeoutMs)} and was stopped`),
    timeoutMs,
  );
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        stop(`wrote more than ${formatBytes(maxBytes)} to stdout and was stopped`);
        break;
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
  }
  const status = await child.status;
  if (limitHit !== undefined) throw new ShellCommandError(limitHit);
  if (!status.success) {
    throw new ShellCommandError(
      status.signal ? `signal: ${status.signal.toLowerCase()}` : `exit status ${status.code}`,
    );
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(out);
}
