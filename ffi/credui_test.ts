/** The credui helper that does not need Windows: the CREDUI_INFOW layout. */
import { assertEquals } from "../tests/assert.ts";
import { credUiInfo } from "./credui.ts";
import { utf16z } from "./utf16.ts";

Deno.test("credui: CREDUI_INFOW has cbSize 40 and points at the message and caption", () => {
  const message = utf16z("m");
  const caption = utf16z("c");
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
