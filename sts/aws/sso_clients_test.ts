/** The SSO OIDC and SSO portal clients against the fake AWS: requests, answers, AWS's errors. */
import { assertEquals, assertMatch, assertRejects } from "../../tests/assert.ts";
import { startFakeAws } from "../../tests/fake_aws/server.ts";
import { testProfile } from "../../tests/fake_aws/test_profile.ts";
import { AwsNetworkError, AwsServiceError } from "./error.ts";
import { SsoClient } from "./sso_client.ts";
import { DEVICE_CODE_GRANT_TYPE, SsoOidcClient } from "./sso_oidc_client.ts";
import { StsClient } from "./sts_client.ts";

const START_URL = "https://example.awsapps.com/start";
const profile = testProfile({ region: "", ssoRegion: "eu-west-1", ssoStartUrl: START_URL });

/** The AwsServiceError `fn` rejects with. */
async function serviceError(fn: () => Promise<unknown>): Promise<AwsServiceError> {
  return await assertRejects(fn, AwsServiceError) as AwsServiceError;
}

function clients(url: string, envName = "AWS_ENDPOINT_URL") {
  const env = (n: string) => (n === envName ? url : undefined);
  return {
    oidc: new SsoOidcClient({ profile, env, retryDelayMs: 10 }),
    sso: new SsoClient({ profile, env, retryDelayMs: 10 }),
  };
}

Deno.test("SSO clients: the device flow, then role credentials that STS accepts", async () => {
  await using fake = await startFakeAws();
  fake.sso.assignRole(fake.accountId, "Admin");
  const { oidc, sso } = clients(fake.url);

  const client = await oidc.registerClient({ clientName: "aws-vault", clientType: "public" });
  assertEquals(fake.callsTo("RegisterClient")[0].params, {
    clientName: "aws-vault",
    clientType: "public",
  });
  assertMatch(String(client.clientSecretExpiresAt), /^\d{10}$/);

  const device = await oidc.startDeviceAuthorization({ ...client, startUrl: START_URL });
  assertEquals(device.verificationUriComplete, `${fake.url}/device?user_code=${device.userCode}`);
  assertEquals([device.expiresIn, device.interval], [600, 1]);

  const poll = () =>
    oidc.createToken({
      ...client,
      grantType: DEVICE_CODE_GRANT_TYPE,
      deviceCode: device.deviceCode,
    });
  const pending = await serviceError(poll);
  assertEquals([pending.code, pending.statusCode], ["AuthorizationPendingException", 400]);
  assertEquals(pending.operation, "sso-oidc:CreateToken");
  fake.approveDevice(device.userCode);
  const token = await poll();
  assertEquals([token.tokenType, token.expiresIn, token.refreshToken, token.idToken], [
    "Bearer",
    28800,
    null,
    null,
  ]);
  // A device code is single use.
  assertEquals((await serviceError(poll)).code, "InvalidGrantException");

  const before = Date.now();
  const creds = await sso.getRoleCredentials({
    accessToken: token.accessToken,
    accountId: fake.accountId,
    roleName: "Admin",
  });
  assertMatch(creds.accessKeyId, /^ASIA/);
  assertEquals(creds.expiration.getTime(), creds.expirationMs);
  assertEquals(Math.abs(creds.expirationMs - before - 3600_000) < 5000, true);
  const call = fake.callsTo("GetRoleCredentials")[0];
  assertEquals(call.params, {
    account_id: fake.accountId,
    role_name: "Admin",
    accessToken: token.accessToken,
  });
  assertEquals(call.service, "sso");

  const sts = new StsClient({
    profile: testProfile(),
    credentials: creds,
    env: (n) => (n === "AWS_ENDPOINT_URL" ? fake.url : undefined),
  });
  const who = await sts.getCallerIdentity();
  assertMatch(who.arn, /:assumed-role\/AWSReservedSSO_Admin_[0-9a-f]+\/sso-user@example\.com$/);
});

Deno.test("SSO clients: AWS's errors, 401 for an unknown or expired token, 403 for no access", async () => {
  await using fake = await startFakeAws();
  fake.sso.assignRole(fake.accountId, "Admin");
  const { oidc, sso } = clients(fake.url);
  const badClient = await serviceError(() =>
    oidc.startDeviceAuthorization({ clientId: "x", clientSecret: "y", startUrl: START_URL })
  );
  assertEquals([badClient.code, badClient.statusCode], ["InvalidClientException", 401]);
  assertEquals(badClient.message, "InvalidClientException: Invalid client");

  const unknown = await serviceError(() =>
    sso.getRoleCredentials({ accessToken: "nope", accountId: fake.accountId, roleName: "Admin" })
  );
  assertEquals(unknown.message, "UnauthorizedException: Session token not found or invalid");
  assertEquals([unknown.statusCode, unknown.operation], [401, "sso:GetRoleCredentials"]);

  fake.sso.autoApproveAfterPolls = 0;
  const client = await oidc.registerClient({ clientName: "aws-vault", clientType: "public" });
  const device = await oidc.startDeviceAuthorization({ ...client, startUrl: START_URL });
  const token = await oidc.createToken({
    ...client,
    grantType: DEVICE_CODE_GRANT_TYPE,
    deviceCode: device.deviceCode,
  });
  const noAccess = await serviceError(() =>
    sso.getRoleCredentials({ ...token, accountId: fake.accountId, roleName: "Other" })
  );
  assertEquals([noAccess.code, noAccess.statusCode], ["ForbiddenException", 403]);
  fake.sso.expireAccessTokens();
  const expired = await serviceError(() =>
    sso.getRoleCredentials({ ...token, accountId: fake.accountId, roleName: "Admin" })
  );
  assertEquals(expired.statusCode, 401);
});

Deno.test("SSO clients: a 503 is retried once; a refused connection names the endpoint", async () => {
  await using fake = await startFakeAws();
  fake.failNext("RegisterClient", { status: 503, code: "ServiceUnavailableException" });
  const { oidc } = clients(fake.url, "AWS_ENDPOINT_URL_SSO_OIDC");
  await oidc.registerClient({ clientName: "aws-vault", clientType: "public" });
  assertEquals(fake.callsTo("RegisterClient").map((c) => c.status), [503, 200]);

  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const dead = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
  listener.close();
  const err = await assertRejects(
    () =>
      clients(dead, "AWS_ENDPOINT_URL_SSO").sso.getRoleCredentials({
        accessToken: "secret-bearer",
        accountId: "1",
        roleName: "r",
      }),
    AwsNetworkError,
  );
  assertMatch(
    err.message,
    new RegExp(
      `^operation error SSO GetRoleCredentials: request to ${dead}/federation/credentials failed: `,
    ),
  );
  assertEquals(err.message.includes("secret-bearer"), false);
});

Deno.test("SSO clients: registration scopes are sent; a refresh token comes back with them", async () => {
  await using fake = await startFakeAws();
  fake.sso.autoApproveAfterPolls = 0;
  const { oidc } = clients(fake.url);
  const client = await oidc.registerClient({
    clientName: "aws-vault",
    clientType: "public",
    scopes: ["sso:account:access"],
  });
  assertEquals(fake.callsTo("RegisterClient")[0].params.scopes, "sso:account:access");
  const device = await oidc.startDeviceAuthorization({ ...client, startUrl: START_URL });
  const token = await oidc.createToken({
    ...client,
    grantType: DEVICE_CODE_GRANT_TYPE,
    deviceCode: device.deviceCode,
  });
  assertEquals(typeof token.refreshToken, "string");
});

Deno.test("SSO clients: default endpoints from sso_region, not region", () => {
  const env = () => undefined;
  assertEquals(
    new SsoOidcClient({ profile, env }).endpoint,
    "https://oidc.eu-west-1.amazonaws.com",
  );
  assertEquals(
    new SsoClient({ profile, env }).endpoint,
    "https://portal.sso.eu-west-1.amazonaws.com",
  );
});
