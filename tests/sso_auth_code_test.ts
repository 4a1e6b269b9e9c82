/**
 * SSO as the AWS CLI v2 does it, end to end: the CLI in a temporary HOME (file backend) against
 * the fake AWS. A fake browser (an `xdg-open` on PATH that follows the URL with curl, as a browser
 * with a live SSO session would) completes the authorization code flow through our loopback
 * listener, or approves a device code. Then: silent refresh, a refused refresh, parallel
 * processes, and the AWS CLI's `~/.aws/sso/cache` read and kept in sync.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./assert.ts";
import { baseEnv, runCli } from "./run_cli.ts";
import type { FakeAws } from "./fake_aws/server.ts";
import { type FakeAwsSetup, fakeAwsSetup } from "./engine_fixtures.ts";
import { oidcKey } from "../keystore/key_names.ts";
import { decodeOidcToken, oidcTokenItem } from "../keystore/oidc_token_item.ts";
import { linuxTest } from "./platform.ts";
import { pathFromFileUrl } from "../lib/file_url.ts";

const START_URL = "https://corp.awsapps.com/start";
const BROWSER_PROMPT =
  "Opening the SSO authorization page in your default browser (use Ctrl-C to abort)\n";

function config(fake: FakeAws): string {
  const profile = (name: string, role: string) =>
    `[profile ${name}]\nsso_session = corp\nsso_account_id = ${fake.accountId}\n` +
    `sso_role_name = ${role}\nregion = eu-west-1\n\n`;
  return profile("corp-admin", "Admin") + profile("corp-ro", "ReadOnly") +
    profile("corp-admin-2", "Admin") +
    `[profile legacy]\nsso_start_url = ${START_URL}\nsso_region = eu-west-1\n` +
    `sso_account_id = ${fake.accountId}\nsso_role_name = Admin\n\n` +
    `[sso-session corp]\nsso_start_url = ${START_URL}\nsso_region = eu-west-1\n`;
}

interface Setup extends FakeAwsSetup {
  /** The fake browser's directory (its log of opened URLs is `opened`). */
  bin: string;
  opened(): Promise<string[]>;
  run(args: string[], env?: Record<string, string>): ReturnType<typeof runCli>;
  cacheFile(name: string): Promise<string>;
}

async function setup(): Promise<Setup> {
  const s = await fakeAwsSetup(config, {
    prepare: (fake) => {
      fake.sso.assignRole(fake.accountId, "Admin");
      fake.sso.assignRole(fake.accountId, "ReadOnly");
    },
  });
  const bin = `${s.home}/bin`;
  await Deno.mkdir(bin);
  // The browser: follows /authorize's redirect to our loopback callback, or opens the device
  // page (which approves the code). It logs each URL it was given.
  await Deno.writeTextFile(
    `${bin}/xdg-open`,
    `#!/bin/sh\nprintf '%s\\n' "$1" >> "${bin}/opened"\n` +
      `exec curl -sS -L --max-time 30 -o /dev/null "$1"\n`,
  );
  await Deno.chmod(`${bin}/xdg-open`, 0o755);
  const env = { ...s.env, PATH: `${bin}:${Deno.env.get("PATH")}`, DISPLAY: ":0" };
  return Object.assign(s, {
    bin,
    env,
    async opened() {
      try {
        return (await Deno.readTextFile(`${bin}/opened`)).trim().split("\n");
      } catch {
        return [];
      }
    },
    run: (args: string[], extra: Record<string, string> = {}) =>
      runCli(args, { home: s.home, env: { ...env, ...extra } }),
    async cacheFile(name: string) {
      const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(name));
      const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0"))
        .join("");
      return `${s.home}/.aws/sso/cache/${hex}.json`;
    },
  });
}

const exportJson = (profile: string, ...extra: string[]) => [
  "export",
  "--format=json",
  ...extra,
  profile,
];

/** The stored token with its expiry moved into the past (as after 8 hours). */
async function expireStoredToken(s: Setup): Promise<void> {
  const item = await s.keystore.get(oidcKey(START_URL));
  const token = decodeOidcToken(item.data);
  await s.keystore.set(
    oidcTokenItem(START_URL, { ...token, expiration: new Date(Date.now() - 1) }),
  );
  s.fake.sso.expireAccessTokens();
}

async function storedToken(s: Setup) {
  return decodeOidcToken((await s.keystore.get(oidcKey(START_URL))).data);
}

linuxTest(
  "a fake xdg-open as the browser",
  "sso auth code: an sso-session profile logs in with PKCE through the loopback listener",
  async () => {
    await using s = await setup();
    const r = await s.run(exportJson("corp-admin"));
    assertEquals(r.code, 0, r.stderr);
    assertMatch(JSON.parse(r.stdout).AccessKeyId, /^ASIA/);

    const [url] = await s.opened();
    assertEquals(r.stderr, `${BROWSER_PROMPT}${url}\n`);
    const u = new URL(url);
    assertEquals(`${u.origin}${u.pathname}`, `${s.fake.url}/authorize`);
    const q = u.searchParams;
    assertEquals(q.get("response_type"), "code");
    assertEquals(q.get("code_challenge_method"), "S256");
    assertEquals(q.get("scopes"), "sso:account:access");
    assertMatch(q.get("redirect_uri")!, /^http:\/\/127\.0\.0\.1:\d+\/oauth\/callback$/);
    assertMatch(q.get("code_challenge")!, /^[A-Za-z0-9_-]{43}$/);
    assertMatch(q.get("state")!, /^[0-9a-f-]{36}$/);

    assertEquals(s.fake.callsTo("RegisterClient")[0].params, {
      clientName: "aws-vault",
      clientType: "public",
      scopes: "sso:account:access",
      grantTypes: "authorization_code,refresh_token",
      redirectUris: "http://127.0.0.1/oauth/callback",
      issuerUrl: START_URL,
    });
    const create = s.fake.callsTo("CreateToken");
    assertEquals(create.map((c) => [c.params.grantType, c.status]), [["authorization_code", 200]]);
    assertEquals(create[0].params.redirectUri, q.get("redirect_uri"));
    assertEquals(s.fake.callCount("StartDeviceAuthorization"), 0);

    // The refresh token and the client are kept with the token.
    const token = await storedToken(s);
    assertEquals(s.fake.sso.refreshTokens.get(token.refreshToken!)?.revoked, false);
    assertEquals(token.registration?.grantTypes, ["authorization_code", "refresh_token"]);
    // No AWS CLI cache existed: none is written.
    await Deno.stat(`${s.home}/.aws/sso`).then(
      () => assert(false, "~/.aws/sso was created"),
      () => {},
    );
  },
);

linuxTest(
  "a fake xdg-open as the browser",
  "sso auth code: a redirect with the wrong state is refused",
  async () => {
    await using s = await setup();
    s.fake.sso.authorizeState = "forged-state";
    const r = await s.run(exportJson("corp-admin"));
    assertEquals(r.code, 1);
    assertStringIncludes(r.stderr, `does not belong to this login (wrong state)`);
    assertEquals(s.fake.callCount("CreateToken"), 0);
    assertEquals(await s.keystore.keys(), []);
  },
);

linuxTest(
  "a fake xdg-open as the browser",
  "sso auth code: the device code flow under SSH, with --use-device-code and AWS_VAULT_SSO_USE_DEVICE_CODE",
  async () => {
    const cases: Array<[string[], Record<string, string>]> = [
      [[], { SSH_CONNECTION: "10.0.0.1 50000 10.0.0.2 22" }],
      [["--use-device-code"], {}],
      [[], { AWS_VAULT_SSO_USE_DEVICE_CODE: "true" }],
    ];
    for (const [flags, env] of cases) {
      await using s = await setup();
      s.fake.sso.pollInterval = 1;
      const r = await s.run(exportJson("corp-admin", ...flags), env);
      assertEquals(r.code, 0, `${flags} ${JSON.stringify(env)}: ${r.stderr}`);
      const [url] = await s.opened();
      assertStringIncludes(url, "/device?user_code=");
      assertEquals(s.fake.callCount("StartDeviceAuthorization"), 1);
      assertEquals(s.fake.callsTo("RegisterClient")[0].params.grantTypes, undefined);
      assertEquals(s.fake.callsTo("RegisterClient")[0].params.scopes, "sso:account:access");
      // The sso-session default scope gets a refresh token in the device flow too.
      assert((await storedToken(s)).refreshToken);
    }
  },
);

linuxTest(
  "a fake xdg-open as the browser",
  "sso auth code: --no-use-device-code overrides AWS_VAULT_SSO_USE_DEVICE_CODE=true",
  async () => {
    await using s = await setup();
    const r = await s.run(exportJson("corp-admin", "--no-use-device-code"), {
      AWS_VAULT_SSO_USE_DEVICE_CODE: "true",
    });
    assertEquals(r.code, 0, r.stderr);
    const [url] = await s.opened();
    assertEquals(new URL(url).pathname, "/authorize");
    assertEquals(s.fake.callCount("StartDeviceAuthorization"), 0);
  },
);

linuxTest(
  "a fake xdg-open as the browser",
  "sso auth code: an expired token is refreshed silently (no browser), the rotated token stored",
  async () => {
    await using s = await setup();
    assertEquals((await s.run(exportJson("corp-admin"))).code, 0);
    const before = await storedToken(s);
    await expireStoredToken(s);
    s.fake.clearCalls();

    const r = await s.run(exportJson("corp-ro"));
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stderr, "");
    assertEquals((await s.opened()).length, 1);
    assertEquals(s.fake.callCounts(), { CreateToken: 1, GetRoleCredentials: 1 });
    const create = s.fake.callsTo("CreateToken")[0];
    assertEquals(create.params.grantType, "refresh_token");
    assertEquals(create.params.clientId, before.registration!.clientId);
    const after = await storedToken(s);
    assert(after.refreshToken !== before.refreshToken);
    assertEquals(s.fake.sso.refreshTokens.get(after.refreshToken!)?.revoked, false);
    assert(after.expiration.getTime() > Date.now() + 7 * 3600_000);
    assertEquals(s.fake.callsTo("GetRoleCredentials")[0].params.accessToken, after.accessToken);
  },
);

linuxTest(
  "a fake xdg-open as the browser",
  "sso auth code: a refused refresh falls back to a login that reuses the client",
  async () => {
    await using s = await setup();
    assertEquals((await s.run(exportJson("corp-admin"))).code, 0);
    await expireStoredToken(s);
    s.fake.sso.revokeRefreshTokens();
    s.fake.clearCalls();

    const r = await s.run(exportJson("corp-ro"));
    assertEquals(r.code, 0, r.stderr);
    assertEquals((await s.opened()).length, 2);
    assertEquals(
      s.fake.callsTo("CreateToken").map((c) => [c.params.grantType, c.errorCode ?? "ok"]),
      [["refresh_token", "InvalidGrantException"], ["authorization_code", "ok"]],
    );
    assertEquals(s.fake.callCount("RegisterClient"), 0);
  },
);

linuxTest(
  "a fake xdg-open as the browser",
  "sso auth code: two processes needing a refresh at once make one refresh",
  async () => {
    await using s = await setup();
    assertEquals((await s.run(exportJson("corp-admin"))).code, 0);
    await expireStoredToken(s);
    s.fake.clearCalls();
    const [a, b] = await Promise.all([
      s.run(exportJson("corp-ro")),
      s.run(exportJson("corp-admin-2")),
    ]);
    assertEquals([a.code, b.code], [0, 0], a.stderr + b.stderr);
    assertEquals(s.fake.callsTo("CreateToken").map((c) => c.params.grantType), ["refresh_token"]);
    assertEquals(s.fake.callCount("GetRoleCredentials"), 2);
    assertEquals((await s.opened()).length, 1);
  },
);

/** A token and refresh token issued by the fake to a client of "the AWS CLI". */
function awsCliLogin(fake: FakeAws, expiresAt: number) {
  const clientId = "awscli-client";
  const clientSecret = "awscli-secret";
  fake.sso.clients.set(clientId, {
    clientId,
    clientSecret,
    clientName: "botocore-client-corp",
    scopes: ["sso:account:access"],
    registration: { grantTypes: [], redirectUris: [], issuerUrl: "" },
    secretExpiresAt: Math.floor(Date.now() / 1000) + 86400,
  });
  const accessToken = "aoaAAAAAGawscli" + crypto.randomUUID();
  fake.sso.tokens.set(accessToken, { accessToken, startUrl: START_URL, clientId, expiresAt });
  const refreshToken = "aorAAAAAGawscli" + crypto.randomUUID();
  fake.sso.refreshTokens.set(refreshToken, {
    refreshToken,
    clientId,
    startUrl: START_URL,
    revoked: false,
  });
  return {
    startUrl: START_URL,
    region: "eu-west-1",
    accessToken,
    expiresAt: new Date(expiresAt).toISOString().slice(0, 19) + "Z",
    clientId,
    clientSecret,
    registrationExpiresAt: new Date(Date.now() + 86400_000).toISOString().slice(0, 19) + "Z",
    refreshToken,
  };
}

async function writeCache(path: string, value: unknown): Promise<void> {
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeTextFile(path, JSON.stringify(value), { mode: 0o600 });
}

linuxTest(
  "a fake xdg-open as the browser",
  "sso auth code: a valid token in the AWS CLI's cache is used without a login",
  async () => {
    await using s = await setup();
    const cli = awsCliLogin(s.fake, Date.now() + 8 * 3600_000);
    // sso-session profiles: sha1 of the session name; legacy profiles: sha1 of the start URL.
    await writeCache(await s.cacheFile("corp"), cli);
    await writeCache(await s.cacheFile(START_URL), cli);
    for (const profile of ["corp-admin", "legacy"]) {
      s.fake.clearCalls();
      const r = await s.run(exportJson(profile));
      assertEquals(r.code, 0, r.stderr);
      assertEquals(s.fake.callCounts(), { GetRoleCredentials: 1 });
      assertEquals(s.fake.callsTo("GetRoleCredentials")[0].params.accessToken, cli.accessToken);
    }
    assertEquals(await s.opened(), []);
  },
);

linuxTest(
  "a fake xdg-open as the browser",
  "sso auth code: the AWS CLI's expired token is refreshed with its own client and the file updated",
  async () => {
    await using s = await setup();
    const cli = awsCliLogin(s.fake, Date.now() - 60_000);
    const path = await s.cacheFile("corp");
    await writeCache(path, { ...cli, extraField: "kept" });

    const r = await s.run(exportJson("corp-admin"));
    assertEquals(r.code, 0, r.stderr);
    assertEquals(await s.opened(), []);
    const create = s.fake.callsTo("CreateToken");
    assertEquals(create.map((c) => [c.params.grantType, c.params.clientId]), [
      ["refresh_token", "awscli-client"],
    ]);

    const file = JSON.parse(await Deno.readTextFile(path));
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert(file.accessToken !== cli.accessToken && s.fake.sso.tokens.has(file.accessToken));
    assert(file.refreshToken !== cli.refreshToken);
    assertEquals(s.fake.sso.refreshTokens.get(file.refreshToken)?.revoked, false);
    assertMatch(file.expiresAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert(Date.parse(file.expiresAt) > Date.now() + 7 * 3600_000);
    assertEquals(
      [file.startUrl, file.region, file.clientId, file.clientSecret, file.extraField],
      [START_URL, "eu-west-1", cli.clientId, cli.clientSecret, "kept"],
    );
    assertEquals(file.registrationExpiresAt, cli.registrationExpiresAt);
    // Our keystore has the same rotated token.
    assertEquals((await storedToken(s)).refreshToken, file.refreshToken);
    assertEquals(s.fake.callsTo("GetRoleCredentials")[0].params.accessToken, file.accessToken);
  },
);

linuxTest(
  "a fake xdg-open as the browser",
  "sso auth code: the JavaScript SDK v3 (fromSSO) uses the token we wrote to the shared cache",
  async () => {
    await using s = await setup();
    const login = await s.run(exportJson("corp-admin"), { AWS_VAULT_SSO_SHARED_CACHE: "true" });
    assertEquals(login.code, 0, login.stderr);
    const token = await storedToken(s);
    const file = JSON.parse(await Deno.readTextFile(await s.cacheFile("corp")));
    assertEquals(file.accessToken, token.accessToken);
    assertEquals(file.refreshToken, token.refreshToken);
    s.fake.clearCalls();

    const sdkDir = pathFromFileUrl(new URL("./js_sdk/", import.meta.url));
    const out = await new Deno.Command("node", {
      args: [`${sdkDir}from_sso.mjs`, "corp-ro"],
      cwd: sdkDir,
      clearEnv: true,
      env: {
        ...baseEnv(s.home),
        AWS_CONFIG_FILE: s.env.AWS_CONFIG_FILE,
        AWS_ENDPOINT_URL_SSO: s.fake.url,
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, `${stderr}\n(run: npm ci --prefix tests/js_sdk)`);
    const creds = JSON.parse(new TextDecoder().decode(out.stdout));
    assertMatch(creds.accessKeyId, /^ASIA/);
    assertEquals(s.fake.callsTo("GetRoleCredentials").map((c) => c.params.accessToken), [
      token.accessToken,
    ]);
    assertEquals(
      s.fake.session(creds.accessKeyId)?.roleArn?.includes("AWSReservedSSO_ReadOnly"),
      true,
    );
  },
);

linuxTest(
  "a fake xdg-open as the browser",
  "sso auth code: --debug shows no refresh token, client secret, code or verifier",
  async () => {
    await using s = await setup();
    const login = await s.run(exportJson("corp-admin", "--debug"));
    assertEquals(login.code, 0, login.stderr);
    await expireStoredToken(s);
    const refresh = await s.run(exportJson("corp-ro", "--debug"));
    assertEquals(refresh.code, 0, refresh.stderr);
    assertStringIncludes(login.stderr, "with the authorization code flow (PKCE)");
    assertStringIncludes(refresh.stderr, "Refreshed the OIDC access token");
    const secrets = [
      ...s.fake.sso.tokens.keys(),
      ...s.fake.sso.refreshTokens.keys(),
      ...[...s.fake.sso.clients.values()].map((c) => c.clientSecret),
      ...s.fake.sso.authorizations.keys(),
      ...s.fake.callsTo("CreateToken").map((c) => c.params.codeVerifier).filter((v) => v),
    ];
    assert(secrets.length >= 6);
    for (const secret of secrets) {
      assert(
        !login.stderr.includes(secret) && !refresh.stderr.includes(secret),
        "secret in --debug",
      );
    }
  },
);

linuxTest(
  "a fake xdg-open as the browser",
  "sso auth code: clear removes our token and leaves the AWS CLI's file alone",
  async () => {
    await using s = await setup();
    const path = await s.cacheFile("corp");
    await writeCache(path, awsCliLogin(s.fake, Date.now() - 60_000));
    assertEquals((await s.run(exportJson("corp-admin"))).code, 0);
    const file = await Deno.readTextFile(path);
    const clear = await s.run(["clear", "corp-admin"]);
    assertEquals(clear.code, 0, clear.stderr);
    assertEquals(await s.keystore.keys(), []);
    assertEquals(await Deno.readTextFile(path), file);
  },
);

linuxTest(
  "a fake xdg-open as the browser",
  "sso auth code: exec --profile-env puts the token where the child's SDK finds it",
  async () => {
    await using s = await setup();
    // The child resolves AWS_PROFILE itself: the JavaScript SDK's fromSSO with no profile named.
    // (The AWS CLI cannot be the child here: its SSO provider ignores endpoint overrides, so it
    // cannot reach the fake portal.)
    const sdkDir = pathFromFileUrl(new URL("./js_sdk/", import.meta.url));
    const r = await s.run(
      ["exec", "--profile-env", "corp-ro", "--", "node", `${sdkDir}from_sso.mjs`],
      {
        AWS_ENDPOINT_URL_SSO: s.fake.url,
      },
    );
    assertEquals(r.code, 0, `${r.stderr}\n(run: npm ci --prefix tests/js_sdk)`);
    const token = await storedToken(s);
    const file = JSON.parse(await Deno.readTextFile(await s.cacheFile("corp")));
    assertEquals(file.accessToken, token.accessToken);
    assertEquals((await Deno.stat(await s.cacheFile("corp"))).mode! & 0o777, 0o600);
    // Ours checked the credentials first; then the child made its own call with the shared token.
    const calls = s.fake.callsTo("GetRoleCredentials");
    assertEquals(calls.map((c) => [c.params.role_name, c.params.accessToken]), [
      ["ReadOnly", token.accessToken],
      ["ReadOnly", token.accessToken],
    ]);
    assertStringIncludes(calls[1].userAgent, "aws-sdk-js");
    const creds = JSON.parse(r.stdout);
    assertEquals(
      s.fake.session(creds.accessKeyId)?.roleArn?.includes("AWSReservedSSO_ReadOnly"),
      true,
    );
  },
);
