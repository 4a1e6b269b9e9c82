import { assertEquals, assertStringIncludes, assertThrows } from "../tests/assert.ts";
import { ItemNotFoundError } from "./keystore.ts";
import {
  checkBlobSize,
  keyFromTarget,
  TARGET_PREFIX,
  targetName,
  wincredError,
} from "./wincred.ts";

Deno.test("wincred target names are aws-vault:aws-vault:<key>", () => {
  assertEquals(TARGET_PREFIX, "aws-vault:aws-vault:");
  assertEquals(targetName("alice"), "aws-vault:aws-vault:alice");
  assertEquals(
    targetName("oidc:https://x.awsapps.com/start"),
    "aws-vault:aws-vault:oidc:https://x.awsapps.com/start",
  );
  assertEquals(targetName("k", "test:aws-vault:"), "test:aws-vault:k");
});

Deno.test("wincred keys are the targets with our prefix, others are ignored", () => {
  assertEquals(keyFromTarget("aws-vault:aws-vault:team/prod"), "team/prod");
  assertEquals(keyFromTarget("aws-vault:aws-vault:"), "");
  assertEquals(keyFromTarget("aws-vault:other:alice"), undefined);
  assertEquals(keyFromTarget("git:https://github.com"), undefined);
  assertEquals(keyFromTarget("t:aws-vault:a,b", "t:aws-vault:"), "a,b");
});

Deno.test("wincred refuses items over 2560 bytes instead of truncating them", () => {
  checkBlobSize("fits", new Uint8Array(2560));
  const err = assertThrows(() => checkBlobSize("big", new Uint8Array(2561)), Error);
  assertEquals(
    err.message,
    'cannot store "big" in Windows Credential Manager: the item is 2561 bytes and a credential ' +
      "holds at most 2560",
  );
});

Deno.test("wincred errors: ERROR_NOT_FOUND is ItemNotFoundError, others one line", () => {
  const notFound = wincredError("CredReadW", "aws-vault:aws-vault:x", "x", 1168);
  assertEquals(notFound instanceof ItemNotFoundError, true);
  assertEquals((notFound as ItemNotFoundError).key, "x");
  assertEquals(notFound.message, "The specified item could not be found in the keyring");
  const bad = wincredError("CredWriteW", "aws-vault:aws-vault:x", "x", 87);
  assertEquals(
    bad.message,
    'wincred: CredWriteW "aws-vault:aws-vault:x" failed: The parameter is incorrect. (error 87)',
  );
  assertStringIncludes(wincredError("CredDeleteW", "t", "k", 4242).message, "(error 4242)");
});
