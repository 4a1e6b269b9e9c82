/**
 * Prints the release notes of one version: its section of CHANGELOG.md, from its `## <version>`
 * heading up to the next `## ` heading. Fails when the section is missing or empty, so a release
 * cannot be published without notes.
 *
 *   deno run -A scripts/release_notes.ts v7.2.0-deno.1
 */
import { fileURLToPath } from "node:url";

const CHANGELOG = fileURLToPath(new URL("../CHANGELOG.md", import.meta.url));

export function releaseNotes(changelog: string, version: string): string {
  const lines = changelog.split("\n");
  const start = lines.findIndex((l) => /^## /.test(l) && l.slice(3).split(/\s/)[0] === version);
  if (start === -1) throw new Error(`CHANGELOG.md has no "## ${version}" section`);
  const end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  const body = lines.slice(start + 1, end === -1 ? undefined : end).join("\n").trim();
  if (body === "") throw new Error(`the "## ${version}" section of CHANGELOG.md is empty`);
  return body;
}

if (import.meta.main) {
  const version = Deno.args[0];
  if (!version) {
    console.error("usage: release_notes.ts <version>");
    Deno.exit(2);
  }
  try {
    console.log(releaseNotes(Deno.readTextFileSync(CHANGELOG), version));
  } catch (e) {
    console.error(`release_notes.ts: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
