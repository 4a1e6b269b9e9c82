import { assertEquals } from "../tests/assert.ts";
import { collectionNameOfPath, decodePathElement } from "./secret_service.ts";

Deno.test("gnome-keyring's _xx path escapes decode to the collection name", () => {
  assertEquals(decodePathElement("awsvault"), "awsvault");
  assertEquals(decodePathElement("team_2dvault_2e2"), "team-vault.2");
  assertEquals(decodePathElement("a_5fb"), "a_b");
  assertEquals(decodePathElement("caf_c3_a9"), "café");
  // An underscore not followed by two hex digits is literal.
  assertEquals(decodePathElement("a_zz"), "a_zz");
});

Deno.test("collectionNameOfPath matches only direct children of the collection prefix", () => {
  assertEquals(collectionNameOfPath("/org/freedesktop/secrets/collection/awsvault"), "awsvault");
  assertEquals(collectionNameOfPath("/org/freedesktop/secrets/collection/my_2dvault"), "my-vault");
  assertEquals(collectionNameOfPath("/org/freedesktop/secrets/collection/login/1"), undefined);
  assertEquals(collectionNameOfPath("/org/freedesktop/secrets/aliases/default"), undefined);
  assertEquals(collectionNameOfPath("/org/freedesktop/secrets/collection/"), undefined);
});
