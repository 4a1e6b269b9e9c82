/**
 * Runs a program and measures the CPU time it used (user + system, from `wait4`), for
 * scripts/bench_startup.ts. CPU time is disturbed far less than wall time by other processes on a
 * loaded machine, and hardware instruction counters are not available in the virtual machines
 * these benchmarks run on. Deno.Command reaps its children itself and reports no resource usage,
 * so this spawns with posix_spawn and waits with wait4 through FFI. Linux and macOS only.
 *
 * stdin and stdout are the null device (the benchmark checks what a case prints once, with
 * Deno.Command); stderr is inherited.
 */
import { cStringArray, decodeWaitStatus } from "../ffi/libc_process.ts";

const SYMBOLS = {
  // int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
  //   const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
  posix_spawn: {
    parameters: ["buffer", "buffer", "buffer", "pointer", "buffer", "buffer"],
    result: "i32",
  },
  posix_spawn_file_actions_init: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_destroy: { parameters: ["buffer"], result: "i32" },
  // int posix_spawn_file_actions_addopen(actions *, int fd, const char *path, int oflag, mode_t)
  posix_spawn_file_actions_addopen: {
    parameters: ["buffer", "i32", "buffer", "i32", "u32"],
    result: "i32",
  },
  // pid_t wait4(pid_t, int *status, int options, struct rusage *): blocks, so off the event loop.
  wait4: { parameters: ["i32", "buffer", "i32", "buffer"], result: "i32", nonblocking: true },
} as const;

/** Larger than posix_spawn_file_actions_t (glibc 80 bytes) and struct rusage (144) anywhere. */
const OPAQUE_BYTES = 512;
const O_RDONLY = 0;
const O_WRONLY = 1;

let libc: Deno.DynamicLibrary<typeof SYMBOLS>["symbols"] | undefined;

function load(): Deno.DynamicLibrary<typeof SYMBOLS>["symbols"] {
  if (libc) return libc;
  const path = Deno.build.os === "darwin" ? "/usr/lib/libSystem.B.dylib" : "libc.so.6";
  return libc = Deno.dlopen(path, SYMBOLS).symbols;
}

function cString(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text + "\0") as Uint8Array<ArrayBuffer>;
}

export interface TimedRun {
  code: number;
  wallMs: number;
  /** User + system CPU time of the child, in ms. */
  cpuMs: number;
}

/** Runs `program` (an absolute path) with `args` and exactly the environment `env`. */
export async function runTimed(
  program: string,
  args: string[],
  env: Record<string, string>,
): Promise<TimedRun> {
  const c = load();
  const actions = new Uint8Array(OPAQUE_BYTES);
  const devNull = cString("/dev/null");
  c.posix_spawn_file_actions_init(actions);
  c.posix_spawn_file_actions_addopen(actions, 0, devNull, O_RDONLY, 0);
  c.posix_spawn_file_actions_addopen(actions, 1, devNull, O_WRONLY, 0);
  const argv = cStringArray([program, ...args]);
  const envp = cStringArray(Object.entries(env).map(([k, v]) => `${k}=${v}`));
  const pid = new Int32Array(1);
  const start = performance.now();
  const err = c.posix_spawn(pid, cString(program), actions, null, argv.array, envp.array);
  c.posix_spawn_file_actions_destroy(actions);
  if (err !== 0) throw new Error(`posix_spawn ${program}: error ${err}`);
  const status = new Int32Array(1);
  const usage = new BigInt64Array(OPAQUE_BYTES / 8);
  if (await c.wait4(pid[0], status, 0, usage) !== pid[0]) throw new Error("wait4 failed");
  const wallMs = performance.now() - start;
  // struct rusage begins with ru_utime and ru_stime, each a timeval { seconds, microseconds }.
  const micros = (usage[0] + usage[2]) * 1_000_000n + usage[1] + usage[3];
  const ended = decodeWaitStatus(status[0]);
  const code = "exited" in ended ? ended.exited : 128 + ("signaled" in ended ? ended.signaled : 0);
  return { code, wallMs, cpuMs: Number(micros) / 1000 };
}
