import { assertEquals } from "../../tests/assert.ts";
import { firstCmdWord, firstWord } from "./program_checks.ts";

Deno.test("firstWord reads a /bin/sh command line's program", () => {
  assertEquals(firstWord("aws-vault export --format=json work"), "aws-vault");
  assertEquals(firstWord("A=1 '/opt/my tools/get creds' --x"), "/opt/my tools/get creds");
  assertEquals(firstWord('"$HOME/bin/creds"'), undefined);
  assertEquals(firstWord("~/bin/creds"), undefined);
});

Deno.test("firstCmdWord reads a cmd.exe command line's program: backslashes are separators", () => {
  assertEquals(
    firstCmdWord("C:\\Users\\me\\bin\\aws-vault.exe export --format=json work"),
    "C:\\Users\\me\\bin\\aws-vault.exe",
  );
  assertEquals(
    firstCmdWord('"C:\\Program Files\\aws-vault\\aws-vault.exe" export work'),
    "C:\\Program Files\\aws-vault\\aws-vault.exe",
  );
  assertEquals(firstCmdWord("creds.cmd&echo"), "creds.cmd");
  assertEquals(firstCmdWord("%USERPROFILE%\\bin\\creds.exe"), undefined);
  assertEquals(firstCmdWord("   "), undefined);
});
