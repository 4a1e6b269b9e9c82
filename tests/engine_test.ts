/**
 * The credentials engine end to end: the CLI (`export --format=json`, `clear`) in a temporary
 * HOME with the file backend, against the fake AWS. Behaviour is checked on the fake's call log.
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotIncludes,
  assertStringIncludes,
} from "./assert.ts";
import { runCli } from "./run_cli.ts";
import type { FakeAws } from "./fake_aws/server.ts";
import { type FakeAwsSetup, fakeAwsSetup, storeMasterKeys } from "./engine_fixtures.ts";
import { formatSessionKey, parseSessionKey } from "../keystore/key_names.ts";
import { sessionItem } from "../keystore/credential_items.ts";
import { linuxTest, posixTest, withoutTerminal } from "./platform.ts";

type Setup = FakeAwsSetup;

/** A fake AWS, a HOME with `config`, and the file keystore the CLI will use. */
function setup(
  config: (fake: FakeAws) => string,
  prepare?: (fake: FakeAws) => void,
): Promise<Setup> {
  // Region is per profile in aws-vault (not inherited from source_profile); set it for all.
  return fakeAwsSetup(config, { prepare, extraEnv: { AWS_REGION: "us-east-1" } });
}

interface ExportedJson {
  Version: number;
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken?: string;
  Expiration?: string;
}

async function exportJson(s: Setup, args: string[], env: Record<string, string> = {}) {
  const r = await runCli(["--debug", "export", "--format=json", ...args], {
    home: s.home,
    env: { ...s.env, ...env },
  });
  const creds = r.code === 0 ? JSON.parse(r.stdout) as ExportedJson : undefined;
  return { ...r, creds };
}

function assertNoSecrets(stderr: string, ...secrets: (string | undefined)[]) {
  for (const secret of secrets) if (secret) assertNotIncludes(stderr, secret);
}

const MFA = (fake: FakeAws) => `arn:aws:iam::${fake.accountId}:mfa/alice`;

Deno.test("engine: stored keys with --no-session are returned as they are, without STS", async () => {
  await using s = await setup(() => "[profile alice]\nregion = us-east-1\n");
  const alice = s.fake.addUser("alice");
  await storeMasterKeys(s.keystore, "alice", alice.credentials());
  const r = await exportJson(s, ["--no-session", "alice"]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.creds?.AccessKeyId, alice.accessKeyId);
  assertEquals(r.creds?.SessionToken, undefined);
  assertEquals(s.fake.callCount(), 0);
  assertStringIncludes(r.stderr, "profile alice: using stored credentials");
  assertStringIncludes(
    r.stderr,
    "profile alice: skipping GetSessionToken because sessions are disabled",
  );
  assertNoSecrets(r.stderr, alice.secretAccessKey);
});

Deno.test("engine: GetSessionToken with MFA is cached and reused by the next run", async () => {
  await using s = await setup((f) =>
    `[profile alice]\nregion = us-east-1\nmfa_serial = ${MFA(f)}\n`
  );
  const alice = s.fake.addUser("alice", { mfa: { codes: ["123456"] } });
  await storeMasterKeys(s.keystore, "alice", alice.credentials());

  const first = await exportJson(s, ["--mfa-token", "123456", "alice"]);
  assertEquals(first.code, 0, first.stderr);
  assertStringIncludes(first.stderr, "profile alice: using GetSessionToken (with MFA)");
  assertMatch(first.creds!.AccessKeyId, /^ASIA/);
  const [call] = s.fake.callsTo("GetSessionToken");
  assertEquals(call.params.SerialNumber, MFA(s.fake));
  assertEquals(call.params.TokenCode, "123456");
  assertEquals(call.params.DurationSeconds, "3600");
  assertEquals(call.accessKeyId, alice.accessKeyId);
  assertNoSecrets(
    first.stderr,
    alice.secretAccessKey,
    first.creds!.SecretAccessKey,
    first.creds!.SessionToken,
  );

  // The session is stored under aws-vault's key name: type, profile, serial, expiry.
  const sessions = (await s.keystore.keys()).map(parseSessionKey).filter((k) => k !== undefined);
  assertEquals(sessions.map((k) => [k!.type, k!.profileName, k!.mfaSerial]), [
    ["sts.GetSessionToken", "alice", MFA(s.fake)],
  ]);

  // Second run: no MFA code, no STS call.
  const second = await exportJson(s, ["alice"]);
  assertEquals(second.code, 0, second.stderr);
  assertEquals(second.creds, first.creds);
  assertEquals(s.fake.callCount(), 1);
  assertMatch(
    second.stderr,
    new RegExp(
      `Re-using cached credentials \\*\\*\\*\\*${
        first.creds!.AccessKeyId.slice(-4)
      } from sts\\.GetSessionToken, expires in 59m\\d+s`,
    ),
  );
});

Deno.test("engine: one MFA session is shared by two role profiles with the same serial", async () => {
  await using s = await setup((f) => `
[profile alice]
region = us-east-1
mfa_serial = ${MFA(f)}

[profile role-a]
source_profile = alice
role_arn = arn:aws:iam::${f.accountId}:role/a
mfa_serial = ${MFA(f)}

[profile role-b]
source_profile = alice
role_arn = arn:aws:iam::${f.accountId}:role/b
mfa_serial = ${MFA(f)}
`);
  const alice = s.fake.addUser("alice", { mfa: { codes: ["123456"] } });
  s.fake.addRole("a", { requireMfa: true });
  s.fake.addRole("b", { requireMfa: true });
  await storeMasterKeys(s.keystore, "alice", alice.credentials());

  const a = await exportJson(s, ["--mfa-token", "123456", "role-a"]);
  assertEquals(a.code, 0, a.stderr);
  assertStringIncludes(a.stderr, "profile role-a: using AssumeRole (chained MFA)");
  // No MFA code needed now: the cached 8h session carries the MFA.
  const b = await exportJson(s, ["role-b"]);
  assertEquals(b.code, 0, b.stderr);
  assertEquals(s.fake.callCount("GetSessionToken"), 1);
  assertEquals(s.fake.callsTo("GetSessionToken")[0].params.DurationSeconds, String(8 * 3600));
  const roles = s.fake.callsTo("AssumeRole");
  assertEquals(roles.map((c) => c.params.RoleArn.split("/").pop()), ["a", "b"]);
  for (const c of roles) {
    assertEquals(c.params.SerialNumber, undefined);
    assertEquals(c.params.DurationSeconds, "3600");
    assertMatch(c.params.RoleSessionName, /^\d{19}$/);
    assertMatch(c.accessKeyId, /^ASIA/);
  }
  // The roles themselves are not cached (made without MFA of their own).
  const types = (await s.keystore.keys()).map(parseSessionKey).filter((k) => k).map((k) => k!.type);
  assertEquals(types, ["sts.GetSessionToken"]);
});

Deno.test("engine: a role over 1h is assumed from the master keys, not chained from a session", async () => {
  await using s = await setup((f) => `
[profile alice]
region = us-east-1
mfa_serial = ${MFA(f)}

[profile admin]
source_profile = alice
role_arn = arn:aws:iam::${f.accountId}:role/admin
mfa_serial = ${MFA(f)}
`);
  const alice = s.fake.addUser("alice", { mfa: { codes: ["123456"] } });
  s.fake.addRole("admin", { requireMfa: true, maxSessionDuration: 43200 });
  await storeMasterKeys(s.keystore, "alice", alice.credentials());

  const r = await exportJson(s, ["--mfa-token", "123456", "--duration", "2h", "admin"]);
  assertEquals(r.code, 0, r.stderr);
  assertStringIncludes(
    r.stderr,
    "profile alice: skipping GetSessionToken because duration 2h0m0s in profile 'admin' is greater than the AWS maximum 1h0m0s for chaining MFA",
  );
  assertEquals(s.fake.callCount("GetSessionToken"), 0);
  const [call] = s.fake.callsTo("AssumeRole");
  assertEquals(call.status, 200);
  assertEquals(call.params.DurationSeconds, "7200");
  assertEquals(call.params.SerialNumber, MFA(s.fake));
  assertEquals(call.accessKeyId, alice.accessKeyId);
  // Made with MFA, so cached as the role's own session.
  const types = (await s.keystore.keys()).map(parseSessionKey).filter((k) => k).map((k) => k!.type);
  assertEquals(types, ["sts.AssumeRole"]);
});

Deno.test("engine: a chained role over 1h fails at AWS with its message (the chain cannot avoid it)", async () => {
  // Two roles: the second is necessarily assumed with the first's session credentials.
  await using s = await setup((f) => `
[profile alice]
region = us-east-1

[profile first]
source_profile = alice
role_arn = arn:aws:iam::${f.accountId}:role/first

[profile second]
source_profile = first
role_arn = arn:aws:iam::${f.accountId}:role/second
duration_seconds = 7200
`);
  const alice = s.fake.addUser("alice");
  s.fake.addRole("first");
  s.fake.addRole("second", { maxSessionDuration: 43200 });
  await storeMasterKeys(s.keystore, "alice", alice.credentials());
  const r = await exportJson(s, ["second"]);
  assertEquals(r.code, 1);
  assertStringIncludes(r.stderr, "Failed to get credentials for second: ");
  assertEquals(s.fake.callsTo("AssumeRole").map((c) => c.status), [200, 400]);
});

Deno.test("engine: session tags, transitive tags, source identity and external id are sent", async () => {
  await using s = await setup((f) => `
[profile alice]
region = us-east-1

[profile tagged]
source_profile = alice
role_arn = arn:aws:iam::${f.accountId}:role/tagged
role_session_name = my-session
external_id = ext-123
session_tags = team = blue , project=x
transitive_session_tags = team
source_identity = alice-id
`);
  const alice = s.fake.addUser("alice");
  s.fake.addRole("tagged", { externalId: "ext-123" });
  await storeMasterKeys(s.keystore, "alice", alice.credentials());
  const r = await exportJson(s, ["tagged"]);
  assertEquals(r.code, 0, r.stderr);
  assertStringIncludes(
    r.stderr,
    "profile alice: skipping GetSessionToken because profile 'tagged' has no MFA serial defined",
  );
  const [call] = s.fake.callsTo("AssumeRole");
  assertEquals(call.params.RoleSessionName, "my-session");
  assertEquals(call.params.ExternalId, "ext-123");
  assertEquals(call.params.SourceIdentity, "alice-id");
  assertEquals(call.params["TransitiveTagKeys.member.1"], "team");
  const session = s.fake.session(r.creds!.AccessKeyId)!;
  assertEquals(session.tags, { team: "blue", project: "x" });
  assertEquals(session.sourceIdentity, "alice-id");
});

posixTest(
  "sh syntax in config commands",
  "engine: web identity from a token file and from a process (raw, unsigned)",
  async () => {
    await using s = await setup((f) => `
[profile from-file]
region = us-east-1
role_arn = arn:aws:iam::${f.accountId}:role/web
web_identity_token_file = TOKEN_FILE

[profile from-process]
region = us-east-1
role_arn = arn:aws:iam::${f.accountId}:role/web
web_identity_token_process = printf 'header.payload.sig'
`);
    s.fake.addRole("web", { webIdentityToken: "header.payload.sig" });
    const tokenFile = `${s.home}/token`;
    await Deno.writeTextFile(tokenFile, "header.payload.sig");
    const config = await Deno.readTextFile(s.env.AWS_CONFIG_FILE);
    await Deno.writeTextFile(s.env.AWS_CONFIG_FILE, config.replace("TOKEN_FILE", tokenFile));

    const a = await exportJson(s, ["from-file"]);
    assertEquals(a.code, 0, a.stderr);
    assertStringIncludes(a.stderr, "profile from-file: using web identity");
    const b = await exportJson(s, ["from-process"]);
    assertEquals(b.code, 0, b.stderr);
    const calls = s.fake.callsTo("AssumeRoleWithWebIdentity");
    assertEquals(calls.map((c) => [c.status, c.accessKeyId, c.params.WebIdentityToken]), [
      [200, "", "header.payload.sig"],
      [200, "", "header.payload.sig"],
    ]);
    // Cached per profile.
    const again = await exportJson(s, ["from-file"]);
    assertEquals(again.creds?.SessionToken, a.creds!.SessionToken);
    assertEquals(s.fake.callCount("AssumeRoleWithWebIdentity"), 2);

    // The token is not trimmed: a trailing newline is part of it (and this fake refuses it).
    await Deno.writeTextFile(tokenFile, "header.payload.sig\n");
    await runCli(["clear"], { home: s.home, env: s.env });
    const bad = await exportJson(s, ["from-file"]);
    assertEquals(bad.code, 1);
    assertEquals(
      s.fake.callsTo("AssumeRoleWithWebIdentity").at(-1)?.params.WebIdentityToken,
      "header.payload.sig\n",
    );
  },
);

posixTest(
  "sh syntax in config commands",
  "engine: credential_process as a source; long-term keys are accepted and not cached",
  async () => {
    await using s = await setup((f) => `
[profile proc]
region = us-east-1
credential_process = PROCESS

[profile via-proc]
region = us-east-1
source_profile = proc
role_arn = arn:aws:iam::${f.accountId}:role/r
`);
    const alice = s.fake.addUser("alice");
    s.fake.addRole("r");
    const script = `${s.home}/proc.sh`;
    await Deno.writeTextFile(
      script,
      `#!/bin/sh\necho run >> "${s.home}/runs"\nprintf '{"version": 1, "accessKeyID": "${alice.accessKeyId}", "SecretAccessKey": "${alice.secretAccessKey}"}'\n`,
      { mode: 0o755 },
    );
    const config = await Deno.readTextFile(s.env.AWS_CONFIG_FILE);
    await Deno.writeTextFile(s.env.AWS_CONFIG_FILE, config.replace("PROCESS", script));

    const r = await exportJson(s, ["via-proc"]);
    assertEquals(r.code, 0, r.stderr);
    assertStringIncludes(r.stderr, "profile proc: using credential process");
    const [call] = s.fake.callsTo("AssumeRole");
    assertEquals(call.accessKeyId, alice.accessKeyId);
    const direct = await exportJson(s, ["proc"]);
    assertEquals(direct.creds?.AccessKeyId, alice.accessKeyId);
    assertEquals(direct.creds?.Expiration, undefined);
    assertEquals((await Deno.readTextFile(`${s.home}/runs`)).trim().split("\n").length, 2);
    assertEquals((await s.keystore.keys()).length, 0);
  },
);

posixTest(
  "sh syntax in config commands",
  "engine: credential_process with expiring credentials is cached; bad output is explained",
  async () => {
    await using s = await setup(() => `
[profile proc]
region = us-east-1
credential_process = PROCESS

[profile broken]
credential_process = printf '{"AccessKeyId": "AKIAX"}'
`);
    const script = `${s.home}/proc.sh`;
    const exp = new Date(Date.now() + 3_600_000).toISOString();
    await Deno.writeTextFile(
      script,
      `#!/bin/sh\necho run >> "${s.home}/runs"\nprintf '{"Version":1,"AccessKeyId":"ASIAPROC","SecretAccessKey":"sek","SessionToken":"tok","Expiration":"${exp}"}'\n`,
      { mode: 0o755 },
    );
    const config = await Deno.readTextFile(s.env.AWS_CONFIG_FILE);
    await Deno.writeTextFile(s.env.AWS_CONFIG_FILE, config.replace("PROCESS", script));
    const a = await exportJson(s, ["proc"]);
    const b = await exportJson(s, ["proc"]);
    assertEquals(a.code, 0, a.stderr);
    assertEquals(b.creds, a.creds);
    assertEquals((await Deno.readTextFile(`${s.home}/runs`)).trim().split("\n").length, 1);
    const broken = await exportJson(s, ["broken"]);
    assertEquals(broken.code, 1);
    assertStringIncludes(
      broken.stderr,
      `JSON credential from command "printf '{"AccessKeyId": "AKIAX"}'" missing the following fields: [SecretAccessKey]`,
    );
  },
);

Deno.test("engine: a wrong MFA code shows AWS's message and caches nothing", async () => {
  await using s = await setup((f) =>
    `[profile alice]\nregion = us-east-1\nmfa_serial = ${MFA(f)}\n`
  );
  const alice = s.fake.addUser("alice", { mfa: { codes: ["123456"] } });
  await storeMasterKeys(s.keystore, "alice", alice.credentials());
  const r = await exportJson(s, ["--mfa-token", "999999", "alice"]);
  assertEquals(r.code, 1);
  assertStringIncludes(r.stderr, "Failed to get credentials for alice: ");
  assertStringIncludes(
    r.stderr,
    "MultiFactorAuthentication failed with invalid MFA one time pass code",
  );
  assertEquals(await s.keystore.keys(), ["alice"]);
});

posixTest(
  "sh syntax in config commands",
  "engine: mfa_process gives the code; expired and nearly expired sessions are replaced",
  async () => {
    await using s = await setup((f) =>
      `[profile alice]\nregion = us-east-1\nmfa_serial = ${MFA(f)}\nmfa_process = echo ' 123456 '\n`
    );
    const alice = s.fake.addUser("alice", { mfa: { codes: ["123456"] } });
    await storeMasterKeys(s.keystore, "alice", alice.credentials());
    // An expired session of this profile and one of another profile, and a legacy key.
    const past = {
      accessKeyId: "ASIAOLD",
      secretAccessKey: "x",
      sessionToken: "y",
      expiration: new Date(Date.now() - 60_000),
    };
    const expiredKey = formatSessionKey({
      type: "sts.GetSessionToken",
      profileName: "alice",
      mfaSerial: MFA(s.fake),
      expiration: Math.floor(past.expiration.getTime() / 1000),
    });
    const otherKey = formatSessionKey({
      type: "sts.AssumeRole",
      profileName: "other",
      mfaSerial: "",
      expiration: Math.floor(past.expiration.getTime() / 1000),
    });
    await s.keystore.set(sessionItem(expiredKey, "alice", past));
    await s.keystore.set(sessionItem(otherKey, "other", past));
    await s.keystore.set(sessionItem("session:alice::1600000000", "alice", past));

    const r = await exportJson(s, ["alice"]);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(s.fake.callsTo("GetSessionToken")[0].params.TokenCode, "123456");
    const keys = await s.keystore.keys();
    assertEquals(keys.length, 2);
    assert(!keys.includes(expiredKey) && !keys.includes(otherKey));

    // A session with less than AWS_MIN_TTL left is not reused.
    const again = await exportJson(s, ["alice"], { AWS_MIN_TTL: "61m" });
    assertEquals(again.code, 0, again.stderr);
    assertEquals(s.fake.callCount("GetSessionToken"), 2);
    assert(again.creds!.AccessKeyId !== r.creds!.AccessKeyId);
    assertEquals((await s.keystore.keys()).length, 2);
  },
);

Deno.test("engine: two concurrent processes make one GetSessionToken call", async () => {
  await using s = await setup((f) =>
    `[profile alice]\nregion = us-east-1\nmfa_serial = ${MFA(f)}\n`
  );
  const alice = s.fake.addUser("alice", { mfa: { codes: ["123456"], rejectReuse: true } });
  await storeMasterKeys(s.keystore, "alice", alice.credentials());
  // A slow STS makes the two processes overlap for sure.
  s.fake.delayNext("GetSessionToken", 1500, 2);
  const [a, b] = await Promise.all([
    exportJson(s, ["--mfa-token", "123456", "alice"]),
    exportJson(s, ["--mfa-token", "123456", "alice"]),
  ]);
  assertEquals([a.code, b.code], [0, 0], a.stderr + b.stderr);
  assertEquals(s.fake.callCount("GetSessionToken"), 1);
  assertEquals(a.creds, b.creds);
});

linuxTest(
  "util-linux setsid",
  "engine: no terminal and no GUI driver: MFA fails at once with what to do",
  async () => {
    await using s = await setup((f) =>
      `[profile alice]\nregion = us-east-1\nmfa_serial = ${MFA(f)}\n`
    );
    const alice = s.fake.addUser("alice", { mfa: true });
    await storeMasterKeys(s.keystore, "alice", alice.credentials());
    // setsid: a new session without a controlling terminal, as under a CI runner or an IDE.
    const out = await runCli(["export", "alice"], {
      home: s.home,
      env: { ...s.env, PATH: "/usr/bin:/bin" },
      wrap: withoutTerminal(),
    });
    const stderr = out.stderr;
    assertEquals(out.code, 1, stderr);
    assertStringIncludes(
      stderr,
      `cannot ask for the MFA code for ${MFA(s.fake)}: no terminal is available`,
    );
    assertStringIncludes(stderr, "--mfa-token");
    assertStringIncludes(stderr, "mfa_process");
    assertEquals(s.fake.callCount(), 0);
  },
);

Deno.test("engine: unknown profile, missing credentials and SSO give clear errors", async () => {
  await using s = await setup(() =>
    `[profile empty]\nregion = us-east-1\n[profile sso]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n`
  );
  const unknown = await exportJson(s, ["nope"]);
  assertEquals(unknown.code, 1);
  assertStringIncludes(
    unknown.stderr,
    `profile nope not found in ${s.env.AWS_CONFIG_FILE} and no credentials stored for it`,
  );
  const empty = await exportJson(s, ["empty"]);
  assertStringIncludes(empty.stderr, "profile empty: credentials missing");
  const sso = await exportJson(s, ["sso"]);
  assertStringIncludes(
    sso.stderr,
    "profile sso: sso_account_id and sso_role_name must be set to use sso_start_url",
  );
  assertEquals(s.fake.callCount(), 0);
  const badPrompt = await runCli(["--prompt", "nope", "export", "empty"], {
    home: s.home,
    env: s.env,
  });
  assertEquals(badPrompt.code, 1);
  assertMatch(badPrompt.stderr, /--prompt value must be one of [a-z,]*terminal[a-z,]*, got 'nope'/);
});

Deno.test("engine: clear removes a profile's sessions, or every session and OIDC token", async () => {
  await using s = await setup(() =>
    `[profile a]\nregion = us-east-1\n[profile sso]\nsso_start_url = https://x.awsapps.com/start\n`
  );
  const future = {
    accessKeyId: "ASIAX",
    secretAccessKey: "x",
    sessionToken: "y",
    expiration: new Date(Date.now() + 3_600_000),
  };
  const exp = Math.floor(future.expiration.getTime() / 1000);
  await s.keystore.set(
    sessionItem(
      formatSessionKey({
        type: "sts.GetSessionToken",
        profileName: "a",
        mfaSerial: "",
        expiration: exp,
      }),
      "a",
      future,
    ),
  );
  await s.keystore.set(
    sessionItem(
      formatSessionKey({
        type: "sts.AssumeRole",
        profileName: "b",
        mfaSerial: "m",
        expiration: exp,
      }),
      "b",
      future,
    ),
  );
  await s.keystore.set(sessionItem("oidc:https://x.awsapps.com/start", "sso", future));
  await s.keystore.set(sessionItem("oidc:https://y.awsapps.com/start", "sso", future));
  await storeMasterKeys(s.keystore, "a", {
    accessKeyId: "AKIAX",
    secretAccessKey: "x",
    sessionToken: "",
  });

  const one = await runCli(["clear", "a"], { home: s.home, env: s.env });
  assertEquals([one.code, one.stdout], [0, "Cleared 1 sessions.\n"], one.stderr);
  const sso = await runCli(["clear", "sso"], { home: s.home, env: s.env });
  assertEquals(sso.stdout, "Cleared 1 sessions.\n");
  const all = await runCli(["clear"], { home: s.home, env: s.env });
  assertEquals(all.stdout, "Cleared 2 sessions.\n");
  assertEquals(await s.keystore.keys(), ["a"]);
});
