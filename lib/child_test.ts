import { assert, assertEquals, assertRejects } from "../tests/assert.ts";
import { UserError } from "./errors.ts";
import { exitCodeOf, runChild, spawnErrorMessage } from "./child.ts";

const PATH = Deno.env.get("PATH") ?? "/usr/bin:/bin";

Deno.test("runChild passes the exit code through", async () => {
  assertEquals(await runChild({ command: "sh", args: ["-c", "exit 7"], env: { PATH } }), 7);
  assertEquals(await runChild({ command: "true", args: [], env: { PATH } }), 0);
});

Deno.test("runChild gives the child exactly the given environment", async () => {
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

Deno.test("runChild reports 128+n when a signal kills the child", async () => {
  assertEquals(
    await runChild({ command: "sh", args: ["-c", "kill -KILL $$"], env: { PATH } }),
    137,
  );
});

Deno.test("runChild: unknown command is a Go-worded UserError", async () => {
  await assertRejects(
    () => runChild({ command: "no-such-command-xyz", args: [], env: { PATH } }),
    UserError,
    'exec: "no-such-command-xyz": executable file not found in $PATH',
  );
  await assertRejects(
    () => runChild({ command: "./no-such-file", args: [], env: { PATH } }),
    UserError,
    "fork/exec ./no-such-file: no such file or directory",
  );
});

Deno.test("runChild forwards SIGTERM to the child", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ready = `${dir}/ready`;
    const marker = `${dir}/marker`;
    const script = `trap 'echo got-term > "${marker}"; exit 0' TERM; echo > "${ready}"; ` +
      `while :; do sleep 0.05; done`;
    const running = runChild({ command: "sh", args: ["-c", script], env: { PATH } });
    await waitForFile(ready);
    Deno.kill(Deno.pid, "SIGTERM");
    assertEquals(await running, 0);
    assertEquals(await Deno.readTextFile(marker), "got-term\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("exitCodeOf and spawnErrorMessage", () => {
  assertEquals(exitCodeOf({ success: false, code: 143, signal: "SIGTERM" }), 143);
  assertEquals(exitCodeOf({ success: false, code: 3, signal: null }), 3);
  assertEquals(
    spawnErrorMessage("/etc", new Deno.errors.PermissionDenied("x")),
    "fork/exec /etc: permission denied",
  );
});

async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await Deno.stat(path);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  assert(false, `timed out waiting for ${path}`);
}
