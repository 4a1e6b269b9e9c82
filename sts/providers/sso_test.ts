/**
 * The SSO provider against the fake AWS with a real file keystore: the device flow and its
 * messages, the OIDC token cache, slow_down, expiry, the 401 retry and the device-flow lock.
 */
import { assertEquals, assertMatch, assertRejects } from "../../tests/assert.ts";
import { fileKeystore } from "../../tests/engine_fixtures.ts";
import { type FakeAws, startFakeAws } from "../../tests/fake_aws/server.ts";
import { testProfile } from "../../tests/fake_aws/test_profile.ts";
import { UserError } from "../../lib/errors.ts";
import type { Keystore } from "../../keystore/keystore.ts";
import { oidcKey } from "../../keystore/key_names.ts";
import { goLocalTime, oidcTokenItem } from "../../keystore/oidc_token_item.ts";
import type { ProfileConfig } from "../config/profile_config.ts";
import { OidcTokenCache } from "../oidc_token_cache.ts";
import { SsoRoleCredentialsProvider } from "./sso.ts";

const START_URL = "https://corp.awsapps.com/start";

interface Setup {
  fake: FakeAws;
  keystore: Keystore;
  dir: string;
  /** Everything the provider wrote for the user. */
  messages: string[];
  opened: string[];
  sleeps: number[];
  provider(
    overrides?: Partial<ProfileConfig>,
    opts?: { cache?: boolean },
  ): SsoRoleCredentialsProvider;
  [Symbol.asyncDispose](): Promise<void>;
}

async function setup(): Promise<Setup> {
  const fake = await startFakeAws();
  fake.sso.assignRole(fake.accountId, "Admin");
  fake.sso.assignRole(fake.accountId, "ReadOnly");
  fake.sso.autoApproveAfterPolls = 1;
  const dir = await Deno.makeTempDir({ prefix: "sso-provider-test-" });
  const keystore = await fileKeystore(`${dir}/keys`);
  const messages: string[] = [];
  const opened: string[] = [];
  const sleeps: number[] = [];
  return {
    fake,
    keystore,
    dir,
    messages,
    opened,
    sleeps,
    provider(overrides = {}, opts = {}) {
      const profile = testProfile({
        name: "sso",
        region: "",
        ssoStartUrl: START_URL,
        ssoRegion: "eu-west-1",
        ssoAccountId: fake.accountId,
        ssoRoleName: "Admin",
        ssoUseStdout: true,
        ...overrides,
      });
      return new SsoRoleCredentialsProvider(profile, {
        env: (n) => (n === "AWS_ENDPOINT_URL" ? fake.url : undefined),
        tokenCache: opts.cache === false ? undefined : new OidcTokenCache(keystore),
        lock: { dir: `${dir}/locks` },
        notify: (text) => messages.push(text),
        openBrowser: (url) => {
          opened.push(url);
          return url.includes("fail")
            ? Promise.reject(new Error("exit status 3"))
            : Promise.resolve();
        },
        sleep: (ms) => {
          sleeps.push(ms);
          return Promise.resolve();
        },
        // Time passes as the provider sleeps, without the test waiting.
        now: () => Date.now() + sleeps.reduce((a, b) => a + b, 0),
        client: { retryDelayMs: 10 },
      });
    },
    async [Symbol.asyncDispose]() {
      await fake.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function deviceUrl(fake: FakeAws): string {
  const device = [...fake.sso.devices.values()].at(-1)!;
  return `${fake.url}/device?user_code=${device.userCode}`;
}

Deno.test("SSO provider: device flow with --stdout, token cached under oidc:<start url>, then reused", async () => {
  await using s = await setup();
  const before = Date.now();
  const creds = await s.provider().retrieve();
  assertMatch(creds.accessKeyId, /^ASIA/);
  assertEquals(s.fake.callCounts(), {
    RegisterClient: 1,
    StartDeviceAuthorization: 1,
    CreateToken: 2,
    GetRoleCredentials: 1,
  });
  assertEquals(s.fake.callsTo("RegisterClient")[0].params, {
    clientName: "aws-vault",
    clientType: "public",
  });
  assertEquals(s.fake.callsTo("StartDeviceAuthorization")[0].params.startUrl, START_URL);
  assertEquals(
    s.fake.callsTo("CreateToken")[0].params.grantType,
    "urn:ietf:params:oauth:grant-type:device_code",
  );
  assertEquals(s.messages, [
    `Open the SSO authorization page in a browser (use Ctrl-C to abort)\n${deviceUrl(s.fake)}\n`,
  ]);
  assertEquals(s.opened, []);
  assertEquals(s.sleeps, [1000]);
  // Role credentials: the portal's epoch milliseconds, kept as aws-vault writes them (local zone).
  const session = s.fake.session(creds.accessKeyId)!;
  assertEquals(creds.expiration?.getTime(), session.expiration.getTime());
  assertEquals(creds.expirationText, goLocalTime(session.expiration, true));

  // The token item: aws-vault's key, and an expiry ExpiresIn from now.
  assertEquals((await s.keystore.keys()).filter((k) => k.startsWith("oidc:")), [
    oidcKey(START_URL),
  ]);
  const token = (await new OidcTokenCache(s.keystore).get(START_URL))!;
  const issued = [...s.fake.sso.tokens.values()][0];
  assertEquals(token.accessToken, issued.accessToken);
  const lifetime = token.expiration.getTime() - before;
  assertEquals(lifetime >= 28800_000 && lifetime < 28810_000, true, String(lifetime));

  // Another role with the same start URL: the cached token, no new device flow.
  s.fake.clearCalls();
  const other = await s.provider({ name: "ro", ssoRoleName: "ReadOnly" }).retrieve();
  assertEquals(s.fake.callCounts(), { GetRoleCredentials: 1 });
  assertEquals(s.fake.calls[0].params.accessToken, issued.accessToken);
  assertMatch(s.fake.session(other.accessKeyId)!.arn, /AWSReservedSSO_ReadOnly_/);
  assertEquals(s.messages.length, 1);
});

Deno.test("SSO provider: without --stdout the browser opens the URL; a failure is only logged", async () => {
  await using s = await setup();
  await s.provider({ ssoUseStdout: false }).retrieve();
  const url = deviceUrl(s.fake);
  assertEquals(s.messages, [
    `Opening the SSO authorization page in your default browser (use Ctrl-C to abort)\n${url}\n`,
  ]);
  assertEquals(s.opened, [url]);

  // An opener that fails does not stop the flow (the user can still open the printed URL).
  s.fake.sso.autoApproveAfterPolls = 0;
  await s.provider({ ssoUseStdout: false, ssoStartUrl: "https://fail.awsapps.com/start" })
    .retrieve();
  assertEquals(s.opened.length, 2);
  assertEquals(s.fake.callCount("GetRoleCredentials"), 2);
});

Deno.test("SSO provider: SlowDownException adds 5 s to the interval and polling goes on", async () => {
  await using s = await setup();
  s.fake.sso.slowDownPolls = 1;
  await s.provider().retrieve();
  assertEquals(s.fake.callsTo("CreateToken").map((c) => c.errorCode ?? "ok"), [
    "SlowDownException",
    "AuthorizationPendingException",
    "ok",
  ]);
  assertEquals(s.sleeps, [6000, 6000]);
});

Deno.test("SSO provider: ExpiredTokenException and other errors end the flow; so does the device code's expiry", async () => {
  await using s = await setup();
  s.fake.failNext("CreateToken", {
    status: 400,
    code: "ExpiredTokenException",
    message: "Device code has expired",
  });
  await assertRejects(
    () => s.provider().retrieve(),
    Error,
    "ExpiredTokenException: Device code has expired",
  );
  assertEquals(s.fake.callCount("CreateToken"), 1);
  assertEquals(await s.keystore.keys(), []);

  // Never approved: polling stops when the device code expires instead of going on forever.
  s.fake.sso.autoApproveAfterPolls = undefined;
  s.fake.sso.deviceCodeLifetime = 3;
  await assertRejects(
    () => s.provider().retrieve(),
    UserError,
    `the SSO authorization for ${START_URL} was not approved within 3s`,
  );
  assertEquals(s.fake.callCount("CreateToken"), 1 + 3); // at 0 s, 1 s and 2 s
});

Deno.test("SSO provider: a 401 with a cached token runs the flow once more, reusing the client", async () => {
  await using s = await setup();
  await s.provider().retrieve();
  const first = [...s.fake.sso.tokens.keys()][0];
  s.fake.sso.expireAccessTokens();
  s.fake.clearCalls();
  await s.provider().retrieve();
  assertEquals(s.fake.calls.map((c) => `${c.action}:${c.status}`), [
    "GetRoleCredentials:401",
    "StartDeviceAuthorization:200",
    "CreateToken:400",
    "CreateToken:200",
    "GetRoleCredentials:200",
  ]);
  const token = (await new OidcTokenCache(s.keystore).get(START_URL))!;
  assertEquals(token.accessToken !== first, true);

  // A 401 again right after a new flow is an error, not a loop.
  s.fake.clearCalls();
  s.fake.failNext("GetRoleCredentials", {
    status: 401,
    code: "UnauthorizedException",
    message: "Session token not found or invalid",
    times: 2,
  });
  await assertRejects(
    () => s.provider().retrieve(),
    Error,
    "UnauthorizedException: Session token not found or invalid",
  );
  assertEquals(s.fake.callCount("GetRoleCredentials"), 2);
  assertEquals(s.fake.callCount("StartDeviceAuthorization"), 1);
});

Deno.test("SSO provider: an expired cached token is deleted on read and a new flow runs", async () => {
  await using s = await setup();
  await s.keystore.set(oidcTokenItem(START_URL, {
    accessToken: "old-token",
    expiresIn: 28800,
    idToken: null,
    refreshToken: null,
    tokenType: "Bearer",
    expiration: new Date(Date.now() - 1000),
  }));
  await s.provider().retrieve();
  assertEquals(s.fake.callCount("StartDeviceAuthorization"), 1);
  assertEquals(s.fake.callsTo("GetRoleCredentials")[0].params.accessToken !== "old-token", true);
  const token = (await new OidcTokenCache(s.keystore).get(START_URL))!;
  assertEquals(token.accessToken, [...s.fake.sso.tokens.keys()][0]);
});

Deno.test("SSO provider: sso_registration_scopes are registered; refresh token and client stored", async () => {
  await using s = await setup();
  await s.provider({ ssoRegistrationScopes: "sso:account:access, openid" }).retrieve();
  const register = s.fake.callsTo("RegisterClient")[0].params;
  assertEquals(register.scopes, "sso:account:access,openid");
  const raw = JSON.parse(new TextDecoder().decode((await s.keystore.get(oidcKey(START_URL))).data));
  const issued = [...s.fake.sso.refreshTokens.values()][0];
  assertEquals(raw.Token.RefreshToken, issued.refreshToken);
  const client = s.fake.sso.clients.get(issued.clientId)!;
  assertEquals(raw.ClientRegistration.ClientId, client.clientId);
  assertEquals(raw.ClientRegistration.ClientSecret, client.clientSecret);
  assertEquals(raw.ClientRegistration.Scopes, ["sso:account:access", "openid"]);
  assertEquals(raw.ClientRegistration.GrantTypes, []);
});

Deno.test("SSO provider: without a cache (rotate) nothing is stored", async () => {
  await using s = await setup();
  await s.provider({}, { cache: false }).retrieve();
  assertEquals(await s.keystore.keys(), []);
});

Deno.test("SSO provider: missing sso_account_id / sso_role_name is a clear error before any call", async () => {
  await using s = await setup();
  await assertRejects(
    () => s.provider({ ssoAccountId: "", ssoRoleName: "" }).retrieve(),
    UserError,
    "profile sso: sso_account_id and sso_role_name must be set to use sso_start_url",
  );
  assertEquals(s.fake.callCount(), 0);
});

Deno.test("SSO provider: concurrent retrievals for one start URL share one device flow", async () => {
  await using s = await setup();
  const results = await Promise.all([
    s.provider().retrieve(),
    s.provider({ name: "ro", ssoRoleName: "ReadOnly" }).retrieve(),
  ]);
  assertEquals(results.length, 2);
  assertEquals(s.fake.callCount("StartDeviceAuthorization"), 1);
  assertEquals(s.fake.callCount("GetRoleCredentials"), 2);
});
