/** The one `const char *` builder shared by the FFI bindings. */

const encoder = new TextEncoder();

/** A NUL-terminated UTF-8 copy of `s` in a buffer of its own, for a `buffer` parameter. */
export function cString(s: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(s + "\0");
}
