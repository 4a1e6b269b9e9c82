/**
 * Issue 10, hostile inputs that are not files: secrets that are not valid UTF-8 never appear in an
 * error, `export` with stdout closed fails, regions and credentials with control characters never
 * reach an HTTP header, and a 100 KB profile name is not echoed whole.
 */
import { assert, assertEquals, assertNotIncludes, assertStringIncludes } from "./assert.ts";
import { type CliResult, runCli, withFileStoreHome } from "./run_cli.ts";
import { openTestFileStore } from "./file_store.ts";
import { errorMessage, presentableMessage, withoutDenoErrorText } from "../lib/errors.ts";
import { masterCredentialsItem } from "../keystore/credential_items.ts";
import { posixTest } from "./platform.ts";

const PASSPHRASE = "hostile-input-test";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

function withHome(fn: (home: string, env: Record<string, string>) => Promise<void>) {
  return withFileStoreHome(PASSPHRASE, (h) => fn(h.home, h.env), {
    AWS_VAULT_BACKEND: "file",
    // Nothing listens there: no request may leave this machine whatever happens.
    AWS_ENDPOINT_URL: "http://127.0.0.1:9",
  });
}

async function storeKeys(home: string, profile: string, accessKeyId: string) {
  const store = await openTestFileStore(`${home}/keys`, PASSPHRASE);
  await store.set(
    masterCredentialsItem(profile, { accessKeyId, secretAccessKey: SECRET, sessionToken: "" }),
  );
}

/**
 * Runs the CLI through `sh`, which can give a variable bytes that are not UTF-8 (Deno.Command
 * cannot) or close stdout. `shellPrefix` goes before the command, e.g. `X="$(printf 'a\\377')"`.
 */
function runThroughShell(
  home: string,
  env: Record<string, string>,
  shellPrefix: string,
  args: string[],
  redirect = "",
): Promise<CliResult> {
  const script = `${shellPrefix} exec "$0" "$@" ${redirect}`;
  return runCli(args, { home, env, wrap: ["sh", "-c", script] });
}

posixTest(
  "sh",
  "a secret that is not valid UTF-8 is named in the error, never quoted",
  async () => {
    await withHome(async (home, env) => {
      const added = await runThroughShell(
        home,
        env,
        `AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY="$(printf 'TOPSECRET\\377')"`,
        ["add", "--env", "p"],
      );
      assertEquals(added.code, 1);
      assertStringIncludes(
        added.stderr,
        "environment variable AWS_SECRET_ACCESS_KEY is not valid UTF-8 (its value is not shown)",
      );
      assertNotIncludes(added.stderr, "TOPSECRET");

      await storeKeys(home, "p", "AKIAIOSFODNN7EXAMPLE");
      const exported = await runThroughShell(
        home,
        env,
        `AWS_VAULT_FILE_PASSPHRASE="$(printf 'TOPSECRET\\377')"`,
        ["export", "--no-session", "p"],
      );
      assertEquals(exported.code, 1);
      assertStringIncludes(
        exported.stderr,
        "environment variable AWS_VAULT_FILE_PASSPHRASE is not valid UTF-8 (its value is not shown)",
      );
      assertNotIncludes(exported.stderr, "TOPSECRET");
    });
  },
);

posixTest("sh", "export with stdout closed fails instead of printing to nowhere", async () => {
  await withHome(async (home, env) => {
    await storeKeys(home, "p", "AKIAIOSFODNN7EXAMPLE");
    const closed = await runThroughShell(home, env, "", ["export", "--no-session", "p"], ">&-");
    assertEquals(closed.code, 1);
    assertStringIncludes(closed.stderr, "export: stdout is closed");
    // A redirect to /dev/null is the user's choice and still succeeds.
    const discarded = await runThroughShell(
      home,
      env,
      "",
      ["export", "--no-session", "p"],
      ">/dev/null",
    );
    assertEquals(discarded.code, 0, discarded.stderr);
  });
});

Deno.test("a region with a control character is refused, naming the profile and the key", async () => {
  await withHome(async (home, env) => {
    await storeKeys(home, "p", "AKIAIOSFODNN7EXAMPLE");
    await Deno.writeTextFile(
      `${home}/.aws/config`,
      "[profile p]\nregion = us-east-1\x01x\n[profile s]\nsso_region = eu west\n" +
        "sso_start_url = https://s/start\nsso_account_id = 111122223333\nsso_role_name = r\n",
    );
    const r = await runCli(["export", "p"], { home, env });
    assertEquals(r.code, 1);
    assertStringIncludes(
      r.stderr,
      'profile p: region "us-east-1\\u0001x" is not a valid region name',
    );
    const flag = await runCli(["export", "--region", "us-east-1\r\nX-Injected: 1", "p"], {
      home,
      env,
    });
    assertEquals(flag.code, 1);
    assertStringIncludes(flag.stderr, 'profile p: region "us-east-1\\r\\nX-Injected: 1" is not');
    const sso = await runCli(["export", "s"], { home, env });
    assertEquals(sso.code, 1);
    assertStringIncludes(sso.stderr, 'profile s: sso_region "eu west" is not a valid region name');
  });
});

Deno.test("stored credentials with a control character never reach a header or an error", async () => {
  await withHome(async (home, env) => {
    await storeKeys(home, "p", "AKIA\nTOPSECRETPART");
    await Deno.writeTextFile(`${home}/.aws/config`, "[profile p]\nregion = us-east-1\n");
    const r = await runCli(["export", "p"], { home, env });
    assertEquals(r.code, 1);
    assertStringIncludes(r.stderr, "the access key id contains a control character");
    assertNotIncludes(r.stderr, "TOPSECRETPART");
  });
});

posixTest(
  "command lines over 32 KiB",
  "a 100 KB profile name is shortened in the error",
  async () => {
    await withHome(async (home, env) => {
      const name = "p".repeat(100_000);
      const r = await runCli(["export", name], { home, env });
      assertEquals(r.code, 1);
      assert(r.stderr.length < 1000, `${r.stderr.length} characters`);
      assertStringIncludes(r.stderr, "(100000 characters) not found in");
    });
  },
);

Deno.test("error text rewriting is linear in the message length", () => {
  const message = `profile ${"p".repeat(100_000)} not found`;
  const started = performance.now();
  assertEquals(errorMessage(new Error(message)), message);
  assertEquals(
    presentableMessage(message, ["p".repeat(100_000)]),
    `profile ${"p".repeat(62)}...${"p".repeat(62)} (100000 characters) not found`,
  );
  // Before: about 3 s of CPU (the OS-error pattern retried from every letter).
  assert(performance.now() - started < 500, `${performance.now() - started} ms`);
});

Deno.test("--debug lines never quote a variable that is not valid UTF-8 either", () => {
  const message = 'environment variable was not valid unicode: "TOPSECRET\\xFF"';
  // lib/log.ts writes every debug line through this rewrite, as cmd/app.ts does errors.
  const shown = withoutDenoErrorText(`Cannot use the lock directory (${message})`);
  assertNotIncludes(shown, "TOPSECRET");
  assertStringIncludes(shown, "is not valid UTF-8 (its value is not shown)");
});
