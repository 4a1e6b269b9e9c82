/**
 * Reading files that a user (or an attacker with write access to a path we are told about) could
 * have replaced with something that is not a file: a FIFO blocks a reader forever, `/dev/zero` or
 * `/dev/urandom` never end, and a huge file is read into memory whole. Every file we read whole
 * (the config, file-keyring items, web identity token files) goes through here: it must be a
 * regular file, and no larger than a limit chosen by the caller. Issue 10 found each of these.
 *
 * The type is checked with stat before opening, because opening a FIFO for reading blocks until a
 * writer appears; it is checked again on the open handle, and the read stops one byte past the
 * limit whatever the size said, so a file that grows or is swapped meanwhile cannot get around it.
 */

/** A path that is not a regular file or is too large; the message names the path and the reason. */
export class UnreadableFileError extends Error {
  constructor(message: string, readonly reason: "type" | "size") {
    super(message);
    this.name = "UnreadableFileError";
  }
}

export interface ReadLimits {
  /** Largest accepted size in bytes. */
  maxBytes: number;
  /** Accept the null device (`AWS_CONFIG_FILE=/dev/null` is a common way to say "no config"). */
  allowNullDevice?: boolean;
}

/** What kind of file `info` describes, in words for an error message. */
export function fileKind(info: Deno.FileInfo): string {
  if (info.isFile) return "a regular file";
  if (info.isDirectory) return "a directory";
  if (info.isFifo) return "a FIFO";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  if (info.isSocket) return "a socket";
  if (info.isSymlink) return "a symbolic link";
  return "not a regular file";
}

/** True for the null device (`/dev/null`, or a node with its device number). */
function isNullDevice(info: Deno.FileInfo): boolean {
  if (!info.isCharDevice || info.rdev === null) return false;
  try {
    return Deno.statSync("/dev/null").rdev === info.rdev;
  } catch {
    return false;
  }
}

/** Sizes in messages: `1 MiB`, `64 KiB`, or bytes. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

function checkType(path: string, info: Deno.FileInfo, limits: ReadLimits): "null" | "file" {
  if (info.isFile) return "file";
  if (limits.allowNullDevice && isNullDevice(info)) return "null";
  throw new UnreadableFileError(`${path} is ${fileKind(info)}, not a regular file`, "type");
}

function tooLarge(path: string, limits: ReadLimits): UnreadableFileError {
  return new UnreadableFileError(
    `${path} is larger than ${formatBytes(limits.maxBytes)}, the most this tool reads`,
    "size",
  );
}

/**
 * Reads a regular file whole (sync: the config and items are read on the start-up path, where the
 * first async file operation costs about 0.8 ms). Throws Deno's errors for a missing or unreadable
 * path and UnreadableFileError for the wrong type or size. The null device reads as empty when
 * allowed.
 */
export function readRegularFileSync(path: string, limits: ReadLimits): Uint8Array {
  if (checkType(path, Deno.statSync(path), limits) === "null") return new Uint8Array();
  const file = Deno.openSync(path, { read: true });
  try {
    const info = file.statSync();
    if (checkType(path, info, limits) === "null") return new Uint8Array();
    if (info.size > limits.maxBytes) throw tooLarge(path, limits);
    // One byte of room past the limit tells a file that grew meanwhile from one that fits.
    let buffer = new Uint8Array(Math.min(info.size, limits.maxBytes) + 1);
    let length = 0;
    while (true) {
      if (length === buffer.length) {
        if (length > limits.maxBytes) throw tooLarge(path, limits);
        const bigger = new Uint8Array(Math.min(buffer.length * 2, limits.maxBytes + 1));
        bigger.set(buffer);
        buffer = bigger;
      }
      const n = file.readSync(buffer.subarray(length));
      if (n === null) break;
      length += n;
    }
    return buffer.subarray(0, length);
  } finally {
    file.close();
  }
}
