/** MFA code sources and prompt drivers (aws-vault's vault/mfa.go and prompt/). */
import {
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../../tests/assert.ts";
import { UsageError, UserError } from "../../lib/errors.ts";
import { forbidMfaPrompts, getMfaToken, resetMfaState } from "./mfa.ts";
import {
  defaultPromptDriver,
  osascriptProgram,
  promptWithDriver,
  ykmanArgs,
} from "./prompt_drivers.ts";
import {
  availablePromptDrivers,
  PASS_REMOVED_MESSAGE,
  validatePromptDriver,
} from "./prompt_choice.ts";
import { posixTest } from "../../tests/platform.ts";

const SERIAL = "arn:aws:iam::111111111111:mfa/jonsmith";

/** A PATH holding fake GUI drivers (shell scripts) that print `code`. */
async function fakeDriverPath(
  drivers: string[],
  code: string,
): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "prompt-drivers-" });
  for (const d of drivers) {
    await Deno.writeTextFile(
      `${dir}/${d}`,
      `#!/bin/sh\necho "$@" > "${dir}/${d}.args"\necho "  ${code}  "\n`,
      {
        mode: 0o755,
      },
    );
  }
  return { path: dir, cleanup: () => Deno.remove(dir, { recursive: true }) };
}

Deno.test("mfa: --mfa-token wins over mfa_process and prompts", async () => {
  resetMfaState();
  assertEquals(
    await getMfaToken(SERIAL, {
      mfaToken: "111111",
      mfaProcess: "echo 222222",
      mfaPromptMethod: "bogus",
    }),
    "111111",
  );
});

posixTest(
  "sh syntax in mfa_process",
  "mfa: mfa_process output is trimmed; a failure says 'process provider'",
  async () => {
    resetMfaState();
    assertEquals(
      await getMfaToken(SERIAL, {
        mfaToken: "",
        mfaProcess: "printf ' 333333\\n'",
        mfaPromptMethod: "",
      }),
      "333333",
    );
    await assertRejects(
      () => getMfaToken(SERIAL, { mfaToken: "", mfaProcess: "exit 3", mfaPromptMethod: "" }),
      UserError,
      "process provider: exit status 3",
    );
  },
);

Deno.test("mfa: forbidMfaPrompts stops prompts but not --mfa-token or mfa_process", async () => {
  resetMfaState();
  forbidMfaPrompts("MFA prompts are not possible once the command runs");
  try {
    await assertRejects(
      () => getMfaToken(SERIAL, { mfaToken: "", mfaProcess: "", mfaPromptMethod: "terminal" }),
      UserError,
      "MFA prompts are not possible once the command runs",
    );
    assertEquals(
      await getMfaToken(SERIAL, { mfaToken: "444444", mfaProcess: "", mfaPromptMethod: "" }),
      "444444",
    );
  } finally {
    resetMfaState();
  }
});

posixTest(
  "sh scripts as fake drivers",
  "prompt drivers: PATH decides what is available; the list is sorted",
  async () => {
    const fake = await fakeDriverPath(["zenity", "kdialog"], "555555");
    try {
      const env = (n: string) => (n === "PATH" ? fake.path : undefined);
      assertEquals(availablePromptDrivers(env), ["kdialog", "terminal", "zenity"]);
      assertEquals(availablePromptDrivers(() => ""), ["terminal"]);
      validatePromptDriver("zenity", env);
      validatePromptDriver("", env);
      assertThrows(
        () => validatePromptDriver("osascript", env),
        UsageError,
        "--prompt value must be one of kdialog,terminal,zenity, got 'osascript'",
      );
      assertThrows(() => validatePromptDriver("pass", env), UserError, PASS_REMOVED_MESSAGE);
      // Auto-selection: terminal on a terminal; else the first GUI driver alphabetically.
      assertEquals(
        defaultPromptDriver({ serverMode: false, stdoutIsTerminal: true, env }),
        "terminal",
      );
      assertEquals(
        defaultPromptDriver({ serverMode: true, stdoutIsTerminal: true, env }),
        "kdialog",
      );
      assertEquals(
        defaultPromptDriver({ serverMode: false, stdoutIsTerminal: false, env }),
        "kdialog",
      );
      assertEquals(
        defaultPromptDriver({ serverMode: true, stdoutIsTerminal: false, env: () => "" }),
        "terminal",
      );
    } finally {
      await fake.cleanup();
    }
  },
);

posixTest(
  "sh scripts as fake drivers",
  "prompt drivers: zenity and kdialog are run with aws-vault's arguments",
  async () => {
    const fake = await fakeDriverPath(["zenity", "kdialog"], "666666");
    const env = (n: string) => (n === "PATH" ? fake.path : undefined);
    try {
      assertEquals(await promptWithDriver("zenity", SERIAL, env), "666666");
      assertEquals(
        (await Deno.readTextFile(`${fake.path}/zenity.args`)).trim(),
        `--entry --title aws-vault --text Enter MFA code for ${SERIAL}:`,
      );
      assertEquals(await promptWithDriver("kdialog", SERIAL, env), "666666");
      assertEquals(
        (await Deno.readTextFile(`${fake.path}/kdialog.args`)).trim(),
        `--inputbox Enter MFA code for ${SERIAL}:  --title aws-vault`,
      );
    } finally {
      await fake.cleanup();
    }
  },
);

Deno.test("prompt drivers: ykman arguments follow the YKMAN_* variables", () => {
  const env = (vars: Record<string, string>) => (n: string) => vars[n];
  assertEquals(ykmanArgs(SERIAL, env({})), ["oath", "accounts", "code", "--single", SERIAL]);
  assertEquals(
    ykmanArgs(
      SERIAL,
      env({
        YKMAN_OATH_DEVICE_SERIAL: "123",
        YKMAN_OATH_CREDENTIAL_NAME: "aws",
        AWS_VAULT_YKMAN_VERSION: "3",
      }),
    ),
    ["--device", "123", "oath", "code", "--single", "aws"],
  );
});

Deno.test("prompt drivers: the osascript program quotes the message", () => {
  assertStringIncludes(
    osascriptProgram('Enter MFA code for "x": '),
    'display dialog "Enter MFA code for \\"x\\": " default answer "" buttons {"OK", "Cancel"} default button 1',
  );
});
