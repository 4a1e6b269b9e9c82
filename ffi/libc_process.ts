/**
 * Raw Deno FFI bindings of the POSIX process-control calls that Deno.Command does not offer:
 * posix_spawn with its own process group, waitpid with WUNTRACED (to see a child stop), and the
 * terminal's foreground process group. No policy lives here: lib/child_unix.ts decides what to
 * call. Nothing is loaded at import time; `loadLibc()` opens the C library on first use.
 *
 * Constants are the same on Linux (glibc, musl) and macOS: POSIX_SPAWN_SETPGROUP 2,
 * POSIX_SPAWN_SETSIGDEF 4, POSIX_SPAWN_SETSIGMASK 8, WUNTRACED 2, SIGTTOU 22, SIGPIPE 13. Opaque
 * types (posix_spawnattr_t, sigset_t) get buffers larger than any of those platforms needs.
 */
import { cString } from "./c_string.ts";

const LIBC_SYMBOLS = {
  // int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
  //   const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
  posix_spawn: {
    parameters: ["buffer", "buffer", "pointer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  posix_spawnattr_init: { parameters: ["buffer"], result: "i32" },
  posix_spawnattr_destroy: { parameters: ["buffer"], result: "i32" },
  // int posix_spawnattr_setflags(posix_spawnattr_t *, short)
  posix_spawnattr_setflags: { parameters: ["buffer", "i16"], result: "i32" },
  posix_spawnattr_setpgroup: { parameters: ["buffer", "i32"], result: "i32" },
  posix_spawnattr_setsigdefault: { parameters: ["buffer", "buffer"], result: "i32" },
  posix_spawnattr_setsigmask: { parameters: ["buffer", "buffer"], result: "i32" },
  sigemptyset: { parameters: ["buffer"], result: "i32" },
  sigaddset: { parameters: ["buffer", "i32"], result: "i32" },
  // pid_t waitpid(pid_t, int *status, int options): blocks, so it runs off the event loop.
  waitpid: { parameters: ["i32", "buffer", "i32"], result: "i32", nonblocking: true },
  getpgrp: { parameters: [], result: "i32" },
  tcgetpgrp: { parameters: ["i32"], result: "i32" },
  tcsetpgrp: { parameters: ["i32", "i32"], result: "i32" },
  // void (*signal(int, void (*)(int)))(int)
  signal: { parameters: ["i32", "pointer"], result: "pointer" },
} as const;

export type Libc = Deno.DynamicLibrary<typeof LIBC_SYMBOLS>["symbols"];

export const POSIX_SPAWN_SETPGROUP = 0x02;
export const POSIX_SPAWN_SETSIGDEF = 0x04;
export const POSIX_SPAWN_SETSIGMASK = 0x08;
export const WUNTRACED = 2;
export const SIGPIPE = 13;
export const SIGTTOU = 22;
/** Bytes for an opaque posix_spawnattr_t (glibc 336, musl 336, macOS a pointer). */
export const SPAWNATTR_BYTES = 512;
/** Bytes for an opaque sigset_t (glibc 128, macOS 4). */
export const SIGSET_BYTES = 256;
/** SIG_IGN as a handler pointer (made on use: nothing runs at import time). */
export function sigIgn(): Deno.PointerValue {
  return Deno.UnsafePointer.create(1n);
}

let loaded: Libc | null | undefined;

/** The C library's process calls, or undefined where they cannot be loaded (Windows, no FFI). */
export function loadLibc(): Libc | undefined {
  if (loaded !== undefined) return loaded ?? undefined;
  loaded = null;
  const os = Deno.build.os;
  const paths = os === "darwin"
    ? ["/usr/lib/libSystem.B.dylib"]
    : os === "linux"
    ? ["libc.so.6", "libc.so"]
    : os === "windows"
    ? []
    : ["libc.so"];
  for (const path of paths) {
    try {
      loaded = Deno.dlopen(path, LIBC_SYMBOLS).symbols;
      break;
    } catch {
      // Not this name (musl has no libc.so.6), or FFI not permitted: try the next, then give up.
    }
  }
  return loaded ?? undefined;
}

/**
 * A NULL-terminated `char *[]` of `strings`. The C strings are returned too: they must stay
 * referenced for as long as the array is used.
 */
export function cStringArray(
  strings: string[],
): { array: BigUint64Array<ArrayBuffer>; keep: Uint8Array[] } {
  const keep = strings.map(cString);
  const array = new BigUint64Array(keep.length + 1);
  keep.forEach((s, i) => array[i] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(s))));
  return { array, keep };
}

/** waitpid status decoding (the W* macros, identical on Linux and macOS). */
export function decodeWaitStatus(
  status: number,
): { exited: number } | { signaled: number } | { stopped: number } {
  const low = status & 0x7f;
  if (low === 0) return { exited: (status >> 8) & 0xff };
  if ((status & 0xff) === 0x7f) return { stopped: (status >> 8) & 0xff };
  return { signaled: low };
}
