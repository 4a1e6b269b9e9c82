/**
 * Prompts on the controlling terminal (`/dev/tty`; on Windows the console, `CONIN$` and
 * `CONOUT$`), never on stdin/stdout, so that prompts work when we run as a credential_process
 * whose stdout is captured. Echo is turned off for secrets (stty; on Windows the console input
 * mode) and restored even on Ctrl-C.
 */
import { UserError } from "./errors.ts";
import { importAtRunTime } from "./lazy_import.ts";

const WINDOWS = Deno.build.os === "windows";
const TTY_PATH = WINDOWS ? "CONIN$" : "/dev/tty";

export interface PromptOptions {
  /** false for secrets: the answer is not echoed. */
  echo: boolean;
}

/** Where a prompt reads and writes: one file on POSIX, the console's two buffers on Windows. */
interface Terminal {
  input: Deno.FsFile;
  output: Deno.FsFile;
  close(): void;
}

async function openTerminal(message: string): Promise<Terminal> {
  try {
    if (!WINDOWS) {
      const tty = await Deno.open(TTY_PATH, { read: true, write: true });
      return { input: tty, output: tty, close: () => tty.close() };
    }
    const input = await Deno.open("CONIN$", { read: true });
    const output = await Deno.open("CONOUT$", { write: true }).catch((err) => {
      input.close();
      throw err;
    });
    return { input, output, close: () => (input.close(), output.close()) };
  } catch {
    throw new UserError(
      `no terminal available to ask "${message.trim()}" (${TTY_PATH} cannot be opened)`,
    );
  }
}

/** Whether there is a terminal to prompt on (a console on Windows). */
export async function terminalAvailable(): Promise<boolean> {
  try {
    (await openTerminal("")).close();
    return true;
  } catch {
    return false;
  }
}

/** Writes `message` to the terminal and reads one line (without the newline). */
export async function promptTerminal(message: string, opts: PromptOptions): Promise<string> {
  const tty = await openTerminal(message);
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
    await writeAll(tty.output, new TextEncoder().encode(message));
    const line = await readLine(tty.input);
    if (!opts.echo) await writeAll(tty.output, new TextEncoder().encode("\n"));
    return line;
  } finally {
    if (restore) {
      Deno.removeSignalListener("SIGINT", onInterrupt);
      restore();
    }
    tty.close();
  }
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
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
 * when echo cannot be turned off, rather than showing the secret as it is typed.
 */
async function disableEcho(): Promise<() => void> {
  if (WINDOWS) return await disableConsoleEcho();
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

/**
 * Windows: clears ENABLE_ECHO_INPUT on the console input buffer (`CONIN$`, whatever stdin is), as
 * Go's x/term ReadPassword does; the mode belongs to the buffer, so our read handle sees it.
 */
async function disableConsoleEcho(): Promise<() => void> {
  const k32 = await importAtRunTime<typeof import("../ffi/kernel32.ts")>("ffi/kernel32.ts");
  const api = k32.openKernel32();
  const handle = k32.openConsoleInput(api);
  const fail = (call: string): never => {
    const code = api.GetLastError();
    if (handle !== null) api.CloseHandle(handle);
    throw new UserError(
      `cannot turn off console echo (${call} failed, error ${code}) to ask for a secret`,
    );
  };
  if (handle === null) fail("opening CONIN$");
  const mode = new Uint32Array(1);
  if (!api.GetConsoleMode(handle, mode)) fail("GetConsoleMode");
  const original = mode[0];
  if (!api.SetConsoleMode(handle, (original & ~k32.ENABLE_ECHO_INPUT) >>> 0)) {
    fail("SetConsoleMode");
  }
  return () => {
    api.SetConsoleMode(handle, original);
    api.CloseHandle(handle);
  };
}
