import { assertEquals } from "../tests/assert.ts";
import { wrapText } from "./text_wrap.ts";

/** Cases wrapped by Go 1.19's go/doc.ToText (tests/fixtures/kingpin_help/README.md). */
const GO_CASES: { text: string; width: number; go: string }[] = JSON.parse(
  Deno.readTextFileSync(
    new URL("../tests/fixtures/kingpin_help/go_doc_wrap.json", import.meta.url),
  ),
);

Deno.test("wrapText breaks lines where Go's go/doc.ToText breaks them", () => {
  const wrong = GO_CASES.filter((c) =>
    wrapText(c.text, c.width).map((l) => `${l}\n`).join("") !== c.go
  );
  assertEquals(wrong, []);
});

Deno.test("wrapText prefers ending a line at punctuation over filling it", () => {
  // `exec --help`: "doesn't" would fit on the first line.
  const help = "Name of macOS keychain to use, if it doesn't exist it will be created " +
    "($AWS_VAULT_KEYCHAIN_NAME)";
  assertEquals(wrapText(help, 45), [
    "Name of macOS keychain to use,",
    "if it doesn't exist it will be created",
    "($AWS_VAULT_KEYCHAIN_NAME)",
  ]);
});

Deno.test("wrapText keeps a word longer than the width on its own line", () => {
  assertEquals(wrapText("a AWS_CONTAINER_CREDENTIALS_FULL_URI b", 10), [
    "a",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "b",
  ]);
  assertEquals(wrapText("  ", 10), []);
});
