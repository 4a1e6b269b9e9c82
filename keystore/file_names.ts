/**
 * File names of the "file" keyring: the key with only `%` and `/` percent-encoded (uppercase hex),
 * exactly as 99designs/keyring names them, so that aws-vault and we find each other's items.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const PERCENT = 0x25;

/** `team/dev` -> `team%2Fdev`, `odd%name` -> `odd%25name`; everything else stays literal. */
export function encodeFileName(key: string): string {
  // `%` first, so that the `%` of an escape we produce is not escaped again.
  return key.replaceAll("%", "%25").replaceAll("/", "%2F");
}

/**
 * The key of a file name: every `%XY` with two hex digits becomes the byte 0xXY (either case);
 * any other `%` stays literal, as keyring's decoder leaves it.
 */
export function decodeFileName(name: string): string {
  if (!name.includes("%")) return name;
  const bytes = encoder.encode(name);
  const out = new Uint8Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const hi = hexValue(bytes[i + 1]);
    const lo = hexValue(bytes[i + 2]);
    if (bytes[i] === PERCENT && hi >= 0 && lo >= 0) {
      out[n++] = hi * 16 + lo;
      i += 2;
    } else {
      out[n++] = bytes[i];
    }
  }
  return decoder.decode(out.subarray(0, n));
}

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x41 + 10;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  return -1;
}

/**
 * Go's string order, which aws-vault's listings follow (os.ReadDir, filepath.Walk and sort.Strings
 * order names by their UTF-8 bytes). Here, on the file backend's `export` path, so that sorting
 * loads no module of its own; pass and migrate-backend use it too.
 */
export function compareUtf8(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  for (let i = 0; i < x.length && i < y.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/**
 * Sorts `names` in place in Go's order. JavaScript's default sort compares UTF-16 code units,
 * which agrees for names without code units from U+D800 up; those usual names sort without
 * encoding each one on every comparison (listings run on every `export`, with thousands of
 * cached sessions).
 */
export function sortUtf8(names: string[]): string[] {
  return names.every((n) => !/[\ud800-\uffff]/.test(n)) ? names.sort() : names.sort(compareUtf8);
}
