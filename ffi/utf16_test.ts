/** NUL-terminated UTF-16LE strings (ffi/utf16.ts), on any OS. */
import { assertEquals } from "../tests/assert.ts";
import { decodeUtf16, decodeUtf16z, readUtf16z, utf16z } from "./utf16.ts";

Deno.test("utf16z writes NUL-terminated UTF-16LE, surrogate pairs included", () => {
  assertEquals(Array.from(utf16z("A")), [0x41, 0, 0, 0]);
  assertEquals(Array.from(utf16z("")), [0, 0]);
  assertEquals(Array.from(utf16z("é")), [0xe9, 0, 0, 0]);
  assertEquals(Array.from(utf16z("𝄞")), [0x34, 0xd8, 0x1e, 0xdd, 0, 0]);
  const text = "oidc:https://x.awsapps.com/start,ß,プロ";
  const encoded = utf16z(text);
  assertEquals(decodeUtf16(encoded.subarray(0, encoded.length - 2)), text);
  assertEquals(readUtf16z(Deno.UnsafePointer.of(encoded)), text);
});

Deno.test("utf16z buffers round-trip and are NUL-terminated within their capacity", () => {
  const buf = utf16z("Enter MFA code for é: ");
  assertEquals(buf.byteLength, 2 * 23);
  assertEquals(decodeUtf16z(buf), "Enter MFA code for é: ");
  assertEquals(decodeUtf16z(utf16z("abcdef", 4)), "abc");
  assertEquals(decodeUtf16z(utf16z("", 256)), "");
});
