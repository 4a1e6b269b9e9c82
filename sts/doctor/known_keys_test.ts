import { assertEquals } from "../../tests/assert.ts";
import { didYouMean, editDistance, PROFILE_SECTION_KEYS } from "./known_keys.ts";
import { firstWord } from "./program_checks.ts";

Deno.test("didYouMean: typos get the known key, unrelated and short keys get nothing", () => {
  assertEquals(didYouMean("mfa_serail", PROFILE_SECTION_KEYS), "mfa_serial");
  assertEquals(didYouMean("rol_arn", PROFILE_SECTION_KEYS), "role_arn");
  assertEquals(didYouMean("source_profil", PROFILE_SECTION_KEYS), "source_profile");
  assertEquals(didYouMean("granted_sso_start_url", PROFILE_SECTION_KEYS), undefined);
  assertEquals(didYouMean("xyz", PROFILE_SECTION_KEYS), undefined);
  assertEquals(PROFILE_SECTION_KEYS.has("credential_source"), true);
});

Deno.test("editDistance counts a swap of neighbours as one edit", () => {
  assertEquals(editDistance("ab", "ba"), 1);
  assertEquals(editDistance("kitten", "sitting"), 3);
  assertEquals(editDistance("", "abc"), 3);
});

Deno.test("firstWord: the program of a shell command line, or undefined when it expands", () => {
  assertEquals(firstWord("/usr/bin/aws-vault export --format=json x"), "/usr/bin/aws-vault");
  assertEquals(firstWord(`"/opt/my tools/helper" --x`), "/opt/my tools/helper");
  assertEquals(firstWord(`'/a b/c'`), "/a b/c");
  assertEquals(firstWord("FOO=1 BAR=2 helper arg"), "helper");
  assertEquals(firstWord("my\\ tool x"), "my tool");
  assertEquals(firstWord("helper;other"), "helper");
  assertEquals(firstWord("$HOME/bin/helper"), undefined);
  assertEquals(firstWord("~/bin/helper"), undefined);
  assertEquals(firstWord("   "), undefined);
});
