/** The credui helpers that do not need Windows: UTF-16 buffers and the CREDUI_INFOW layout. */
import { assertEquals } from "../tests/assert.ts";
import { credUiInfo, readWideString, wideString } from "./credui.ts";

Deno.test("credui: wide strings round-trip and are NUL-terminated within their capacity", () => {
  const buf = wideString("Enter MFA code for é: ");
  assertEquals(buf.byteLength, 2 * 23);
  assertEquals(readWideString(buf), "Enter MFA code for é: ");
  assertEquals(readWideString(wideString("abcdef", 4)), "abc");
  assertEquals(readWideString(wideString("", 256)), "");
});

Deno.test("credui: CREDUI_INFOW has cbSize 40 and points at the message and caption", () => {
  const message = wideString("m");
  const caption = wideString("c");
  const info = credUiInfo(message, caption);
  const view = new DataView(info.buffer);
  assertEquals(view.getUint32(0, true), 40);
  assertEquals(view.getBigUint64(8, true), 0n);
  assertEquals(
    view.getBigUint64(16, true),
    BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(message))),
  );
  assertEquals(
    view.getBigUint64(24, true),
    BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(caption))),
  );
  assertEquals(view.getBigUint64(32, true), 0n);
});
