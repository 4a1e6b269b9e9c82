/**
 * SSO (IAM Identity Center) end to end: the CLI in a temporary HOME (file backend) against the
 * fake AWS, whose SSO OIDC and portal APIs issue device codes, tokens and role credentials.
 * The device is approved the way a user would: the test reads the URL from stderr and approves
 * its user code in the fake. What was called is checked on the fake's call log.
 */
import { assertEquals, assertMatch, assertNotIncludes, assertStringIncludes } from "./assert.ts";
import { baseEnv, cliCommand, runCli } from "./run_cli.ts";
import type { FakeAws } from "./fake_aws/server.ts";
import { type FakeAwsSetup, fakeAwsSetup } from "./engine_fixtures.ts";
import { oidcKey, parseSessionKey, sessionKeyPrefix } from "../keystore/key_names.ts";
import { oidcTokenItem } from "../keystore/oidc_token_item.ts";
import { linuxTest } from "./platform.ts";
import { fakeOpener } from "./fake_opener.ts";

const START_URL = "https://corp.awsapps.com/start";
const AWS_CLI = "/usr/bin/aws";
const STDOUT_PROMPT = "Open the SSO authorization page in a browser (use Ctrl-C to abort)\n";
const BROWSER_PROMPT =
  "Opening the SSO authorization page in your default browser (use Ctrl-C to abort)\n";

function config(fake: FakeAws): string {
  return `[profile sso]
sso_start_url = ${START_URL}
sso_region = eu-west-1
sso_account_id = ${fake.accountId}
sso_role_name = Admin
region = eu-west-1

[profile sso-ro]
sso_start_url = ${START_URL}
sso_region = eu-west-1
sso_account_id = ${fake.accountId}
sso_role_name = ReadOnly
region = eu-west-1

[profile via-session]
sso_session = corp
sso_account_id = ${fake.accountId}
sso_role_name = Admin
region = eu-west-1

[sso-session corp]
sso_start_url = ${START_URL}
sso_region = eu-west-1
`;
}

function setup(): Promise<FakeAwsSetup> {
  return fakeAwsSetup(config, {
    prepare: (fake) => {
      fake.sso.assignRole(fake.accountId, "Admin");
      fake.sso.assignRole(fake.accountId, "ReadOnly");
    },
    // aws-vault stores SSO expiry times in the local zone: make it one with an offset.
    extraEnv: { TZ: "Australia/Sydney" },
  });
}

interface ExportResult {
  code: number;
  stdout: string;
  stderr: string;
  creds?: {
    AccessKeyId: string;
    SecretAccessKey: string;
    SessionToken: string;
    Expiration: string;
  };
}

/**
 * Runs the CLI; when the device authorization URL appears on stderr, approves its user code in
 * the fake (as the user would in the browser) unless `approve` is false.
 */
async function runApproving(
  s: FakeAwsSetup,
  args: string[],
  opts: { approve?: boolean; env?: Record<string, string> } = {},
): Promise<ExportResult> {
  const [exe, ...pre] = cliCommand();
  const child = new Deno.Command(exe, {
    args: [...pre, ...args],
    env: { ...baseEnv(s.home), ...s.env, ...opts.env },
    clearEnv: true,
    cwd: s.home,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdoutText = new Response(child.stdout).text();
  let stderr = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stderr) {
    stderr += decoder.decode(chunk, { stream: true });
    const m = /user_code=([A-Z0-9-]+)\n/.exec(stderr);
    if (m && opts.approve !== false) {
      const device = [...s.fake.sso.devices.values()].find((d) => d.userCode === m[1]);
      if (device && !device.approved) s.fake.approveDevice(m[1]);
    }
  }
  const { code } = await child.status;
  const stdout = await stdoutText;
  const creds = code === 0 && args.includes("--format=json") ? JSON.parse(stdout) : undefined;
  return { code, stdout, stderr, creds };
}

function exportArgs(profile: string, ...extra: string[]): string[] {
  return ["export", "--format=json", "--stdout", ...extra, profile];
}

function lastDeviceUrl(fake: FakeAws): string {
  const device = [...fake.sso.devices.values()].at(-1)!;
  return `${fake.url}/device?user_code=${device.userCode}`;
}

linuxTest(
  "xdg-open",
  "sso: export --stdout runs the device flow; the next runs reuse the role credentials and the token",
  async () => {
    await using s = await setup();
    const first = await runApproving(s, exportArgs("sso"));
    assertEquals(first.code, 0, first.stderr);
    assertEquals(first.stderr, `${STDOUT_PROMPT}${lastDeviceUrl(s.fake)}\n`);
    assertMatch(first.creds!.AccessKeyId, /^ASIA/);
    assertEquals(s.fake.callCount("StartDeviceAuthorization"), 1);
    assertEquals(s.fake.callCount("GetRoleCredentials"), 1);

    // Stored as aws-vault does: the token under oidc:<start url>; the role credentials as an
    // sso.GetRoleCredentials session keyed by the start URL, expiry in the local zone.
    const keys = await s.keystore.keys();
    assertEquals(keys.includes(oidcKey(START_URL)), true);
    const sessionKey = keys.find((k) =>
      k.startsWith(sessionKeyPrefix("sso.GetRoleCredentials", "sso", START_URL))
    )!;
    const session = s.fake.session(first.creds!.AccessKeyId)!;
    assertEquals(parseSessionKey(sessionKey)!.expiration, session.expiration.getTime() / 1000);
    const item = await s.keystore.get(sessionKey);
    const stored = JSON.parse(new TextDecoder().decode(item.data));
    assertMatch(stored.Expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+1[01]:00$/);
    assertEquals(new Date(stored.Expiration).getTime(), session.expiration.getTime());
    assertEquals(item.label, `aws-vault session for sso (expires ${stored.Expiration})`);
    const token = await s.keystore.get(oidcKey(START_URL));
    assertMatch(
      token.label,
      /^aws-vault oidc token for https:\/\/corp\.awsapps\.com\/start \(expires \S+\+1[01]:00\)$/,
    );

    // Second run of the same profile: the cached role credentials, no call at all.
    s.fake.clearCalls();
    const second = await runApproving(s, exportArgs("sso"), { approve: false });
    assertEquals(second.code, 0, second.stderr);
    assertEquals(second.stderr, "");
    assertEquals(second.creds, first.creds);
    assertEquals(s.fake.callCount(), 0);

    // Another role under the same start URL: the cached token, no new device flow.
    const third = await runApproving(s, exportArgs("sso-ro", "--debug"), { approve: false });
    assertEquals(third.code, 0, third.stderr);
    assertEquals(s.fake.callCounts(), { GetRoleCredentials: 1 });
    assertStringIncludes(third.stderr, "profile sso-ro: using SSO role credentials");
    assertStringIncludes(third.stderr, "Got credentials ****");
    for (
      const secret of [
        third.creds!.SecretAccessKey,
        third.creds!.SessionToken,
        ...s.fake.sso.tokens.keys(),
      ]
    ) {
      assertNotIncludes(third.stderr, secret);
    }
  },
);

linuxTest(
  "xdg-open",
  "sso: sso_session profile opens the browser (xdg-open) and exec runs aws sts get-caller-identity",
  async () => {
    await using s = await setup();
    s.fake.sso.autoApproveAfterPolls = 1;
    const opener = await fakeOpener();
    try {
      const r = await runCli(
        [
          "exec",
          "via-session",
          "--",
          AWS_CLI,
          "sts",
          "get-caller-identity",
          "--endpoint-url",
          s.fake.url,
        ],
        { home: s.home, env: { ...s.env, PATH: `${opener.dir}:${Deno.env.get("PATH")}` } },
      );
      assertEquals(r.code, 0, r.stderr);
      const url = lastDeviceUrl(s.fake);
      assertEquals(r.stderr, `${BROWSER_PROMPT}${url}\n`);
      assertEquals(await Deno.readTextFile(opener.argvFile), `1\n${url}\n`);
      assertMatch(JSON.parse(r.stdout).Arn, /:assumed-role\/AWSReservedSSO_Admin_[0-9a-f]+\//);
      const call = s.fake.callsTo("GetCallerIdentity")[0];
      assertEquals(call.status, 200);
      assertEquals(
        s.fake.session(call.accessKeyId)?.roleArn?.includes("AWSReservedSSO_Admin"),
        true,
      );
      assertEquals(s.fake.callsTo("StartDeviceAuthorization")[0].params.startUrl, START_URL);
      const keys = await s.keystore.keys();
      assertEquals(
        keys.some((k) =>
          k.startsWith(sessionKeyPrefix("sso.GetRoleCredentials", "via-session", START_URL))
        ),
        true,
      );
    } finally {
      await opener.cleanup();
    }
  },
);

Deno.test("sso: an expired cached token is replaced by a new device flow", async () => {
  await using s = await setup();
  await s.keystore.set(oidcTokenItem(START_URL, {
    accessToken: "expired-token",
    expiresIn: 28800,
    idToken: null,
    refreshToken: null,
    tokenType: "Bearer",
    expiration: new Date(Date.now() - 60_000),
  }));
  const r = await runApproving(s, exportArgs("sso"));
  assertEquals(r.code, 0, r.stderr);
  assertStringIncludes(r.stderr, STDOUT_PROMPT);
  assertEquals(s.fake.callCount("StartDeviceAuthorization"), 1);
  assertEquals(
    s.fake.callsTo("GetRoleCredentials").map((c) => c.params.accessToken !== "expired-token"),
    [true],
  );
});

Deno.test("sso: a token the portal refuses (401) is dropped and the flow runs once more", async () => {
  await using s = await setup();
  const first = await runApproving(s, exportArgs("sso"));
  assertEquals(first.code, 0, first.stderr);
  s.fake.sso.expireAccessTokens();
  s.fake.clearCalls();
  const r = await runApproving(s, exportArgs("sso-ro"));
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.stderr, `${STDOUT_PROMPT}${lastDeviceUrl(s.fake)}\n`);
  assertEquals(s.fake.callsTo("GetRoleCredentials").map((c) => c.status), [401, 200]);
  assertEquals(s.fake.callCount("StartDeviceAuthorization"), 1);
});

Deno.test("sso: slow_down makes the client wait 5 s more, and it still gets the token", async () => {
  await using s = await setup();
  s.fake.sso.autoApproveAfterPolls = 0;
  s.fake.sso.slowDownPolls = 1;
  const r = await runApproving(s, exportArgs("sso"), { approve: false });
  assertEquals(r.code, 0, r.stderr);
  const polls = s.fake.callsTo("CreateToken");
  assertEquals(polls.map((c) => c.errorCode ?? "ok"), ["SlowDownException", "ok"]);
  const waited = polls[1].time.getTime() - polls[0].time.getTime();
  assertEquals(waited >= 6000 && waited < 9000, true, `waited ${waited} ms`);
});

Deno.test("sso: an error from CreateToken is reported with AWS's code and message", async () => {
  await using s = await setup();
  s.fake.failNext("CreateToken", {
    status: 400,
    code: "AccessDeniedException",
    message: "Access denied by the user",
  });
  const r = await runApproving(s, exportArgs("sso"), { approve: false });
  assertEquals(r.code, 1);
  assertStringIncludes(r.stderr, "AccessDeniedException: Access denied by the user\n");
  assertEquals((await s.keystore.keys()).length, 0);
});

Deno.test("sso: list shows the token on the profile's row; clear <profile> removes it", async () => {
  await using s = await setup();
  const first = await runApproving(s, exportArgs("sso"));
  assertEquals(first.code, 0, first.stderr);
  const list = await runCli(["list"], { home: s.home, env: s.env });
  assertEquals(list.code, 0, list.stderr);
  const row = list.stdout.split("\n").find((l) => l.startsWith("sso "))!;
  assertMatch(
    row,
    new RegExp(
      `^sso\\s+-\\s+oidc:${
        START_URL.replaceAll(".", "\\.")
      }, sso\\.GetRoleCredentials:(59m\\d+s|1h0m0s)\\s*$`,
    ),
  );
  const sessions = await runCli(["list", "--sessions"], { home: s.home, env: s.env });
  assertStringIncludes(sessions.stdout, `oidc:${START_URL}\n`);

  const clear = await runCli(["clear", "sso"], { home: s.home, env: s.env });
  assertEquals([clear.code, clear.stdout], [0, "Cleared 2 sessions.\n"]);
  assertEquals(await s.keystore.keys(), []);
});

linuxTest(
  "no display, so that sso-session logins use the device flow",
  "sso: clear without a profile removes every token",
  async () => {
    await using s = await setup();
    assertEquals((await runApproving(s, exportArgs("via-session"))).code, 0);
    const clear = await runCli(["clear"], { home: s.home, env: s.env });
    assertEquals([clear.code, clear.stdout], [0, "Cleared 2 sessions.\n"]);
    assertEquals(await s.keystore.keys(), []);
  },
);

Deno.test("sso: two concurrent exports for one start URL make one device authorization", async () => {
  await using s = await setup();
  // Approved after a few polls, so the second process is still waiting when the first finishes.
  s.fake.sso.autoApproveAfterPolls = 2;
  const [a, b] = await Promise.all([
    runApproving(s, exportArgs("sso"), { approve: false }),
    runApproving(s, exportArgs("sso-ro"), { approve: false }),
  ]);
  assertEquals([a.code, b.code], [0, 0], a.stderr + b.stderr);
  assertEquals(s.fake.callCount("RegisterClient"), 1);
  assertEquals(s.fake.callCount("StartDeviceAuthorization"), 1);
  assertEquals(s.fake.callCount("GetRoleCredentials"), 2);
  // One of them showed the URL; the other found the token once the lock was free.
  assertEquals([a.stderr, b.stderr].filter((e) => e.includes(STDOUT_PROMPT)).length, 1);
});

Deno.test("sso: a profile without sso_region fails clearly before any call", async () => {
  await using s = await setup();
  await Deno.writeTextFile(
    s.env.AWS_CONFIG_FILE,
    `[profile broken]\nsso_start_url = ${START_URL}\nsso_account_id = 1\nsso_role_name = r\n`,
  );
  const r = await runApproving(s, exportArgs("broken"), { approve: false });
  assertEquals(r.code, 1);
  assertStringIncludes(
    r.stderr,
    "an AWS region is required, but was not found (set sso_region in profile 'broken')",
  );
  assertEquals(s.fake.callCount(), 0);
});
