import { assertEquals } from "../tests/assert.ts";
import { GLOBAL_FLAGS } from "./app.ts";
import { DEFAULT_KEYCTL_SCOPE, KEYCTL_SCOPES } from "../keystore/keyctl.ts";

// cmd/app.ts lists the scopes itself: importing keyctl.ts there would put it on every start-up.
Deno.test("--keyctl-scope offers exactly the scopes the keyctl backend knows, user by default", () => {
  const flag = GLOBAL_FLAGS.find((f) => f.name === "keyctl-scope")!;
  assertEquals(flag.enumValues!(), Object.keys(KEYCTL_SCOPES));
  assertEquals(flag.default, DEFAULT_KEYCTL_SCOPE);
});
