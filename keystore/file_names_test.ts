import { assertEquals } from "../tests/assert.ts";
import { compareUtf8, decodeFileName, encodeFileName, sortUtf8 } from "./file_names.ts";

Deno.test("only / and % are escaped, in uppercase hex", () => {
  const cases: [string, string][] = [
    ["myprofile", "myprofile"],
    ["team/dev", "team%2Fdev"],
    ["odd%name", "odd%25name"],
    ["oidc:https://x/y", "oidc:https:%2F%2Fx%2Fy"],
    [
      "oidc:https://acme.awsapps.com/start",
      "oidc:https:%2F%2Facme.awsapps.com%2Fstart",
    ],
    ["with spaces, commas", "with spaces, commas"],
    ["ünïcødé/名前", "ünïcødé%2F名前"],
    ["%2F", "%252F"],
    ["a\\b?c*d", "a\\b?c*d"],
    [
      "sts.AssumeRole,cm9sZQ,YXJuOmF3czppYW06OjE6bWZhL3U,1684998123",
      "sts.AssumeRole,cm9sZQ,YXJuOmF3czppYW06OjE6bWZhL3U,1684998123",
    ],
  ];
  for (const [key, name] of cases) {
    assertEquals(encodeFileName(key), name, key);
    assertEquals(decodeFileName(name), key, name);
  }
});

Deno.test("decoding turns any valid %XY into its byte and leaves other % literal", () => {
  assertEquals(decodeFileName("a%2fb"), "a/b", "lowercase hex is decoded too");
  assertEquals(decodeFileName("%41%42C"), "ABC");
  assertEquals(decodeFileName("100%"), "100%");
  assertEquals(decodeFileName("50%zz"), "50%zz");
  assertEquals(decodeFileName("%4"), "%4");
  assertEquals(decodeFileName("%%2F"), "%/");
  assertEquals(decodeFileName("%C3%A9t%C3%A9"), "été", "escaped UTF-8 bytes form one character");
  assertEquals(decodeFileName(".DS_Store"), ".DS_Store");
});

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
