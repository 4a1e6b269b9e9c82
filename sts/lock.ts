/**
 * A lock shared by every aws-vault (Deno) process of the user, so that two processes that need
 * the same session make one STS call and ask for one MFA code: the first takes the lock, calls
 * STS and stores the session; the second waits, then finds the session in the cache.
 *
 * It is an OS file lock (flock on Unix, LockFileEx on Windows) on a file under
 * `~/.awsvault/locks/`, named from a hash of what is being locked. The kernel releases such a lock
 * when its process dies, so a lock can never be left stale by a crashed or killed process; the only
 * "too old" case is a holder that is alive but stuck (e.g. an MFA prompt nobody answers): the holder
 * writes its pid into the lock file, a waiter names it on stderr after a second, and the wait ends
 * with an error after the timeout. Within one process a promise chain serialises callers, because two
 * handles of one process may not exclude each other on every OS.
 *
 * Locking is best effort: if the lock directory cannot be created, work goes on unlocked.
 */
import { debug } from "../lib/log.ts";
import { UserError } from "../lib/errors.ts";
import { formatDuration } from "../lib/duration.ts";

/**
 * How long to wait for another process before giving up with an error. Long enough for a holder
 * that asks for an MFA code or waits for an SSO browser login; the waiter says after
 * NOTICE_AFTER_MS whom it waits for.
 */
export const DEFAULT_LOCK_TIMEOUT_MS = 5 * 60_000;
/** When a waiter tells the user on stderr that it waits, for whom, and how to stop. */
const NOTICE_AFTER_MS = 1_000;

const inProcess = new Map<string, Promise<void>>();

export interface LockOptions {
  /** Directory for lock files; default `<home>/.awsvault/locks`. */
  dir?: string;
  timeoutMs?: number;
  /** When to print the waiting notice; NOTICE_AFTER_MS by default. */
  noticeAfterMs?: number;
  /** What the holder is doing, for the notice; "is fetching the same credentials" by default. */
  holderDoes?: string;
  env?: (name: string) => string | undefined;
}

/** The default lock directory, or undefined when there is no home directory. */
export function defaultLockDir(
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): string | undefined {
  const home = env("HOME") || env("USERPROFILE");
  return home ? `${home}/.awsvault/locks` : undefined;
}

/** File name of the lock for `name`: a SHA-256 prefix, so any name makes a safe file name. */
export async function lockFileName(name: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(name));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 40)}.lock`;
}

/** Runs `fn` while holding the lock called `name` (in this process and across processes). */
export async function withLock<T>(
  name: string,
  fn: () => Promise<T>,
  opts: LockOptions = {},
): Promise<T> {
  // In-process: queue behind whoever holds this name here.
  const previous = inProcess.get(name) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => mine);
  inProcess.set(name, tail);
  await previous;
  try {
    const file = await acquireFileLock(name, opts);
    try {
      return await fn();
    } finally {
      if (file) await releaseFileLock(file);
    }
  } finally {
    release();
    if (inProcess.get(name) === tail) inProcess.delete(name);
  }
}

async function acquireFileLock(name: string, opts: LockOptions): Promise<Deno.FsFile | undefined> {
  const dir = opts.dir ?? defaultLockDir(opts.env);
  if (!dir) return undefined;
  const path = `${dir}/${await lockFileName(name)}`;
  let file: Deno.FsFile;
  try {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o600 });
  } catch (err) {
    debug(`Cannot use the lock directory ${dir} (${(err as Error).message}); continuing unlocked`);
    return undefined;
  }
  const timeoutMs = opts.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const locking = file.lock(true).then(() => true, () => false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  // A holder may be waiting for an MFA code nobody types: say early who we wait for, and how to
  // stop waiting, instead of sitting silent until the timeout.
  const noticeTimer = setTimeout(() => {
    const holder = holderPid(path);
    notice(
      `Waiting for another aws-vault process${holder ? ` (pid ${holder})` : ""} that ` +
        `${opts.holderDoes ?? "is fetching the same credentials"} (lock ${path}); ` +
        "press Ctrl-C to stop waiting" +
        (holder ? `, or end that process (kill ${holder})` : ""),
    );
  }, opts.noticeAfterMs ?? NOTICE_AFTER_MS);
  const outcome = await Promise.race([locking, timedOut]);
  clearTimeout(timer);
  clearTimeout(noticeTimer);
  if (outcome === true) {
    await recordHolder(file, Deno.pid);
    return file;
  }
  if (outcome === "timeout") {
    // The blocked lock call cannot be cancelled; release it as soon as it completes so that it
    // never holds the lock on behalf of nobody.
    locking.then((ok) => releaseFileLock(file, ok));
    const holder = holderPid(path);
    throw new UserError(
      `gave up after ${formatDuration(timeoutMs)} waiting for another aws-vault process` +
        `${holder ? ` (pid ${holder})` : ""} that holds the lock ${path}; end it and try again`,
    );
  }
  file.close();
  debug("Locking is not supported here; continuing unlocked");
  return undefined;
}

/** Writes the holder's pid into the lock file, so that a waiter can name it. */
async function recordHolder(file: Deno.FsFile, pid: number | undefined): Promise<void> {
  try {
    await file.truncate(0);
    if (pid !== undefined) {
      await file.seek(0, Deno.SeekMode.Start);
      await file.write(new TextEncoder().encode(`${pid}\n`));
    }
  } catch {
    // The pid is only for the waiter's message.
  }
}

/** The pid the current holder recorded, if any. */
function holderPid(path: string): number | undefined {
  try {
    const text = Deno.readTextFileSync(path).trim();
    return /^[1-9]\d{0,9}$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

function notice(message: string): void {
  try {
    Deno.stderr.writeSync(new TextEncoder().encode(message + "\n"));
  } catch {
    // stderr closed: nobody to tell.
  }
}

async function releaseFileLock(file: Deno.FsFile, locked = true): Promise<void> {
  try {
    if (locked) {
      await recordHolder(file, undefined);
      await file.unlock();
    }
  } catch {
    // Closing the file releases the lock anyway.
  }
  try {
    file.close();
  } catch {
    // Already closed.
  }
}
