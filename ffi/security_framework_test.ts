import { assertEquals } from "../tests/assert.ts";
import {
  CORE_FOUNDATION_SYMBOLS,
  decodeCString,
  OSSTATUS,
  outPointer,
  outPointerValue,
  pointerArray,
  SEC_CONSTANT_NAMES,
  SECURITY_SYMBOLS,
} from "./security_framework.ts";
import { cString } from "./c_string.ts";

Deno.test("cString is NUL-terminated UTF-8 and decodeCString stops at the NUL", () => {
  assertEquals(Array.from(cString("ab")), [0x61, 0x62, 0]);
  assertEquals(Array.from(cString("é")), [0xc3, 0xa9, 0]);
  assertEquals(decodeCString(cString("aws-vault.keychain")), "aws-vault.keychain");
  const buffer = new Uint8Array(16);
  buffer.set(cString("ünï 𝄞"));
  assertEquals(decodeCString(buffer), "ünï 𝄞");
  assertEquals(decodeCString(new TextEncoder().encode("no terminator")), "no terminator");
});

Deno.test("pointer arrays and out-parameters hold native 64-bit addresses", () => {
  const a = new Uint8Array(4);
  const b = new Uint8Array(4);
  const pa = Deno.UnsafePointer.of(a)!;
  const pb = Deno.UnsafePointer.of(b)!;
  const array = pointerArray([pa, pb]);
  assertEquals(array.byteLength, 16);
  assertEquals(array[0], BigInt(Deno.UnsafePointer.value(pa)));
  assertEquals(array[1], BigInt(Deno.UnsafePointer.value(pb)));
  // Reading the array back through memory gives the same pointers (what CFArrayCreate sees).
  const view = new Deno.UnsafePointerView(Deno.UnsafePointer.of(array)!);
  assertEquals(Deno.UnsafePointer.equals(view.getPointer(8), pb), true);
  const out = outPointer();
  assertEquals(outPointerValue(out), null);
  out[0] = BigInt(Deno.UnsafePointer.value(pa));
  assertEquals(Deno.UnsafePointer.equals(outPointerValue(out), pa), true);
});

Deno.test("every Security constant is bound as a static pointer", () => {
  const symbols = SECURITY_SYMBOLS as Record<string, unknown>;
  for (const name of SEC_CONSTANT_NAMES) assertEquals(symbols[name], { type: "pointer" });
  assertEquals(CORE_FOUNDATION_SYMBOLS.kCFTypeDictionaryKeyCallBacks, { type: "pointer" });
  assertEquals(SECURITY_SYMBOLS.SecItemCopyMatching.result, "i32");
});

Deno.test("OSStatus values are Apple's", () => {
  assertEquals(OSSTATUS.errSecItemNotFound, -25300);
  assertEquals(OSSTATUS.errSecDuplicateItem, -25299);
  assertEquals(OSSTATUS.errSecNoSuchKeychain, -25294);
  assertEquals(OSSTATUS.errSecUserCanceled, -128);
});
