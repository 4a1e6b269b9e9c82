/**
 * Raw Deno FFI bindings of libkeyutils.so.1 (the Linux kernel key retention service, keyutils(7))
 * and of glibc's `__errno_location`, which tells why a call failed. No policy lives here:
 * keystore/keyctl.ts decides what to call. Nothing is loaded at import time.
 *
 * Every call is synchronous, on the JavaScript thread: the kernel answers at once, and errno is
 * per thread, so it must be read on the thread that made the call, before anything else runs.
 * Signatures are those of keyctl(3) and add_key(2) (key_serial_t = int32_t).
 */

const KEYUTILS_SYMBOLS = {
  // key_serial_t add_key(const char *type, const char *description, const void *payload,
  //   size_t plen, key_serial_t keyring)
  add_key: { parameters: ["buffer", "buffer", "buffer", "usize", "i32"], result: "i32" },
  // long keyctl_search(key_serial_t keyring, const char *type, const char *description,
  //   key_serial_t destination)
  keyctl_search: { parameters: ["i32", "buffer", "buffer", "i32"], result: "i64" },
  // long keyctl_read(key_serial_t key, char *buffer, size_t buflen): the full payload length
  keyctl_read: { parameters: ["i32", "buffer", "usize"], result: "i64" },
  // long keyctl_describe(key_serial_t key, char *buffer, size_t buflen): length with the NUL
  keyctl_describe: { parameters: ["i32", "buffer", "usize"], result: "i64" },
  // long keyctl_unlink(key_serial_t key, key_serial_t keyring)
  keyctl_unlink: { parameters: ["i32", "i32"], result: "i64" },
} as const;

const LIBC_SYMBOLS = {
  // int *__errno_location(void): the calling thread's errno (glibc and musl)
  __errno_location: { parameters: [], result: "pointer" },
} as const;

export const LIBKEYUTILS_SONAME = "libkeyutils.so.1";

/** Special keyring ids (keyctl(2), KEY_SPEC_*). */
export const KEY_SPEC_THREAD_KEYRING = -1;
export const KEY_SPEC_PROCESS_KEYRING = -2;
export const KEY_SPEC_SESSION_KEYRING = -3;
export const KEY_SPEC_USER_KEYRING = -4;
export const KEY_SPEC_USER_SESSION_KEYRING = -5;

/** errno values (asm-generic, the same on every Linux architecture Deno runs on). */
export const EPERM = 1;
export const EACCES = 13;
export const EINVAL = 22;
export const EDQUOT = 122;
export const ENOKEY = 126;
export const EKEYEXPIRED = 127;
export const EKEYREVOKED = 128;

export type Keyutils = Deno.DynamicLibrary<typeof KEYUTILS_SYMBOLS>["symbols"];

export interface KeyutilsLibrary {
  keyutils: Keyutils;
  /** errno of the last failed call on this thread; read it right after the call. */
  errno(): number;
}

let loaded: KeyutilsLibrary | undefined;

/** Opens libkeyutils and libc once per process; throws the dlopen error when it is missing. */
export function loadKeyutils(): KeyutilsLibrary {
  if (loaded) return loaded;
  const keyutils = Deno.dlopen(LIBKEYUTILS_SONAME, KEYUTILS_SYMBOLS).symbols;
  const libc = Deno.dlopen("libc.so.6", LIBC_SYMBOLS).symbols;
  loaded = {
    keyutils,
    // Asked on every read: the address is that of the calling thread's errno.
    errno: () => new Deno.UnsafePointerView(libc.__errno_location()!).getInt32(),
  };
  return loaded;
}
