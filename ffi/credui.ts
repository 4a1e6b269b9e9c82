/**
 * Raw Deno FFI binding of `CredUIPromptForCredentialsW` (credui.dll, Windows only). No policy:
 * sts/mfa/prompt_wincredui.ts decides what to show; its strings are ffi/utf16.ts buffers. Nothing
 * is loaded at import time.
 */

const SYMBOLS = {
  // DWORD CredUIPromptForCredentialsW(PCREDUI_INFOW, PCWSTR target, PCtxtHandle reserved,
  //   DWORD authError, PWSTR user, ULONG userLen, PWSTR password, ULONG passwordLen,
  //   BOOL *save, DWORD flags)
  CredUIPromptForCredentialsW: {
    parameters: [
      "buffer",
      "buffer",
      "pointer",
      "u32",
      "buffer",
      "u32",
      "buffer",
      "u32",
      "buffer",
      "u32",
    ],
    result: "u32",
    nonblocking: true,
  },
} as const;

export type CredUi = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let library: Deno.DynamicLibrary<typeof SYMBOLS> | undefined;

/** Opens credui.dll on first use. */
export function loadCredUi(): CredUi {
  library ??= Deno.dlopen("credui.dll", SYMBOLS);
  return library.symbols;
}

export const CREDUI_FLAGS_ALWAYS_SHOW_UI = 0x80;
export const CREDUI_FLAGS_GENERIC_CREDENTIALS = 0x40000;
export const CREDUI_FLAGS_KEEP_USERNAME = 0x100000;
export const CREDUI_MAX_USERNAME_LENGTH = 513;
export const CREDUI_MAX_PASSWORD_LENGTH = 256;
export const ERROR_CANCELLED = 1223;

/**
 * A CREDUI_INFOW (x64 layout: cbSize, padding, hwndParent, pszMessageText, pszCaptionText,
 * hbmBanner; 40 bytes) pointing at the given wide strings, which must stay alive during the call.
 */
export function credUiInfo(
  message: Uint8Array<ArrayBuffer>,
  caption: Uint8Array<ArrayBuffer>,
): Uint8Array<ArrayBuffer> {
  const buf = new Uint8Array(new ArrayBuffer(40));
  const view = new DataView(buf.buffer);
  view.setUint32(0, 40, true);
  view.setBigUint64(16, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(message))), true);
  view.setBigUint64(24, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(caption))), true);
  return buf;
}
