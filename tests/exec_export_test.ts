/**
 * `exec` and `export` through the CLI, on a copy of the file store written by aws-vault v7.2.0.
 * Session tests run against the fake STS/IAM server (tests/fake_aws/).
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotIncludes,
  assertStringIncludes,
} from "./assert.ts";
import { execUntilSigterm, runCli } from "./run_cli.ts";
import { fixtureHome } from "./fixture_home.ts";
import { startFakeAws } from "./fake_aws/server.ts";
import { fakeAwsHome } from "./fake_aws/home.ts";
import { ON_WINDOWS, posixTest } from "./platform.ts";

const TEAM_DEV_KEY = "AKIAFIXTURETEAMDEV01";
const TEAM_DEV_SECRET = "fixtureSecretTeamDev/01+abcdefghijklmnopq";

/** A child that prints its environment as `env` does, on every OS. */
const PRINT_ENV = [
  Deno.execPath(),
  "eval",
  "for (const [k, v] of Object.entries(Deno.env.toObject())) console.log(`${k}=${v}`)",
];

function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

Deno.test("export --no-session prints the fixture's master keys in all four formats", async () => {
  const f = await fixtureHome();
  try {
    const expected: Record<string, string> = {
      env: `AWS_ACCESS_KEY_ID=${TEAM_DEV_KEY}\nAWS_SECRET_ACCESS_KEY=${TEAM_DEV_SECRET}\n` +
        "AWS_REGION=eu-west-1\nAWS_DEFAULT_REGION=eu-west-1\n",
      "export-env": `export AWS_ACCESS_KEY_ID=${TEAM_DEV_KEY}\n` +
        `export AWS_SECRET_ACCESS_KEY=${TEAM_DEV_SECRET}\n` +
        "export AWS_REGION=eu-west-1\nexport AWS_DEFAULT_REGION=eu-west-1\n",
      json: `{\n  "Version": 1,\n  "AccessKeyId": "${TEAM_DEV_KEY}",\n` +
        `  "SecretAccessKey": "${TEAM_DEV_SECRET}"\n}\n`,
      ini: `[team/dev]\naws_access_key_id=${TEAM_DEV_KEY}\n` +
        `aws_secret_access_key=${TEAM_DEV_SECRET}\nregion=eu-west-1\n`,
    };
    for (const [format, output] of Object.entries(expected)) {
      const r = await runCli(["export", "--no-session", `--format=${format}`, "team/dev"], {
        home: f.home,
        env: f.env,
      });
      assertEquals(r.stderr, "", format);
      assertEquals(r.stdout, output, format);
      assertEquals(r.code, 0, format);
    }
    // The default format is env, and --region overrides the profile's region.
    const r = await runCli(["export", "-n", "--region", "ap-south-1", "team/dev"], {
      home: f.home,
      env: f.env,
    });
    assertEquals(
      r.stdout,
      `AWS_ACCESS_KEY_ID=${TEAM_DEV_KEY}\nAWS_SECRET_ACCESS_KEY=${TEAM_DEV_SECRET}\n` +
        "AWS_REGION=ap-south-1\nAWS_DEFAULT_REGION=ap-south-1\n",
    );
  } finally {
    await f.cleanup();
  }
});

Deno.test("export rejects an unknown format and refuses to run inside aws-vault", async () => {
  const f = await fixtureHome();
  try {
    const bad = await runCli(["export", "--format=yaml", "team/dev"], { home: f.home, env: f.env });
    assertEquals(bad.code, 1);
    assertStringIncludes(bad.stderr, "--format value must be one of env,export-env,json,ini");
    const nested = await runCli(["export", "-n", "team/dev"], {
      home: f.home,
      env: { ...f.env, AWS_VAULT: "alice" },
    });
    assertEquals(
      nested.stderr,
      "aws-vault: error: export: in an existing aws-vault subshell; " +
        "'exit' from the subshell or unset AWS_VAULT to force\n",
    );
    assertEquals(nested.stdout, "");
    assertEquals(nested.code, 1);
  } finally {
    await f.cleanup();
  }
});

Deno.test("exec --no-session sets and unsets the environment as aws-vault does", async () => {
  const f = await fixtureHome();
  try {
    const r = await runCli(["exec", "--no-session", "team/dev", "--", ...PRINT_ENV], {
      home: f.home,
      env: {
        ...f.env,
        AWS_ACCESS_KEY_ID: "AKIASTALE",
        AWS_SECRET_ACCESS_KEY: "stale",
        AWS_SESSION_TOKEN: "stale-token",
        AWS_SECURITY_TOKEN: "stale-security-token",
        AWS_CREDENTIAL_FILE: "/stale",
        AWS_DEFAULT_PROFILE: "stale",
        AWS_PROFILE: "stale",
        AWS_SDK_LOAD_CONFIG: "1",
        KEEP_ME: "kept",
      },
    });
    assertEquals(r.stderr, "");
    assertEquals(r.code, 0);
    const env = parseEnv(r.stdout);
    assertEquals(env.AWS_VAULT, "team/dev");
    assertEquals(env.AWS_ACCESS_KEY_ID, TEAM_DEV_KEY);
    assertEquals(env.AWS_SECRET_ACCESS_KEY, TEAM_DEV_SECRET);
    assertEquals(env.AWS_REGION, "eu-west-1");
    assertEquals(env.AWS_DEFAULT_REGION, "eu-west-1");
    assertEquals(env.KEEP_ME, "kept");
    assertEquals(env.AWS_CONFIG_FILE, `${f.home}/.aws/config`);
    for (
      const name of [
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_CREDENTIAL_FILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_PROFILE",
        "AWS_SDK_LOAD_CONFIG",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_SESSION_EXPIRATION",
      ]
    ) {
      assertEquals(env[name], undefined, name);
    }
  } finally {
    await f.cleanup();
  }
});

Deno.test("exec passes the child's exit code through and reports a missing command", async () => {
  const f = await fixtureHome();
  try {
    const r = await runCli([
      "exec",
      "-n",
      "team/dev",
      "--",
      Deno.execPath(),
      "eval",
      "Deno.exit(7)",
    ], {
      home: f.home,
      env: f.env,
    });
    assertEquals(r.code, 7);
    assertEquals(r.stderr, "");
    const missing = await runCli(["exec", "-n", "team/dev", "--", "no-such-command-xyz"], {
      home: f.home,
      env: f.env,
    });
    assertEquals(
      missing.stderr,
      'aws-vault: error: exec: exec: "no-such-command-xyz": executable file not found in ' +
        (ON_WINDOWS ? "%PATH%\n" : "$PATH\n"),
    );
    assertEquals(missing.code, 1);
  } finally {
    await f.cleanup();
  }
});

posixTest(
  "sh",
  "exec without `--`: the words from the command name on are the child's",
  async () => {
    const f = await fixtureHome();
    try {
      const script = 'printf "%s|" "$@"';
      const args = ["x", "--debug", "-n", "--help", "--", "--version"];
      const r = await runCli(["exec", "-n", "team/dev", "sh", "-c", script, ...args], {
        home: f.home,
        env: f.env,
      });
      assertEquals([r.code, r.stderr, r.stdout], [0, "", "--debug|-n|--help|--|--version|"]);
      // Flags between the profile and the command are still ours.
      const debug = await runCli(["exec", "team/dev", "--debug", "-n", "sh", "-c", "exit 3"], {
        home: f.home,
        env: f.env,
      });
      assertEquals(debug.code, 3);
      assertStringIncludes(debug.stderr, "aws-vault v");
    } finally {
      await f.cleanup();
    }
  },
);

Deno.test("exec refuses to nest and validates its flags before touching the store", async () => {
  const f = await fixtureHome();
  try {
    const nested = await runCli(["exec", "-n", "team/dev", "--", "true"], {
      home: f.home,
      env: { ...f.env, AWS_VAULT: "alice" },
    });
    assertEquals(
      nested.stderr,
      "aws-vault: error: exec: running in an existing aws-vault subshell; " +
        "'exit' from the subshell or unset AWS_VAULT to force\n",
    );
    assertEquals(nested.code, 1);
    // A wrong passphrase proves the store is not opened before validation fails.
    const invalid = await runCli(
      ["exec", "--ec2-server", "--ecs-server", "team/dev", "--", "true"],
      {
        home: f.home,
        env: { ...f.env, AWS_VAULT_FILE_PASSPHRASE: "wrong" },
      },
    );
    assertEquals(
      invalid.stderr,
      "aws-vault: error: exec: Can't use --ec2-server with --ecs-server\n",
    );
    assertEquals(invalid.code, 1);
    const noSession = await runCli(["exec", "-s", "-n", "team/dev", "--", "true"], {
      home: f.home,
      env: f.env,
    });
    assertEquals(
      noSession.stderr,
      "aws-vault: error: exec: Can't use --ecs-server with --no-session\n",
    );
  } finally {
    await f.cleanup();
  }
});

Deno.test("exec --json is export --format=json", async () => {
  const f = await fixtureHome();
  try {
    const r = await runCli(["exec", "--json", "-n", "team/dev"], { home: f.home, env: f.env });
    assertEquals(r.code, 0);
    assertEquals(JSON.parse(r.stdout), {
      Version: 1,
      AccessKeyId: TEAM_DEV_KEY,
      SecretAccessKey: TEAM_DEV_SECRET,
    });
  } finally {
    await f.cleanup();
  }
});

posixTest(
  "a #! script as SHELL",
  "exec without a command starts $SHELL with no arguments and no hint on a pipe",
  async () => {
    const f = await fixtureHome();
    try {
      const out = `${f.home}/shell-ran`;
      const shell = `${f.home}/fake-shell`;
      await Deno.writeTextFile(
        shell,
        `#!/bin/sh\necho "args=$# vault=$AWS_VAULT key=$AWS_ACCESS_KEY_ID" > "${out}"\nexit 3\n`,
      );
      await Deno.chmod(shell, 0o755);
      const r = await runCli(["exec", "-n", "team/dev"], {
        home: f.home,
        env: { ...f.env, SHELL: shell },
      });
      assertEquals(r.code, 3);
      assertEquals(r.stderr, "");
      assertEquals(await Deno.readTextFile(out), `args=0 vault=team/dev key=${TEAM_DEV_KEY}\n`);
      // With --debug the hint goes to the debug log instead.
      const d = await runCli(["--debug", "exec", "-n", "team/dev"], {
        home: f.home,
        env: { ...f.env, SHELL: shell },
      });
      assertMatch(
        d.stderr,
        /\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d Starting subshell .*fake-shell, use `exit`/,
      );
      assertNotIncludes(d.stderr, TEAM_DEV_SECRET);
    } finally {
      await f.cleanup();
    }
  },
);

posixTest(
  "POSIX signals and sh",
  "exec forwards SIGTERM to the child and returns its exit code",
  async () => {
    const f = await fixtureHome();
    try {
      const result = await execUntilSigterm(["exec", "-n", "team/dev"], {
        home: f.home,
        env: f.env,
        trapExit: 0,
      });
      assertEquals(result.stderr, "");
      assertEquals(result.code, 0);
      assert(result.childTrapped, "the child did not get SIGTERM");
    } finally {
      await f.cleanup();
    }
  },
);

Deno.test("exec and export name an unknown profile", async () => {
  const f = await fixtureHome();
  try {
    for (const cmd of ["exec", "export"]) {
      const args = cmd === "exec" ? ["exec", "-n", "nope", "--", "true"] : ["export", "-n", "nope"];
      const r = await runCli(args, { home: f.home, env: f.env });
      assertEquals(r.code, 1, cmd);
      assertEquals(r.stdout, "", cmd);
      assertEquals(
        r.stderr,
        `aws-vault: error: ${cmd}: Error getting temporary credentials: ` +
          `profile nope not found in ${f.home}/.aws/config and no credentials stored for it\n`,
        cmd,
      );
    }
  } finally {
    await f.cleanup();
  }
});

const RFC3339_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

Deno.test("export uses GetSessionToken once, then the cached session, in every format", async () => {
  await using fake = await startFakeAws();
  const user = fake.addUser("dev");
  const f = await fakeAwsHome(fake, user, "dev", "[profile dev]\nregion=us-east-1\n");
  try {
    const r = await runCli(["export", "--format=json", "dev"], { home: f.home, env: f.env });
    assertEquals(r.stderr, "");
    assertEquals(r.code, 0);
    const doc = JSON.parse(r.stdout);
    assertEquals(Object.keys(doc), [
      "Version",
      "AccessKeyId",
      "SecretAccessKey",
      "SessionToken",
      "Expiration",
    ]);
    const session = fake.session(doc.AccessKeyId)!;
    assertEquals(session.kind, "session-token");
    assertEquals(session.issuedBy, user.accessKeyId);
    assertEquals(doc.SecretAccessKey, session.secretAccessKey);
    assertEquals(doc.SessionToken, session.sessionToken);
    assertMatch(doc.Expiration, RFC3339_UTC);
    assertEquals(
      new Date(doc.Expiration).getTime(),
      Math.floor(session.expiration.getTime() / 1000) * 1000,
    );
    assertEquals(fake.callCount("GetSessionToken"), 1);
    assertEquals(fake.callsTo("GetSessionToken")[0].params.DurationSeconds, "3600");

    const env = await runCli(["export", "dev"], { home: f.home, env: f.env });
    assertEquals(
      env.stdout,
      `AWS_ACCESS_KEY_ID=${doc.AccessKeyId}\nAWS_SECRET_ACCESS_KEY=${doc.SecretAccessKey}\n` +
        `AWS_SESSION_TOKEN=${doc.SessionToken}\nAWS_CREDENTIAL_EXPIRATION=${doc.Expiration}\n` +
        "AWS_REGION=us-east-1\nAWS_DEFAULT_REGION=us-east-1\n",
    );
    const ini = await runCli(["export", "--format=ini", "dev"], { home: f.home, env: f.env });
    assertEquals(
      ini.stdout,
      `[dev]\naws_access_key_id=${doc.AccessKeyId}\naws_secret_access_key=${doc.SecretAccessKey}\n` +
        `aws_session_token=${doc.SessionToken}\naws_credential_expiration=${doc.Expiration}\n` +
        "region=us-east-1\n",
    );
    // Both later runs were served from the keystore's session cache.
    assertEquals(fake.callCount("GetSessionToken"), 1);
  } finally {
    await f.cleanup();
  }
});

Deno.test("export --mfa-token and --duration reach GetSessionToken", async () => {
  await using fake = await startFakeAws();
  const user = fake.addUser("dev", { mfa: { codes: ["654321"] } });
  const f = await fakeAwsHome(
    fake,
    user,
    "dev",
    `[profile dev]\nregion=eu-west-1\nmfa_serial=${user.mfaSerial}\n`,
  );
  try {
    const r = await runCli(["export", "-t", "654321", "-d", "2h", "--format=json", "dev"], {
      home: f.home,
      env: f.env,
    });
    assertEquals(r.stderr, "");
    const doc = JSON.parse(r.stdout);
    assertEquals(fake.session(doc.AccessKeyId)!.mfaAuthenticated, true);
    const call = fake.callsTo("GetSessionToken")[0];
    assertEquals(call.params.SerialNumber, user.mfaSerial);
    assertEquals(call.params.TokenCode, "654321");
    assertEquals(call.params.DurationSeconds, "7200");
    assertEquals(call.region, "eu-west-1");
  } finally {
    await f.cleanup();
  }
});

Deno.test("exec assumes a role and gives the child the session with its expiration", async () => {
  await using fake = await startFakeAws();
  const user = fake.addUser("dev");
  const role = fake.addRole("admin");
  const f = await fakeAwsHome(
    fake,
    user,
    "dev",
    `[profile dev]\nregion=us-east-1\n\n[profile admin]\nsource_profile=dev\n` +
      `role_arn=${role.arn}\nregion=eu-west-1\n`,
  );
  try {
    const r = await runCli(["exec", "admin", "--", ...PRINT_ENV], { home: f.home, env: f.env });
    assertEquals(r.stderr, "");
    assertEquals(r.code, 0);
    const env = parseEnv(r.stdout);
    const session = fake.session(env.AWS_ACCESS_KEY_ID)!;
    assertEquals(session.kind, "assumed-role");
    assertEquals(session.roleArn, role.arn);
    assertEquals(env.AWS_SECRET_ACCESS_KEY, session.secretAccessKey);
    assertEquals(env.AWS_SESSION_TOKEN, session.sessionToken);
    assertMatch(env.AWS_CREDENTIAL_EXPIRATION, RFC3339_UTC);
    assertEquals(env.AWS_VAULT, "admin");
    assertEquals(env.AWS_REGION, "eu-west-1");
    assertEquals(env.AWS_DEFAULT_REGION, "eu-west-1");
    assertEquals(fake.callCount("AssumeRole"), 1);
    // Without MFA aws-vault skips GetSessionToken on the source (vault/vault.go
    // canUseGetSessionToken): the long-term key of profile dev signed the AssumeRole.
    assertEquals(session.issuedBy, user.accessKeyId);
    assertEquals(fake.callCount("GetSessionToken"), 0);
  } finally {
    await f.cleanup();
  }
});

Deno.test("with no region anywhere, STS is signed for us-east-1 and exec sets no region", async () => {
  await using fake = await startFakeAws();
  const user = fake.addUser("dev");
  const role = fake.addRole("admin");
  fake.requireStsRegion("us-east-1");
  const f = await fakeAwsHome(
    fake,
    user,
    "dev",
    `[profile dev]\n\n[profile admin]\nsource_profile=dev\nrole_arn=${role.arn}\n`,
  );
  try {
    const r = await runCli(["exec", "admin", "--", ...PRINT_ENV], { home: f.home, env: f.env });
    assertEquals(r.stderr, "");
    assertEquals(r.code, 0);
    const env = parseEnv(r.stdout);
    assertEquals(fake.session(env.AWS_ACCESS_KEY_ID)?.roleArn, role.arn);
    assertEquals([env.AWS_REGION, env.AWS_DEFAULT_REGION], [undefined, undefined]);
    assertEquals(fake.callsTo("AssumeRole").map((c) => c.region), ["us-east-1"]);
  } finally {
    await f.cleanup();
  }
});

Deno.test("an STS failure is reported as Failed to get credentials for <profile>", async () => {
  await using fake = await startFakeAws();
  const user = fake.addUser("dev");
  const f = await fakeAwsHome(fake, user, "dev", "[profile dev]\nregion=us-east-1\n");
  try {
    fake.failNext("GetSessionToken", {
      status: 403,
      code: "AccessDenied",
      message: "denied by test",
      times: 5,
    });
    for (const args of [["export", "dev"], ["exec", "dev", "--", "true"]]) {
      const r = await runCli(args, { home: f.home, env: f.env });
      assertEquals(r.code, 1);
      assertEquals(r.stdout, "");
      assertStringIncludes(
        r.stderr,
        `aws-vault: error: ${args[0]}: Failed to get credentials for dev: `,
      );
      assertStringIncludes(r.stderr, "denied by test");
      assertNotIncludes(r.stderr, user.secretAccessKey);
    }
  } finally {
    await f.cleanup();
  }
});
