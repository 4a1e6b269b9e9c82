import { assertEquals } from "../tests/assert.ts";
import { findExecutable } from "./which.ts";
import { posixTest, windowsTest } from "../tests/platform.ts";

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

windowsTest(
  "findExecutable on Windows: PATHEXT in order, in each PATH directory in turn",
  async () => {
    const root = await Deno.makeTempDir({ prefix: "which-test-" });
    try {
      const [first, second] = [`${root}\\first`, `${root}\\second`];
      await Deno.mkdir(first);
      await Deno.mkdir(second);
      await Deno.writeTextFile(`${first}\\tool.txt`, "not in PATHEXT");
      await Deno.writeTextFile(`${second}\\tool.cmd`, "@echo off\r\n");
      await Deno.writeTextFile(`${second}\\tool.exe`, "");
      const env = (vars: Record<string, string>) => (n: string) => vars[n];
      const path = `${first};${second}`;
      // .com;.exe;.bat;.cmd: the .exe wins over the .cmd in the same directory.
      assertEquals(findExecutable("tool", env({ PATH: path })), `${second}\\tool.exe`);
      assertEquals(
        findExecutable("tool", env({ PATH: path, PATHEXT: ".CMD;.EXE" })),
        `${second}\\tool.cmd`,
      );
      // A name with its own PATHEXT extension is tried as it is; others are not found.
      assertEquals(findExecutable("tool.cmd", env({ PATH: path })), `${second}\\tool.cmd`);
      assertEquals(findExecutable("tool.txt", env({ PATH: path })), undefined);
      // A path is tried where it stands, with the extensions.
      assertEquals(findExecutable(`${second}\\tool`, env({})), `${second}\\tool.exe`);
      assertEquals(findExecutable("missing", env({ PATH: path })), undefined);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);
