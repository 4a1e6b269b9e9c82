/** scripts/release_notes.ts: the release workflow publishes nothing without notes. */
import { assert, assertEquals } from "./assert.ts";
import { releaseNotes } from "../scripts/release_notes.ts";
import { VERSION } from "../cmd/app.ts";

const SAMPLE = "# Changelog\n\nintro\n\n## v2.0.0\n\n- two\n\n## v1.0.0 (old)\n\n- one\n";

Deno.test("release notes: the section of one version, up to the next heading", () => {
  assertEquals(releaseNotes(SAMPLE, "v2.0.0"), "- two");
  assertEquals(releaseNotes(SAMPLE, "v1.0.0"), "- one");
});

Deno.test("release notes: a missing or empty section is an error", () => {
  let message = "";
  try {
    releaseNotes(SAMPLE, "v3.0.0");
  } catch (e) {
    message = (e as Error).message;
  }
  assertEquals(message, 'CHANGELOG.md has no "## v3.0.0" section');
  try {
    releaseNotes("## v1.0.0\n\n## v0.9.0\n- x\n", "v1.0.0");
    message = "";
  } catch (e) {
    message = (e as Error).message;
  }
  assertEquals(message, 'the "## v1.0.0" section of CHANGELOG.md is empty');
});

Deno.test("release notes: CHANGELOG.md has notes for the version --version prints", () => {
  const changelog = Deno.readTextFileSync(new URL("../CHANGELOG.md", import.meta.url));
  assert(releaseNotes(changelog, VERSION).length > 100);
});
