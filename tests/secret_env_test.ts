/**
 * No child of ours inherits AWS_VAULT_FILE_PASSPHRASE (issue 10): not the `exec` child, not a
 * `credential_process` helper. Each child reports whether the variable is set in its environment.
 */
import { assertEquals } from "./assert.ts";
import { runCli } from "./run_cli.ts";
import { fixtureHome } from "./fixture_home.ts";
import { posixTest } from "./platform.ts";

/** Prints `set` or `unset` for AWS_VAULT_FILE_PASSPHRASE in the child's own environment. */
const REPORT = 'if [ -n "${AWS_VAULT_FILE_PASSPHRASE+x}" ]; then echo set; else echo unset; fi';

posixTest(
  "sh scripts as children",
  "the exec child does not inherit AWS_VAULT_FILE_PASSPHRASE",
  async () => {
    const f = await fixtureHome();
    try {
      const r = await runCli(["exec", "--no-session", "team/dev", "--", "sh", "-c", REPORT], {
        home: f.home,
        env: f.env,
      });
      assertEquals([r.code, r.stdout, r.stderr], [0, "unset\n", ""]);
    } finally {
      await f.cleanup();
    }
  },
);

posixTest(
  "sh scripts as children",
  "a credential_process helper does not inherit AWS_VAULT_FILE_PASSPHRASE",
  async () => {
    const f = await fixtureHome();
    try {
      const helper = `${f.home}/helper.sh`;
      await Deno.writeTextFile(
        helper,
        `#!/bin/sh\nstate=$(${REPORT})\n` +
          `printf '{"Version":1,"AccessKeyId":"AKIA%s","SecretAccessKey":"s"}' "$state"\n`,
        { mode: 0o755 },
      );
      await Deno.writeTextFile(
        `${f.home}/.aws/config`,
        `[profile helper]\nregion=us-east-1\ncredential_process = ${helper}\n`,
      );
      const r = await runCli(["export", "--format=env", "helper"], { home: f.home, env: f.env });
      assertEquals(r.stderr, "");
      assertEquals(r.stdout.split("\n")[0], "AWS_ACCESS_KEY_ID=AKIAunset");
    } finally {
      await f.cleanup();
    }
  },
);
