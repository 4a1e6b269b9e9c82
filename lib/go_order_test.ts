import { assertEquals } from "../tests/assert.ts";
import { compareUtf8, sortUtf8 } from "./go_order.ts";

Deno.test("Go order: by UTF-8 bytes, where UTF-16 order differs above U+D800", () => {
  // U+FF21 (3 UTF-8 bytes, EF BC A1) sorts before U+1F600 (4 bytes, F0 ...), though its UTF-16
  // unit is larger than the surrogate D83D.
  const names = ["😀", "Ａ", "b", "a"];
  assertEquals([...names].sort(), ["a", "b", "😀", "Ａ"]);
  assertEquals(sortUtf8([...names]), ["a", "b", "Ａ", "😀"]);
  assertEquals(sortUtf8(["b", "B", "a"]), ["B", "a", "b"]);
  assertEquals(compareUtf8("ab", "a") > 0, true);
  assertEquals(compareUtf8("a", "a"), 0);
});
