/**
 * `aws-vault login` end to end: the CLI in a temporary HOME (file backend) against the fake AWS
 * (AWS_ENDPOINT_URL) and a fake sign-in endpoint on loopback (AWS_VAULT_SIGNIN_ENDPOINT).
 * What matters is checked on both fakes' logs: which STS/IAM calls were made with which key, and
 * which credentials reached the sign-in endpoint.
 */
import { assertEquals, assertNotIncludes, assertStringIncludes } from "./assert.ts";
import { runCli, tempHome } from "./run_cli.ts";
import {
  type FakeAws,
  type FakeUserHandle,
  startFakeAws,
  writeAwsConfig,
} from "./fake_aws/server.ts";
import { fileBackendEnv, homeKeystore, storeMasterKeys } from "./engine_fixtures.ts";
import { browserCommand } from "../lib/browser.ts";
import { ALLOW_ALL_POLICY, queryEscape } from "../sts/console_login.ts";
import { linuxTest } from "./platform.ts";
import { fakeOpener } from "./fake_opener.ts";

interface SigninSession {
  sessionId: string;
  sessionKey: string;
  sessionToken: string;
}

type SigninMode = "ok" | "error" | "no-token";

/** A fake `https://signin.aws.amazon.com/federation`: checks the request, records the session. */
function startFakeSignin(mode: SigninMode = "ok") {
  const sessions: SigninSession[] = [];
  const problems: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    const keys = [...url.searchParams.keys()];
    if (req.method !== "GET" || url.pathname !== "/federation") {
      problems.push(`${req.method} ${url.pathname}`);
    }
    if (keys.join(",") !== "Action,Session") problems.push(`parameters ${keys}`);
    if (url.searchParams.get("Action") !== "getSigninToken") problems.push("Action");
    const session = JSON.parse(url.searchParams.get("Session") ?? "{}");
    if (Object.keys(session).join(",") !== "sessionId,sessionKey,sessionToken") {
      problems.push(`Session keys ${Object.keys(session)}`);
    }
    sessions.push(session);
    if (mode === "error") {
      return new Response("boom", { status: 500, statusText: "Internal Server Error" });
    }
    if (mode === "no-token") return Response.json({ Token: "x" });
    return Response.json({ SigninToken: `signin/token+for=${session.sessionId}` });
  });
  return {
    prefix: `http://127.0.0.1:${server.addr.port}/federation`,
    sessions,
    problems,
    close: () => server.shutdown(),
  };
}

interface Setup {
  fake: FakeAws;
  signin: ReturnType<typeof startFakeSignin>;
  home: string;
  env: Record<string, string>;
  [Symbol.asyncDispose](): Promise<void>;
}

async function setup(
  config: (fake: FakeAws) => string,
  options: { mode?: SigninMode; prepare?: (fake: FakeAws) => Promise<void> | void } = {},
): Promise<Setup> {
  const fake = await startFakeAws();
  const signin = startFakeSignin(options.mode);
  const { home, cleanup } = await tempHome();
  await options.prepare?.(fake);
  const env = {
    ...(await writeAwsConfig(home, fake, config(fake))),
    ...fileBackendEnv(),
    AWS_VAULT_SIGNIN_ENDPOINT: signin.prefix,
  };
  return {
    fake,
    signin,
    home,
    env,
    async [Symbol.asyncDispose]() {
      await signin.close();
      await fake.close();
      await cleanup();
    },
  };
}

/** Adds a user to the fake and stores its long-term key in the home's keystore as `profile`. */
async function storedUser(home: string, profile: string, user: FakeUserHandle) {
  await storeMasterKeys(await homeKeystore(home), profile, user.credentials());
  return user;
}

function expectedUrl(prefix: string, destination: string, token: string): string {
  return `${prefix}?Action=login&Issuer=aws-vault&Destination=${queryEscape(destination)}` +
    `&SigninToken=${queryEscape(token)}`;
}

Deno.test("login <stored-key profile> --stdout: GetFederationToken with the long-term key", async () => {
  let alice!: FakeUserHandle;
  await using s = await setup(
    (fake) => `[profile alice]\nregion=eu-west-1\nmfa_serial=${fake.addMfaDevice("alice")}\n`,
    { prepare: (fake) => void (alice = fake.addUser("alice")) },
  );
  await storedUser(s.home, "alice", alice);
  const r = await runCli(["login", "alice", "--stdout"], { home: s.home, env: s.env });
  assertEquals(r.stderr, "");
  assertEquals(r.code, 0);

  // No GetSessionToken for the login target: GetFederationToken needs the long-term key.
  assertEquals(s.fake.callCounts(), { GetCallerIdentity: 1, GetUser: 1, GetFederationToken: 1 });
  for (const call of s.fake.calls) assertEquals(call.accessKeyId, alice.accessKeyId);
  const gft = s.fake.callsTo("GetFederationToken")[0];
  assertEquals(gft.params, { Name: "alice", DurationSeconds: "3600", Policy: ALLOW_ALL_POLICY });

  assertEquals(s.signin.problems, []);
  assertEquals(s.signin.sessions.length, 1);
  const sent = s.signin.sessions[0];
  const federated = s.fake.session(sent.sessionId)!;
  assertEquals(federated.kind, "federated-user");
  assertEquals(federated.issuedBy, alice.accessKeyId);
  assertEquals(sent.sessionKey, federated.secretAccessKey);
  assertEquals(sent.sessionToken, federated.sessionToken);

  assertEquals(
    r.stdout,
    expectedUrl(
      s.signin.prefix,
      "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1",
      `signin/token+for=${sent.sessionId}`,
    ) + "\n",
  );
});

Deno.test("login: --duration and AWS_FEDERATION_TOKEN_TTL set the federation duration; long names cut to 32", async () => {
  const longName = "a-very-long-iam-user-name-for-federation";
  let user!: FakeUserHandle;
  await using s = await setup(() => `[profile long]\nregion=us-east-1\n`, {
    prepare: (fake) => void (user = fake.addUser(longName)),
  });
  await storedUser(s.home, "long", user);

  let r = await runCli(["login", "long", "-s", "-d", "2h"], {
    home: s.home,
    env: { ...s.env, AWS_FEDERATION_TOKEN_TTL: "3h" },
  });
  assertEquals([r.code, r.stderr], [0, ""]);
  r = await runCli(["login", "long", "-s"], {
    home: s.home,
    env: { ...s.env, AWS_FEDERATION_TOKEN_TTL: "3h" },
  });
  assertEquals([r.code, r.stderr], [0, ""]);
  const calls = s.fake.callsTo("GetFederationToken").map((c) => c.params);
  assertEquals(calls.map((p) => p.DurationSeconds), ["7200", "10800"]);
  assertEquals(calls.map((p) => p.Name), [longName.slice(0, 32), longName.slice(0, 32)]);
});

Deno.test("login: when GetUser is denied the user name comes from the AccessDenied message", async () => {
  let bob!: FakeUserHandle;
  await using s = await setup(() => `[profile bob]\nregion=us-east-1\n`, {
    prepare: (fake) => void (bob = fake.addUser("bob", { deny: ["iam:GetUser"] })),
  });
  await storedUser(s.home, "bob", bob);
  const r = await runCli(["login", "bob", "--stdout"], { home: s.home, env: s.env });
  assertEquals([r.code, r.stderr], [0, ""]);
  assertEquals(s.fake.callsTo("GetUser")[0].errorCode, "AccessDenied");
  assertEquals(s.fake.callsTo("GetFederationToken")[0].params.Name, "bob");
});

Deno.test("login <role profile> --mfa-token: the AssumeRole session is used, no GetFederationToken", async () => {
  let alice!: FakeUserHandle;
  let roleArn = "";
  await using s = await setup(
    () =>
      `[profile alice]\nregion=us-east-1\nmfa_serial=${alice.mfaSerial}\n` +
      `[profile admin]\nregion=us-west-2\nsource_profile=alice\nrole_arn=${roleArn}\n` +
      `mfa_serial=${alice.mfaSerial}\n`,
    {
      prepare: (fake) => {
        alice = fake.addUser("alice", { mfa: true });
        roleArn = fake.addRole("admin", { requireMfa: true }).arn;
      },
    },
  );
  await storedUser(s.home, "alice", alice);
  const r = await runCli(
    ["login", "admin", "--stdout", "--mfa-token", "123456", "--path", "s3/buckets"],
    // login works inside an aws-vault subshell (AWS_VAULT is not checked).
    { home: s.home, env: { ...s.env, AWS_VAULT: "alice" } },
  );
  assertEquals(r.stderr, "");
  assertEquals(r.code, 0);
  // The source profile still uses a GetSessionToken session (with MFA); the role is chained.
  assertEquals(s.fake.callCounts(), { GetSessionToken: 1, AssumeRole: 1 });
  assertEquals(s.fake.callsTo("GetSessionToken")[0].params.TokenCode, "123456");

  const sent = s.signin.sessions[0];
  const role = s.fake.session(sent.sessionId)!;
  assertEquals(role.kind, "assumed-role");
  assertEquals(role.roleArn, roleArn);
  assertEquals(sent.sessionToken, role.sessionToken);
  assertEquals(
    r.stdout,
    expectedUrl(
      s.signin.prefix,
      "https://us-west-2.console.aws.amazon.com/s3/buckets?region=us-west-2",
      `signin/token+for=${sent.sessionId}`,
    ) + "\n",
  );
});

Deno.test("login without a profile: environment keys are federated; role sessions used as is", async () => {
  let carol!: FakeUserHandle;
  await using s = await setup(() => "", {
    prepare: (fake) => void (carol = fake.addUser("carol")),
  });
  // No keystore is needed (none is opened), and [default] is absent: --region decides.
  const r = await runCli(["login", "--stdout", "--region", "cn-north-1"], {
    home: s.home,
    env: {
      ...s.env,
      AWS_VAULT_BACKEND: "no-such-backend",
      AWS_ACCESS_KEY: carol.accessKeyId,
      AWS_SECRET_KEY: carol.secretAccessKey,
    },
  });
  assertEquals([r.code, r.stderr], [0, ""]);
  assertEquals(s.fake.callCounts(), { GetCallerIdentity: 1, GetUser: 1, GetFederationToken: 1 });
  const federatedId = s.signin.sessions[0].sessionId;
  assertEquals(s.fake.session(federatedId)!.kind, "federated-user");
  assertEquals(
    r.stdout,
    expectedUrl(
      s.signin.prefix,
      "https://cn-north-1.console.amazonaws.cn/console/home?region=cn-north-1",
      `signin/token+for=${federatedId}`,
    ) + "\n",
  );

  // Role credentials in the environment: GetCallerIdentity says assumed-role, so no federation.
  const role = s.fake.state.issueSession({
    kind: "assumed-role",
    arn: `arn:aws:sts::${s.fake.accountId}:assumed-role/viewer/s1`,
    userId: "AROAVIEWER:s1",
    userName: "carol",
    roleArn: `arn:aws:iam::${s.fake.accountId}:role/viewer`,
    roleSessionName: "s1",
    chain: [carol.arn, `arn:aws:iam::${s.fake.accountId}:role/viewer`],
    mfaAuthenticated: false,
    durationSeconds: 3600,
    tags: {},
    transitiveTagKeys: [],
    issuedBy: carol.accessKeyId,
  });
  s.fake.clearCalls();
  const r2 = await runCli(["login", "-s"], {
    home: s.home,
    env: {
      ...s.env,
      AWS_DEFAULT_REGION: "eu-central-1",
      AWS_ACCESS_KEY_ID: role.accessKeyId,
      AWS_SECRET_ACCESS_KEY: role.secretAccessKey,
      AWS_SESSION_TOKEN: role.sessionToken,
    },
  });
  assertEquals([r2.code, r2.stderr], [0, ""]);
  assertEquals(s.fake.callCounts(), { GetCallerIdentity: 1 });
  assertEquals(s.signin.sessions[1], {
    sessionId: role.accessKeyId,
    sessionKey: role.secretAccessKey,
    sessionToken: role.sessionToken,
  });
  assertStringIncludes(r2.stdout, queryEscape("https://eu-central-1.console.aws.amazon.com/"));
});

Deno.test("login without a profile and without environment keys is an error", async () => {
  await using s = await setup(() => "");
  const r = await runCli(["login", "--stdout"], {
    home: s.home,
    env: { ...s.env, AWS_ACCESS_KEY_ID: "AKIAONLYTHEID" },
  });
  assertEquals(r.code, 1);
  assertEquals(r.stdout, "");
  assertEquals(
    r.stderr,
    "aws-vault: error: login: argument 'profile' not provided, nor any AWS env vars found. Try --help\n",
  );
  assertEquals(s.fake.calls.length, 0);
});

Deno.test("login: a non-200 sign-in answer and an answer without SigninToken are errors", async () => {
  for (
    const [mode, message] of [
      ["error", "Call to getSigninToken failed with 500 Internal Server Error"],
      ["no-token", "Expected a response with SigninToken"],
    ] as const
  ) {
    let alice!: FakeUserHandle;
    await using s = await setup(() => `[profile alice]\nregion=us-east-1\n`, {
      mode,
      prepare: (fake) => void (alice = fake.addUser("alice")),
    });
    await storedUser(s.home, "alice", alice);
    const r = await runCli(["login", "alice", "--stdout"], { home: s.home, env: s.env });
    assertEquals(r.code, 1);
    assertEquals(r.stdout, "");
    assertEquals(r.stderr, `aws-vault: error: login: ${message}\n`);
    assertEquals(s.signin.sessions.length, 1);
  }
});

Deno.test("login: the chain's errors name the profile", async () => {
  await using s = await setup(() => `[profile empty]\nregion=us-east-1\n`);
  const r = await runCli(["login", "empty", "--stdout"], { home: s.home, env: s.env });
  assertEquals(r.code, 1);
  assertEquals(r.stderr, "aws-vault: error: login: profile empty: credentials missing\n");
});

linuxTest(
  "xdg-open",
  "login without --stdout opens the URL (single argv element) and prints nothing",
  async () => {
    let alice!: FakeUserHandle;
    await using s = await setup(() => `[profile alice]\nregion=us-east-1\n`, {
      prepare: (fake) => void (alice = fake.addUser("alice")),
    });
    await storedUser(s.home, "alice", alice);
    const ok = await fakeOpener(0);
    const failing = await fakeOpener(3);
    try {
      const r = await runCli(["login", "alice"], {
        home: s.home,
        env: { ...s.env, PATH: `${ok.dir}:${s.env.PATH ?? Deno.env.get("PATH")}` },
      });
      assertEquals([r.code, r.stdout, r.stderr], [0, "", ""]);
      const url = expectedUrl(
        s.signin.prefix,
        "https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1",
        `signin/token+for=${s.signin.sessions[0].sessionId}`,
      );
      assertEquals(await Deno.readTextFile(ok.argvFile), `1\n${url}\n`);

      const bad = await runCli(["login", "alice"], {
        home: s.home,
        env: { ...s.env, PATH: `${failing.dir}:${Deno.env.get("PATH")}` },
      });
      assertEquals(bad.code, 1);
      assertEquals(bad.stdout, "");
      const badUrl = (await Deno.readTextFile(failing.argvFile)).split("\n")[1];
      // As in aws-vault, the URL is shown so that it can be pasted by hand.
      assertEquals(
        bad.stderr,
        `aws-vault: error: login: Failed to open ${badUrl}: exit status 3\n`,
      );
      assertNotIncludes(bad.stderr, alice.secretAccessKey);
    } finally {
      await ok.cleanup();
      await failing.cleanup();
    }
  },
);

Deno.test("browserCommand: xdg-open, open, rundll32 with the URL as one argument", () => {
  const url = "https://signin.aws.amazon.com/federation?Action=login&SigninToken=a+b";
  assertEquals(browserCommand(url, "linux"), { command: "xdg-open", args: [url] });
  assertEquals(browserCommand(url, "freebsd"), { command: "xdg-open", args: [url] });
  assertEquals(browserCommand(url, "darwin"), { command: "open", args: [url] });
  assertEquals(
    browserCommand(url, "windows", (n) => (n === "SYSTEMROOT" ? "C:\\Windows" : undefined)),
    {
      command: "C:\\Windows\\System32\\rundll32.exe",
      args: ["url.dll,FileProtocolHandler", url],
    },
  );
  assertEquals(browserCommand(url, "windows", () => undefined).command, "rundll32.exe");
});

Deno.test("login --debug logs the flow without any secret", async () => {
  let alice!: FakeUserHandle;
  await using s = await setup(() => `[profile alice]\nregion=us-east-1\n`, {
    prepare: (fake) => void (alice = fake.addUser("alice")),
  });
  await storedUser(s.home, "alice", alice);
  const r = await runCli(["--debug", "login", "alice", "--stdout"], { home: s.home, env: s.env });
  assertEquals(r.code, 0);
  assertStringIncludes(
    r.stderr,
    "profile alice: skipping GetSessionToken because sessions are disabled for this profile",
  );
  assertStringIncludes(r.stderr, "Using GetFederationToken for credentials");
  assertStringIncludes(r.stderr, "using GetFederationToken, expires in");
  const sent = s.signin.sessions[0];
  for (
    const secret of [alice.secretAccessKey, sent.sessionKey, sent.sessionToken, "signin/token"]
  ) {
    assertNotIncludes(r.stderr, secret);
    assertNotIncludes(r.stderr, queryEscape(secret));
  }
});

Deno.test("login: AWS_PROFILE names the profile; --auto-logout and AWS_VAULT_AUTO_LOGOUT log out first; AWS_VAULT_STDOUT prints", async () => {
  let alice!: FakeUserHandle;
  await using s = await setup(() => `[profile alice]\nregion=eu-west-1\n`, {
    prepare: (fake) => void (alice = fake.addUser("alice")),
  });
  await storedUser(s.home, "alice", alice);
  const env = { ...s.env, AWS_PROFILE: "alice", AWS_VAULT_STDOUT: "true" };
  const plain = await runCli(["login"], { home: s.home, env });
  assertEquals(plain.stderr, "");
  assertEquals(plain.code, 0);
  const login = plain.stdout.trim();
  assertStringIncludes(login, `${s.signin.prefix}?Action=login&Issuer=aws-vault&Destination=`);
  assertEquals(s.signin.sessions.length, 1);

  const autoLogout: [string[], Record<string, string>][] = [
    [["login", "-a"], {}],
    [["login"], { AWS_VAULT_AUTO_LOGOUT: "1" }],
  ];
  for (const [args, extra] of autoLogout) {
    const r = await runCli(args, { home: s.home, env: { ...env, ...extra } });
    assertEquals(r.code, 0, r.stderr);
    const url = new URL(r.stdout.trim());
    assertEquals(`${url.origin}${url.pathname}`, `https://${new URL(s.signin.prefix).host}/oauth`);
    assertEquals(url.searchParams.get("Action"), "logout");
    const redirect = url.searchParams.get("redirect_uri")!;
    assertStringIncludes(redirect, `${s.signin.prefix}?Action=login&Issuer=aws-vault&Destination=`);
    // The sign-in token survives the round trip through the logout redirect unchanged.
    const token = new URL(redirect).searchParams.get("SigninToken");
    assertEquals(token, `signin/token+for=${s.signin.sessions.at(-1)!.sessionId}`);
  }
});
