/**
 * The CLI end to end on Windows (natively or under Wine, scripts/windows_lane.ts), on the wincred
 * and file backends: add, list, export in every format, exec with a command (found through
 * PATHEXT, arguments quoted for Windows, full 32-bit exit codes) and as a subshell (%COMSPEC%),
 * remove, and the config found at %USERPROFILE%\.aws\config when HOME is unset.
 */
import { assert, assertEquals, assertStringIncludes } from "./assert.ts";
import { type CliResult, runCli, tempHome } from "./run_cli.ts";
import { windowsTest } from "./platform.ts";

const KEY_ID = "AKIAWINDOWSEXAMPLE01";
const SECRET = "WindowsSecret/Example+Key0123456789abcdef";

interface Backend {
  name: string;
  env: (home: string) => Record<string, string>;
}

const BACKENDS: Backend[] = [
  { name: "wincred", env: () => ({ AWS_VAULT_BACKEND: "wincred" }) },
  {
    name: "file",
    env: (home) => ({
      AWS_VAULT_BACKEND: "file",
      AWS_VAULT_FILE_DIR: `${home}\\keys`,
      AWS_VAULT_FILE_PASSPHRASE: "windows passphrase",
    }),
  },
];

/** The CLI with HOME and AWS_CONFIG_FILE unset: aws-vault finds its files from %USERPROFILE%. */
function cli(home: string, backend: Backend, args: string[], extra: Record<string, string> = {}) {
  return runCli(args, {
    home,
    env: { USERPROFILE: home, ...backend.env(home), ...extra },
    unset: ["HOME", "AWS_CONFIG_FILE"],
  });
}

function ok(r: CliResult, what: string): string {
  assertEquals(r.code, 0, `${what} failed: ${r.stderr}`);
  return r.stdout;
}

for (const backend of BACKENDS) {
  windowsTest(`windows cli on ${backend.name}: add, list, export, exec, remove`, async () => {
    const { home, cleanup } = await tempHome();
    // wincred is the machine's real Credential Manager: a profile name no user has.
    const profile = `aws-vault-test-${crypto.randomUUID().slice(0, 8)}`;
    try {
      await Deno.writeTextFile(
        `${home}\\.aws\\config`,
        `[profile ${profile}]\r\nregion = eu-west-1\r\n`,
      );
      ok(
        await cli(home, backend, ["add", "--env", profile], {
          AWS_ACCESS_KEY_ID: KEY_ID,
          AWS_SECRET_ACCESS_KEY: SECRET,
        }),
        "add",
      );

      const list = ok(await cli(home, backend, ["list"]), "list");
      assert(
        list.split("\n").some((l) => l.startsWith(profile) && l.includes(profile, profile.length)),
        `list does not show ${profile} with credentials:\n${list}`,
      );
      assertEquals(ok(await cli(home, backend, ["list", "--credentials"]), "list").trim(), profile);

      const json = ok(await cli(home, backend, ["export", "-n", "--format=json", profile]), "json");
      assertEquals(JSON.parse(json), { Version: 1, AccessKeyId: KEY_ID, SecretAccessKey: SECRET });
      const env = ok(await cli(home, backend, ["export", "-n", "--format=env", profile]), "env");
      assertStringIncludes(env, `AWS_SECRET_ACCESS_KEY=${SECRET}\n`);
      assertStringIncludes(env, "AWS_REGION=eu-west-1\n");
      const exportEnv = ok(
        await cli(home, backend, ["export", "-n", "--format=export-env", profile]),
        "export-env",
      );
      assertStringIncludes(exportEnv, `export AWS_ACCESS_KEY_ID=${KEY_ID}\n`);
      const ini = ok(await cli(home, backend, ["export", "-n", "--format=ini", profile]), "ini");
      assertStringIncludes(ini, `[${profile}]\n`);
      assertStringIncludes(ini, `aws_secret_access_key=${SECRET}\n`);

      await checkExec(home, backend, profile);

      const removed = ok(await cli(home, backend, ["remove", "-f", profile]), "remove");
      assertEquals(removed, "Deleted credentials.\n");
      assertEquals(ok(await cli(home, backend, ["list", "--credentials"]), "list").trim(), "");
      const gone = await cli(home, backend, ["export", "-n", profile]);
      assertEquals(gone.code, 1);
    } finally {
      if (backend.name === "wincred") {
        await cli(home, backend, ["remove", "-f", profile]).catch(() => {});
      }
      await cleanup();
    }
  });
}

async function checkExec(home: string, backend: Backend, profile: string): Promise<void> {
  const exec = (command: string[], extra: Record<string, string> = {}) =>
    cli(home, backend, ["exec", "-n", profile, "--", ...command], extra);
  // A .cmd found through PATH and PATHEXT, its arguments and exit code passed through.
  const bin = `${home}\\bin`;
  await Deno.mkdir(bin);
  await Deno.writeTextFile(
    `${bin}\\show-vault.cmd`,
    "@echo off\r\necho vault=%AWS_VAULT% key=%AWS_ACCESS_KEY_ID% arg=%~1\r\nexit /b 5\r\n",
  );
  const path = `${bin};${Deno.env.get("PATH")}`;
  const viaCmd = await cli(
    home,
    backend,
    ["exec", "-n", profile, "--", "show-vault", "two words"],
    {
      PATH: path,
    },
  );
  assertEquals(viaCmd.stderr, "");
  assertEquals(viaCmd.stdout.trim(), `vault=${profile} key=${KEY_ID} arg=two words`);
  assertEquals(viaCmd.code, 5);

  // Arguments with spaces, quotes and backslashes arrive as they were given.
  const awkward = ['a "quoted" word', "trailing\\", "C:\\Program Files\\x", "", "%PATH%"];
  const echo = await exec([
    Deno.execPath(),
    "eval",
    "console.log(JSON.stringify(Deno.args))",
    ...awkward,
  ]);
  assertEquals(JSON.parse(ok(echo, "exec deno eval")), awkward);

  // Full 32-bit exit codes: an NTSTATUS (STATUS_ACCESS_VIOLATION) and a code over 255.
  for (const code of [-1073741819, 300]) {
    const r = await exec([Deno.execPath(), "eval", `Deno.exit(${code})`]);
    assertEquals(r.code, code, r.stderr);
  }

  const missing = await exec(["no-such-command-xyz"]);
  assertEquals(
    missing.stderr,
    'aws-vault: error: exec: exec: "no-such-command-xyz": executable file not found in %PATH%\n',
  );
  assertEquals(missing.code, 1);

  // No command and no SHELL: a subshell of %COMSPEC%, reading its commands from stdin.
  const subshell = await runCli(["exec", "-n", profile], {
    home,
    env: { USERPROFILE: home, ...backend.env(home) },
    unset: ["HOME", "AWS_CONFIG_FILE", "SHELL"],
    // One line: Wine's cmd.exe loses the code of an `exit` on a later line of piped input.
    stdin: "echo subshell vault=%AWS_VAULT% & exit 3\r\n",
  });
  assertStringIncludes(subshell.stdout, `subshell vault=${profile}`);
  assertEquals(subshell.code, 3, subshell.stderr);
}
