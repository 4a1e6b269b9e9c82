/** The cross-process lock: serialises holders in one process and across processes. */
import { assert, assertEquals } from "../tests/assert.ts";
import { lockFileName, withLock } from "./lock.ts";

Deno.test("lock: holders of one name run one at a time in a process; other names do not wait", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lock-test-" });
  try {
    const events: string[] = [];
    const hold = (name: string, tag: string, ms: number) =>
      withLock(name, async () => {
        events.push(`start ${tag}`);
        await new Promise((r) => setTimeout(r, ms));
        events.push(`end ${tag}`);
      }, { dir });
    await Promise.all([hold("a", "a1", 80), hold("a", "a2", 10), hold("b", "b1", 10)]);
    assertEquals(events.indexOf("end a1") < events.indexOf("start a2"), true);
    assertEquals(events.indexOf("start b1") < events.indexOf("end a1"), true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Starts another process that takes lock `name` in `dir`, holds it for `holdMs`, then writes
 * `marker` (if given) just before letting go. Resolves once the child holds the lock.
 */
async function spawnLockHolder(
  dir: string,
  name: string,
  opts: { holdMs: number; marker?: string },
): Promise<{ child: Deno.ChildProcess; done: () => Promise<Deno.CommandStatus> }> {
  const lockModule = new URL("./lock.ts", import.meta.url).href;
  const writeMarker = opts.marker
    ? `await Deno.writeTextFile(${JSON.stringify(opts.marker)}, "");`
    : "";
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { withLock } from "${lockModule}";
       await withLock(${JSON.stringify(name)}, async () => {
         console.log("locked");
         await new Promise((r) => setTimeout(r, ${opts.holdMs}));
         ${writeMarker}
       }, { dir: ${JSON.stringify(dir)} });`,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  assertEquals(new TextDecoder().decode(value).trim(), "locked");
  reader.releaseLock();
  return {
    child,
    done: async () => {
      await child.stdout.cancel();
      return await child.status;
    },
  };
}

Deno.test("lock: a second process waits until the first releases, and a dead holder frees it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lock-test-" });
  try {
    // The child takes the lock, holds it a while and writes a marker just before it lets go.
    // Holding the lock ourselves proves the wait only if the marker is already there (an ordering
    // check, not a timing one, so a slow machine cannot make it fail).
    const marker = `${dir}/released`;
    const holder = await spawnLockHolder(dir, "shared", { holdMs: 300, marker });
    const markerSeen = await withLock(
      "shared",
      () => Deno.stat(marker).then(() => true, () => false),
      { dir },
    );
    assert(markerSeen, "got the lock while the other process still held it");
    assertEquals((await holder.done()).success, true);

    // A holder killed while it holds the lock leaves no stale lock behind.
    const killed = await spawnLockHolder(dir, "shared", { holdMs: 60_000 });
    killed.child.kill("SIGKILL");
    await killed.done();
    const t = Date.now();
    await withLock("shared", () => Promise.resolve(), { dir, timeoutMs: 5_000 });
    assert(Date.now() - t < 2_000, "the lock of a dead process was not released");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lock: a waiter names the holder's pid on stderr after a second, then gives up with an error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lock-test-" });
  try {
    const holder = await spawnLockHolder(dir, "stuck", { holdMs: 60_000 });
    const lockModule = new URL("./lock.ts", import.meta.url).href;
    const t = Date.now();
    const waiter = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `import { withLock } from "${lockModule}";
         try {
           await withLock("stuck", () => Promise.resolve(), { dir: ${JSON.stringify(dir)},
             timeoutMs: 2_000 });
           console.log("ran");
         } catch (err) { console.log(err.message); }
         // The abandoned lock call would keep the process alive; the CLI exits the same way.
         Deno.exit(0);`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const waited = Date.now() - t;
    holder.child.kill("SIGKILL");
    await holder.done();
    const pid = holder.child.pid;
    const lockPath = `${dir}/${await lockFileName("stuck")}`;
    assertEquals(
      new TextDecoder().decode(waiter.stderr),
      `Waiting for another aws-vault process (pid ${pid}) that is fetching the same credentials ` +
        `(lock ${lockPath}); press Ctrl-C to stop waiting, or end that process (kill ${pid})\n`,
    );
    assertEquals(
      new TextDecoder().decode(waiter.stdout),
      `gave up after 2s waiting for another aws-vault process (pid ${pid}) that holds the lock ` +
        `${lockPath}; end it and try again\n`,
    );
    // The holder never lets go, so the waiter stopped only because the wait timed out.
    assert(waited >= 2_000 && waited < 15_000, `waited ${waited} ms`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lock: a short wait prints nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lock-test-" });
  try {
    const holder = await spawnLockHolder(dir, "brief", { holdMs: 200 });
    const lockModule = new URL("./lock.ts", import.meta.url).href;
    const waiter = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `import { withLock } from "${lockModule}";
         await withLock("brief", () => Promise.resolve(), { dir: ${JSON.stringify(dir)} });`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    await holder.done();
    assertEquals([waiter.code, new TextDecoder().decode(waiter.stderr)], [0, ""]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lock file names are hashes", async () => {
  assertEquals((await lockFileName("sts.GetSessionToken,am9u,,")).length, 45);
  assert(/^[0-9a-f]{40}\.lock$/.test(await lockFileName("a/b\\c:d")));
});
