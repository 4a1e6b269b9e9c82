/**
 * The `wincredui` prompt driver (Windows): the system credentials dialog, as aws-vault shows it
 * (caption `Enter MFA code for aws-vault`, target `aws-vault`, the user name pre-filled with the
 * serial without `arn:aws:iam::` and `:mfa`); the code is typed into the password field.
 */
import { UserError } from "../../lib/errors.ts";
import { importAtRunTime } from "../../lib/lazy_import.ts";
import { decodeUtf16z, utf16z } from "../../ffi/utf16.ts";

export async function promptWincredui(message: string, mfaSerial: string): Promise<string> {
  const ffi = await importAtRunTime<typeof import("../../ffi/credui.ts")>("ffi/credui.ts");
  const { rc, password } = await callCredUi(
    message,
    mfaSerial,
    ffi.CREDUI_FLAGS_ALWAYS_SHOW_UI | ffi.CREDUI_FLAGS_GENERIC_CREDENTIALS |
      ffi.CREDUI_FLAGS_KEEP_USERNAME,
  );
  if (rc !== 0) throw new UserError("wincredui: call to CredUIPromptForCredentialsW failed");
  return password;
}

/**
 * One CredUIPromptForCredentialsW call as the driver makes it, with `flags`; returns its result
 * code and the password field. Separate so that a test can pass flags Windows refuses before any
 * dialog shows, and so check the whole call path without a desktop.
 */
export async function callCredUi(
  message: string,
  mfaSerial: string,
  flags: number,
): Promise<{ rc: number; password: string }> {
  const ffi = await importAtRunTime<typeof import("../../ffi/credui.ts")>("ffi/credui.ts");
  const credui = ffi.loadCredUi();
  const messageText = utf16z(message);
  const caption = utf16z("Enter MFA code for aws-vault");
  const info = ffi.credUiInfo(messageText, caption);
  const userName = utf16z(
    mfaSerial.replace("arn:aws:iam::", "").replace(":mfa", ""),
    ffi.CREDUI_MAX_USERNAME_LENGTH,
  );
  const password = utf16z("", ffi.CREDUI_MAX_PASSWORD_LENGTH);
  const save = new Uint8Array(4);
  const rc = await credui.CredUIPromptForCredentialsW(
    info,
    utf16z("aws-vault"),
    null,
    0,
    userName,
    ffi.CREDUI_MAX_USERNAME_LENGTH,
    password,
    ffi.CREDUI_MAX_PASSWORD_LENGTH,
    save,
    flags,
  );
  // Keep the strings referenced by `info` alive until the call has returned.
  void messageText;
  void caption;
  const code = decodeUtf16z(password);
  password.fill(0);
  return { rc, password: code };
}
