import { assertEquals } from "../../tests/assert.ts";
import { windowsTest } from "../../tests/platform.ts";
import { CREDUI_FLAGS_ALWAYS_SHOW_UI } from "../../ffi/credui.ts";
import { callCredUi } from "./prompt_wincredui.ts";

/** Win32 ERROR_INVALID_FLAGS. */
const ERROR_INVALID_FLAGS = 1004;

windowsTest("wincredui: the driver's call reaches credui.dll, which validates it", async () => {
  // ALWAYS_SHOW_UI without GENERIC_CREDENTIALS is refused before any dialog (CredUI's
  // documentation), so this runs without a desktop; a wrong symbol table or argument order would
  // fail to load, crash, or come back with another code.
  const { rc, password } = await callCredUi(
    "Enter MFA code for arn:aws:iam::111111111111:mfa/me: ",
    "arn:aws:iam::111111111111:mfa/me",
    CREDUI_FLAGS_ALWAYS_SHOW_UI,
  );
  assertEquals(rc, ERROR_INVALID_FLAGS);
  assertEquals(password, "");
});
