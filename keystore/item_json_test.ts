import { assertEquals, assertNotIncludes, assertThrows } from "../tests/assert.ts";
import { base64ToBytes, bytesToBase64, decodeItemJson, encodeItemJson } from "./item_json.ts";
import type { Item } from "./keystore.ts";

const enc = new TextEncoder();

function item(partial: Partial<Item>): Item {
  return {
    key: "alice",
    data: enc.encode("{}"),
    label: "",
    description: "",
    keychainNotTrustApplication: false,
    keychainNotSynchronizable: false,
    ...partial,
  };
}

Deno.test("encodeItemJson writes Go's field order and standard padded base64", () => {
  assertEquals(
    encodeItemJson(
      item({
        data: enc.encode("ab"),
        label: "aws-vault (alice)",
        keychainNotTrustApplication: true,
      }),
    ),
    '{"Key":"alice","Data":"YWI=","Label":"aws-vault (alice)","Description":"",' +
      '"KeychainNotTrustApplication":true,"KeychainNotSynchronizable":false}',
  );
});

Deno.test("encodeItemJson escapes <, >, &, U+2028 and U+2029 as Go does", () => {
  assertEquals(
    encodeItemJson(
      item({
        key: "a<b>&c",
        data: new Uint8Array(),
        label: "x\u2028y\u2029",
        description: '"\\\n',
      }),
    ),
    '{"Key":"a\\u003cb\\u003e\\u0026c","Data":"","Label":"x\\u2028y\\u2029","Description":"\\"\\\\\\n",' +
      '"KeychainNotTrustApplication":false,"KeychainNotSynchronizable":false}',
  );
});

Deno.test("decodeItemJson reads what encodeItemJson writes, and Go's case-insensitive names", () => {
  const original = item({
    key: "team/dev",
    data: Uint8Array.from({ length: 256 }, (_, i) => i),
    label: "<label> & ünïcødé",
    description: "aws-vault session",
    keychainNotSynchronizable: true,
  });
  assertEquals(decodeItemJson(encodeItemJson(original)), original);
  assertEquals(
    decodeItemJson(
      '{"key":"k","DATA":"e30=","label":"L","extra":1,"keychainnottrustapplication":true}',
    ),
    item({ key: "k", data: enc.encode("{}"), label: "L", keychainNotTrustApplication: true }),
  );
  assertEquals(
    decodeItemJson('{"Key":"k","Data":null}'),
    item({ key: "k", data: new Uint8Array() }),
  );
});

Deno.test("base64 helpers handle every byte value and large inputs", () => {
  const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff);
  assertEquals(base64ToBytes(bytesToBase64(bytes)), bytes);
  assertEquals(bytesToBase64(enc.encode("a")), "YQ==");
});

Deno.test("decodeItemJson errors never quote the input (it holds credentials)", () => {
  const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  const err = assertThrows(() => decodeItemJson(`${secret} not json`), Error, "not valid JSON");
  assertNotIncludes(err.message, secret.slice(0, 6));
  assertThrows(() => decodeItemJson("[1]"), Error, "not a JSON object");
});
