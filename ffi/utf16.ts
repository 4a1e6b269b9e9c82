/** NUL-terminated UTF-16LE strings, what every Win32 `W` function takes and returns. */

/**
 * A JavaScript string as a NUL-terminated UTF-16LE buffer (an LPCWSTR), or, with `capacity`, a
 * buffer of that many code units for a function to write into (the text cut to fit the NUL).
 */
export function utf16z(text: string, capacity = text.length + 1): Uint8Array<ArrayBuffer> {
  const buf = new Uint8Array(capacity * 2);
  const view = new DataView(buf.buffer);
  for (let i = 0; i < text.length && i < capacity - 1; i++) {
    view.setUint16(i * 2, text.charCodeAt(i), true);
  }
  return buf;
}

/** Decodes UTF-16LE code units (no terminator) back to a string. */
export function decodeUtf16(bytes: Uint8Array): string {
  return new TextDecoder("utf-16le").decode(bytes);
}

/** The string in a UTF-16LE buffer, up to its first NUL (or the whole buffer without one). */
export function decodeUtf16z(buf: Uint8Array): string {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let units = 0;
  while ((units + 1) * 2 <= buf.byteLength && view.getUint16(units * 2, true) !== 0) units++;
  return decodeUtf16(buf.subarray(0, units * 2));
}

/** Reads a NUL-terminated UTF-16LE string at `pointer`; "" for NULL. */
export function readUtf16z(pointer: Deno.PointerValue): string {
  if (pointer === null) return "";
  const view = new Deno.UnsafePointerView(pointer);
  let units = 0;
  while (view.getUint16(units * 2) !== 0) units++;
  return decodeUtf16(new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(pointer, units * 2)));
}
