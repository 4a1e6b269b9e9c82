/**
 * A fake browser for tests of `login` and SSO: the opener lib/browser.ts runs on this OS
 * (xdg-open on Linux), as a shell script that records its argc and argv, one a line, and exits
 * with a given code. Put `dir` first on PATH.
 */
import { browserCommand } from "../lib/browser.ts";

export interface FakeOpener {
  dir: string;
  /** `<argc>\n<arg1>\n...` of the last call. */
  argvFile: string;
  cleanup(): Promise<void>;
}

export async function fakeOpener(code = 0): Promise<FakeOpener> {
  const dir = await Deno.makeTempDir({ prefix: "aws-vault-opener-" });
  const argvFile = `${dir}/argv`;
  const script = `#!/bin/sh\nprintf '%s\\n' "$#" "$@" > '${argvFile}'\nexit ${code}\n`;
  const opener = `${dir}/${browserCommand("x").command}`;
  await Deno.writeTextFile(opener, script);
  await Deno.chmod(opener, 0o755);
  return { dir, argvFile, cleanup: () => Deno.remove(dir, { recursive: true }) };
}
