/**
 * Session locks (sts/lock.ts) for `doctor`. They are OS file locks, which the kernel releases
 * when their process dies, so a lock file left behind is harmless; what can hurt is a lock still
 * held by a live process that is stuck (an MFA prompt nobody answers), which makes every other
 * invocation wait. On Linux, /proc/locks says which lock files are held and by which process.
 * Looking takes no lock.
 */
import { defaultLockDir } from "../lock.ts";
import { type Check, ok, warn } from "./report.ts";

type Env = (name: string) => string | undefined;

export function checkLocks(env: Env): Check[] {
  const dir = defaultLockDir(env);
  if (!dir) return [];
  const inodes = new Map<number, string>();
  try {
    for (const entry of Deno.readDirSync(dir)) {
      if (!entry.isFile || !entry.name.endsWith(".lock")) continue;
      const ino = Deno.statSync(`${dir}/${entry.name}`).ino;
      if (ino !== null) inodes.set(ino, entry.name);
    }
  } catch {
    return [ok("locks", `no lock directory ${dir} (none was needed yet)`)];
  }
  const held = heldLocks(inodes);
  if (held.length === 0) {
    return [ok(
      "locks",
      `${inodes.size} lock file(s) in ${dir}, none held (the OS releases a lock when its ` +
        "process ends, so files left behind are harmless)",
    )];
  }
  return held.map(({ file, pid }) =>
    warn(
      "locks",
      `${dir}/${file} is held by process ${pid}${commandOf(pid)}: other invocations for the same ` +
        "session wait for it (up to 5 minutes)",
      `finish or answer that process (e.g. its MFA prompt), or kill ${pid}`,
    )
  );
}

/** Lock files of `inodes` that /proc/locks lists as held, with the holder's pid (Linux only). */
function heldLocks(inodes: Map<number, string>): { file: string; pid: number }[] {
  let table: string;
  try {
    table = Deno.readTextFileSync("/proc/locks");
  } catch {
    return [];
  }
  const held: { file: string; pid: number }[] = [];
  for (const line of table.split("\n")) {
    // "1: FLOCK  ADVISORY  WRITE 4242 08:01:1234567 0 EOF"; waiters are marked "->".
    const m = /^\d+:\s+(?:FLOCK|POSIX|OFDLCK)\s+\S+\s+\S+\s+(-?\d+)\s+[0-9a-f]+:[0-9a-f]+:(\d+)\s/
      .exec(line);
    if (!m) continue;
    const file = inodes.get(Number(m[2]));
    if (file !== undefined) held.push({ file, pid: Number(m[1]) });
  }
  return held;
}

function commandOf(pid: number): string {
  try {
    const argv = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").filter((a) => a !== "");
    return argv.length > 0 ? ` (${argv[0].split("/").pop()})` : "";
  } catch {
    return "";
  }
}
