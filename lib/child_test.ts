import { assertEquals, assertRejects } from "../tests/assert.ts";
import { UserError } from "./errors.ts";
import { exitCodeOf, runChild, spawnErrorMessage } from "./child.ts";
import { ON_WINDOWS, posixTest } from "../tests/platform.ts";

const PATH = Deno.env.get("PATH") ?? "/usr/bin:/bin";
const CHILD_TS = new URL("./child.ts", import.meta.url).href;

posixTest("sh", "runChild passes the exit code through", async () => {
  assertEquals(await runChild({ command: "sh", args: ["-c", "exit 7"], env: { PATH } }), 7);
  assertEquals(await runChild({ command: "true", args: [], env: { PATH } }), 0);
});

posixTest("sh", "runChild gives the child exactly the given environment", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/env`;
    const code = await runChild({
      command: "sh",
      args: ["-c", 'env > "$OUT"'],
      env: { PATH, OUT: out, ONLY_THIS: "yes" },
    });
    assertEquals(code, 0);
    const names = (await Deno.readTextFile(out)).trim().split("\n").map((l) => l.split("=")[0]);
    // sh itself adds PWD (and dash may add nothing else); HOME etc. must not leak in.
    assertEquals(names.filter((n) => n !== "PWD").sort(), ["ONLY_THIS", "OUT", "PATH"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

posixTest("sh", "runChild reports 128+n when a signal kills the child", async () => {
  assertEquals(
    await runChild({ command: "sh", args: ["-c", "kill -KILL $$"], env: { PATH } }),
    137,
  );
});

Deno.test("runChild: unknown command is a Go-worded UserError", async () => {
  await assertRejects(
    () => runChild({ command: "no-such-command-xyz", args: [], env: { PATH } }),
    UserError,
    'exec: "no-such-command-xyz": executable file not found in ' +
      (ON_WINDOWS ? "%PATH%" : "$PATH"),
  );
  await assertRejects(
    () => runChild({ command: "./no-such-file", args: [], env: { PATH } }),
    UserError,
    ON_WINDOWS
      ? 'exec: "./no-such-file": file does not exist'
      : "fork/exec ./no-such-file: no such file or directory",
  );
});

posixTest(
  "POSIX signals and sh",
  "runChild forwards SIGTERM, even one that arrives as soon as the child runs",
  async () => {
    // In a separate process: `deno test --parallel` runs every test file in this one process, so
    // signalling ourselves would also reach the children of other files' tests.
    const dir = await Deno.makeTempDir();
    const pidFile = `${dir}/child-pid`;
    try {
      const marker = `${dir}/marker`;
      // The child signals its parent (the runChild process) before anything else, so the parent
      // must already be listening when the child starts; otherwise SIGTERM kills the parent (143)
      // and leaves the child behind.
      const script = `echo $$ > "${pidFile}"; trap 'echo got-term > "${marker}"; exit 0' TERM; ` +
        `kill -TERM $PPID; i=0; while [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; exit 99`;
      const program = `import { runChild } from ${JSON.stringify(CHILD_TS)};
      Deno.exit(await runChild({ command: "sh", args: ["-c", ${JSON.stringify(script)}],
        env: { PATH: ${JSON.stringify(PATH)} } }));`;
      const { code } = await new Deno.Command(Deno.execPath(), {
        args: ["eval", program],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).output();
      assertEquals(code, 0);
      assertEquals(await Deno.readTextFile(marker), "got-term\n");
    } finally {
      // If forwarding failed, the child is still looping: stop it.
      const pid = Number((await Deno.readTextFile(pidFile).catch(() => "")).trim());
      if (pid > 0) {
        try {
          Deno.kill(pid, "SIGKILL");
        } catch {
          // Already gone, as it should be.
        }
      }
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("exitCodeOf and spawnErrorMessage", () => {
  assertEquals(exitCodeOf({ success: false, code: 143, signal: "SIGTERM" }), 143);
  assertEquals(exitCodeOf({ success: false, code: 3, signal: null }), 3);
  assertEquals(
    spawnErrorMessage("/etc", new Deno.errors.PermissionDenied("x"), "linux"),
    "fork/exec /etc: permission denied",
  );
  // Go's lp_windows.go wording.
  assertEquals(
    spawnErrorMessage("aws", new Deno.errors.NotFound("x"), "windows"),
    'exec: "aws": executable file not found in %PATH%',
  );
  assertEquals(
    spawnErrorMessage("C:\\bin\\aws", new Deno.errors.NotFound("x"), "windows"),
    'exec: "C:\\\\bin\\\\aws": file does not exist',
  );
});
