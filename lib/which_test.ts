import { assertEquals } from "../tests/assert.ts";
import { findExecutable } from "./which.ts";
import { posixTest } from "../tests/platform.ts";

posixTest(
  "execute permission bits",
  "findExecutable walks PATH in order and skips non-executable files",
  async () => {
    const root = await Deno.makeTempDir({ prefix: "which-test-" });
    try {
      const [first, second] = [`${root}/first`, `${root}/second`];
      await Deno.mkdir(first);
      await Deno.mkdir(second);
      await Deno.writeTextFile(`${first}/tool`, "not executable", { mode: 0o644 });
      await Deno.writeTextFile(`${second}/tool`, "#!/bin/sh\n", { mode: 0o755 });
      await Deno.mkdir(`${first}/dir-tool`);
      const env = (n: string) => n === "PATH" ? `${first}::${second}` : undefined;
      assertEquals(findExecutable("tool", env), `${second}/tool`);
      assertEquals(findExecutable("dir-tool", env), undefined);
      assertEquals(findExecutable("missing", env), undefined);
      assertEquals(findExecutable("tool", () => undefined), undefined);
      // A command with a slash is checked as it is, not looked up.
      assertEquals(findExecutable(`${second}/tool`, () => undefined), `${second}/tool`);
      assertEquals(findExecutable(`${first}/tool`, env), undefined);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);
