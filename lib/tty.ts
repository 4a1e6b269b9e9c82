/**
 * Prompts on the controlling terminal (`/dev/tty`), never on stdin/stdout, so that prompts work
 * when we run as a credential_process whose stdout is captured. Echo is turned off with stty for
 * secrets and restored even on Ctrl-C.
 */
import { UserError } from "./errors.ts";

const TTY_PATH = Deno.build.os === "windows" ? "CONIN$" : "/dev/tty";

export interface PromptOptions {
  /** false for secrets: the answer is not echoed. */
  echo: boolean;
}

/** Writes `message` to the terminal and reads one line (without the newline). */
export async function promptTerminal(message: string, opts: PromptOptions): Promise<string> {
  let tty: Deno.FsFile;
  try {
    tty = await Deno.open(TTY_PATH, { read: true, write: true });
  } catch {
    throw new UserError(
      `no terminal available to ask "${message.trim()}" (${TTY_PATH} cannot be opened)`,
    );
  }
  let restore: (() => void) | undefined;
  try {
    restore = opts.echo ? undefined : await disableEcho();
  } catch (err) {
    tty.close();
    throw err;
  }
  const onInterrupt = () => {
    restore?.();
    Deno.exit(130);
  };
  if (restore) Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    await tty.write(new TextEncoder().encode(message));
    const line = await readLine(tty);
    if (!opts.echo) await tty.write(new TextEncoder().encode("\n"));
    return line;
  } finally {
    if (restore) {
      Deno.removeSignalListener("SIGINT", onInterrupt);
      restore();
    }
    tty.close();
  }
}

async function readLine(file: Deno.FsFile): Promise<string> {
  const chunks: number[] = [];
  const buf = new Uint8Array(256);
  while (true) {
    const n = await file.read(buf);
    if (n === null || n === 0) break;
    const nl = buf.subarray(0, n).indexOf(10);
    if (nl >= 0) {
      chunks.push(...buf.subarray(0, nl));
      break;
    }
    chunks.push(...buf.subarray(0, n));
  }
  return new TextDecoder().decode(new Uint8Array(chunks)).replace(/\r$/, "");
}

/**
 * Turns terminal echo off; returns a synchronous function that turns it back on. Refuses to go on
 * when echo cannot be turned off, rather than showing the secret as it is typed. (Windows: the
 * console's line input does not go through stty; echo is left as the console has it.)
 */
async function disableEcho(): Promise<(() => void) | undefined> {
  if (Deno.build.os === "windows") return undefined;
  const stty = (arg: string) =>
    new Deno.Command("/bin/sh", { args: ["-c", `stty ${arg} < /dev/tty`], stderr: "null" });
  const { success } = await stty("-echo").output();
  if (!success) {
    throw new UserError("cannot turn off terminal echo (stty -echo failed) to ask for a secret");
  }
  return () => {
    stty("echo").outputSync();
  };
}
