/** NUL-terminated UTF-16LE strings, what every Win32 `W` function takes and returns. */

/** A JavaScript string as a NUL-terminated UTF-16LE buffer (an LPCWSTR). */
export function utf16z(text: string): Uint8Array {
  const buf = new Uint8Array((text.length + 1) * 2);
  const view = new DataView(buf.buffer);
  for (let i = 0; i < text.length; i++) view.setUint16(i * 2, text.charCodeAt(i), true);
  return buf;
}

/** Decodes UTF-16LE code units (no terminator) back to a string. */
export function decodeUtf16(bytes: Uint8Array): string {
  return new TextDecoder("utf-16le").decode(bytes);
}

/** Reads a NUL-terminated UTF-16LE string at `pointer`; "" for NULL. */
export function readUtf16z(pointer: Deno.PointerValue): string {
  if (pointer === null) return "";
  const view = new Deno.UnsafePointerView(pointer);
  let units = 0;
  while (view.getUint16(units * 2) !== 0) units++;
  return decodeUtf16(new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(pointer, units * 2)));
}
