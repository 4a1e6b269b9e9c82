/**
 * Raw bindings to kernel32.dll (Windows only): the last-error code that every Win32 call reports
 * through, and the console calls a no-echo prompt needs (a handle on `CONIN$`, its input mode).
 * No policy lives here: lib/tty.ts decides when echo goes off and comes back.
 */
import { utf16z } from "./utf16.ts";

export const KERNEL32_SYMBOLS = {
  /** DWORD GetLastError(void); called right after a failed call, before anything else. */
  GetLastError: { parameters: [], result: "u32" },
  /**
   * HANDLE CreateFileW(LPCWSTR name, DWORD access, DWORD share, LPSECURITY_ATTRIBUTES sa,
   *   DWORD creation, DWORD flags, HANDLE template)
   */
  CreateFileW: {
    parameters: ["buffer", "u32", "u32", "pointer", "u32", "u32", "pointer"],
    result: "pointer",
  },
  /** BOOL GetConsoleMode(HANDLE console, LPDWORD mode) */
  GetConsoleMode: { parameters: ["pointer", "buffer"], result: "i32" },
  /** BOOL SetConsoleMode(HANDLE console, DWORD mode) */
  SetConsoleMode: { parameters: ["pointer", "u32"], result: "i32" },
  /** BOOL CloseHandle(HANDLE object) */
  CloseHandle: { parameters: ["pointer"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

export type Kernel32 = Deno.DynamicLibrary<typeof KERNEL32_SYMBOLS>["symbols"];

export const GENERIC_READ = 0x80000000;
export const GENERIC_WRITE = 0x40000000;
export const FILE_SHARE_READ = 0x1;
export const FILE_SHARE_WRITE = 0x2;
export const OPEN_EXISTING = 3;
/** Console input mode bit: characters typed are echoed (in line input mode). */
export const ENABLE_ECHO_INPUT = 0x4;
/** (HANDLE)-1, what CreateFileW returns on failure. */
export const INVALID_HANDLE_VALUE = 0xffff_ffff_ffff_ffffn;

let loaded: Kernel32 | undefined;

/** Loads kernel32.dll once per process (Windows only). */
export function openKernel32(): Kernel32 {
  loaded ??= Deno.dlopen("kernel32.dll", KERNEL32_SYMBOLS).symbols;
  return loaded;
}

/** A Win32 handle as an address: 0n for NULL (INVALID_HANDLE_VALUE is all ones). */
export function handleValue(handle: Deno.PointerValue): bigint {
  return handle === null ? 0n : BigInt(Deno.UnsafePointer.value(handle));
}

/**
 * A read/write handle on the console input buffer (`CONIN$`, whatever stdin is), or null when
 * there is no console. Close it with CloseHandle.
 */
export function openConsoleInput(api: Kernel32): Deno.PointerValue {
  const handle = api.CreateFileW(
    utf16z("CONIN$"),
    (GENERIC_READ | GENERIC_WRITE) >>> 0,
    FILE_SHARE_READ | FILE_SHARE_WRITE,
    null,
    OPEN_EXISTING,
    0,
    null,
  );
  const value = handleValue(handle);
  return value === 0n || value === INVALID_HANDLE_VALUE ? null : handle;
}
