/**
 * Replacing a file so that a reader, a crash or a `kill -9` sees the old content or the new, never
 * a torn file: the data goes to a temp file in the same directory, which is synced, given the
 * target's mode (and owner), renamed over the target, and the directory is synced so the rename
 * itself survives a power loss. Used by the file keyring (one file per item) and by `add` for the
 * config file.
 *
 * A process killed between creating its temp file and the rename leaves the temp file behind;
 * removeStaleTempFiles() deletes ours once they are clearly abandoned (issue 10).
 */

/** A temp file older than this belongs to no running write (writes take milliseconds). */
export const STALE_TEMP_MS = 15 * 60_000;

export interface AtomicWriteOptions {
  /** The temp file to create (same directory as the target; must not exist). */
  tempPath: string;
  /** Permission bits for the result (default 0600). */
  mode?: number;
  /** Owner and group for the result, when they differ from the process's. */
  owner?: { uid: number; gid: number };
}

/** Writes `data` to `path` atomically. Errors are the OS's; the temp file never stays behind. */
export async function writeFileAtomically(
  path: string,
  data: Uint8Array,
  opts: AtomicWriteOptions,
): Promise<void> {
  const temp = opts.tempPath;
  const file = await Deno.open(temp, { write: true, createNew: true, mode: 0o600 });
  try {
    try {
      let written = 0;
      while (written < data.length) written += await file.write(data.subarray(written));
      if (Deno.build.os !== "windows") {
        // Owner first: chown may clear mode bits, chmod after it sets them for good.
        if (opts.owner) await Deno.chown(temp, opts.owner.uid, opts.owner.gid);
        if (opts.mode !== undefined) await Deno.chmod(temp, opts.mode & 0o7777);
      }
      await file.syncData();
    } finally {
      file.close();
    }
    await renameOver(temp, path);
  } catch (err) {
    await Deno.remove(temp).catch(() => {});
    throw err;
  }
  syncDirectory(dirname(path));
}

/**
 * Deno.rename. On Windows (MoveFileEx, replacing) it fails with "Access denied" while another
 * writer is replacing the same target or a reader has it open; that passes within moments, so it
 * is retried there for about a second, as npm's graceful-fs does for the same error.
 */
async function renameOver(from: string, to: string): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      return await Deno.rename(from, to);
    } catch (err) {
      const busy = Deno.build.os === "windows" && err instanceof Deno.errors.PermissionDenied;
      if (!busy || attempt >= 25) throw err;
      await new Promise((r) => setTimeout(r, 5 * attempt));
    }
  }
}

/**
 * fsync of a directory, so that a rename or unlink in it is on disk. Best effort: Windows cannot
 * open directories and some file systems refuse the call; the write itself already succeeded.
 */
export function syncDirectory(dir: string): void {
  if (Deno.build.os === "windows") return;
  try {
    const handle = Deno.openSync(dir, { read: true });
    try {
      handle.syncSync();
    } finally {
      handle.close();
    }
  } catch {
    // See above.
  }
}

/**
 * Deletes regular files in `dir` whose names match `pattern` and that were last modified more than
 * STALE_TEMP_MS ago. Returns how many were removed; errors are ignored (another process may be
 * removing the same files).
 */
export function removeStaleTempFiles(dir: string, pattern: RegExp, now = Date.now()): number {
  let removed = 0;
  try {
    for (const entry of Deno.readDirSync(dir)) {
      if (!entry.isFile || !pattern.test(entry.name)) continue;
      const path = `${dir}/${entry.name}`;
      try {
        const mtime = Deno.lstatSync(path).mtime?.getTime() ?? now;
        if (now - mtime < STALE_TEMP_MS) continue;
        Deno.removeSync(path);
        removed++;
      } catch {
        // Gone already, or not ours to remove.
      }
    }
  } catch {
    return removed;
  }
  if (removed > 0) syncDirectory(dir);
  return removed;
}

/** The directory part of a path ("." when there is none). */
export function dirname(path: string): string {
  const i = Math.max(
    path.lastIndexOf("/"),
    Deno.build.os === "windows" ? path.lastIndexOf("\\") : -1,
  );
  if (i === -1) return ".";
  return i === 0 ? path.slice(0, 1) : path.slice(0, i);
}

/** `n` random bytes as lower-case hex, for temp file names. */
export function randomHex(n: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(n)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}
