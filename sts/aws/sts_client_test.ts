/** StsClient against the fake AWS, whose independent SigV4 verifier checks every signature. */
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "../../tests/assert.ts";
import { type FakeAws, startFakeAws } from "../../tests/fake_aws/server.ts";
import { testProfile } from "../../tests/fake_aws/test_profile.ts";
import type { Credentials } from "../../lib/credentials.ts";
import { AwsServiceError } from "./error.ts";
import { StsClient } from "./sts_client.ts";

function sts(fake: FakeAws, credentials?: Credentials, region = "eu-west-1"): StsClient {
  return new StsClient({
    profile: testProfile({ region }),
    credentials,
    env: (n) => (n === "AWS_ENDPOINT_URL" ? fake.url : undefined),
    retryDelayMs: 10,
  });
}

Deno.test("StsClient.getCallerIdentity for a user and an assumed role", async () => {
  await using fake = await startFakeAws();
  const alice = fake.addUser("alice");
  fake.requireStsRegion("ap-southeast-2");
  const me = await sts(fake, alice.credentials(), "ap-southeast-2").getCallerIdentity();
  assertEquals(me, { account: "123456789012", arn: alice.arn, userId: alice.userId });
  assertEquals(fake.calls[0].region, "ap-southeast-2");
  assertEquals(fake.calls[0].params, {});

  const role = fake.addRole("dev");
  const creds = await sts(fake, alice.credentials(), "ap-southeast-2").assumeRole({
    roleArn: role.arn,
    roleSessionName: "alice-session",
    durationSeconds: 900,
  });
  const asRole = await sts(fake, creds, "ap-southeast-2").getCallerIdentity();
  assertEquals(asRole.arn, "arn:aws:sts::123456789012:assumed-role/dev/alice-session");
  assertEquals(asRole.userId, `${role.roleId}:alice-session`);
});

Deno.test("StsClient.getSessionToken with MFA returns parsed credentials", async () => {
  await using fake = await startFakeAws();
  const alice = fake.addUser("alice", { mfa: { codes: ["246810"] } });
  const before = Date.now();
  const creds = await sts(fake, alice.credentials()).getSessionToken({
    durationSeconds: 3600,
    serialNumber: alice.mfaSerial,
    tokenCode: "246810",
  });
  assertMatch(creds.accessKeyId, /^ASIA/);
  assert(creds.sessionToken.length > 100);
  const session = fake.session(creds.accessKeyId)!;
  assertEquals(creds.secretAccessKey, session.secretAccessKey);
  assertEquals(creds.expiration?.getTime(), session.expiration.getTime());
  assert(Math.abs(creds.expiration!.getTime() - before - 3_600_000) < 5000);
  assertEquals(session.mfaAuthenticated, true);
  assertEquals(fake.calls[0].params, {
    DurationSeconds: "3600",
    SerialNumber: alice.mfaSerial,
    TokenCode: "246810",
  });

  // No MFA fields are sent when none are given.
  await sts(fake, alice.credentials()).getSessionToken({ durationSeconds: 900 });
  assertEquals(fake.calls[1].params, { DurationSeconds: "900" });
});

Deno.test("StsClient.assumeRole sends every field; chaining errors keep AWS's message", async () => {
  await using fake = await startFakeAws();
  const bob = fake.addUser("bob", { mfa: true });
  const role = fake.addRole("ops", {
    requireMfa: true,
    externalId: "ext-1",
    maxSessionDuration: 7200,
  });
  const creds = await sts(fake, bob.credentials()).assumeRole({
    roleArn: role.arn,
    roleSessionName: "bob",
    durationSeconds: 7200,
    externalId: "ext-1",
    serialNumber: bob.mfaSerial,
    tokenCode: "123456",
    tags: { team: "blue", "cost center": "42" },
    transitiveTagKeys: ["team"],
    sourceIdentity: "bob@example.com",
  });
  assertEquals(creds.accountId, "123456789012");
  const session = fake.session(creds.accessKeyId)!;
  assertEquals(session.tags, { team: "blue", "cost center": "42" });
  assertEquals(session.transitiveTagKeys, ["team"]);
  assertEquals(session.sourceIdentity, "bob@example.com");
  assertEquals(session.durationSeconds, 7200);

  const err = await assertRejects(
    () =>
      sts(fake, creds).assumeRole({
        roleArn: role.arn,
        roleSessionName: "again",
        durationSeconds: 7200,
        externalId: "ext-1",
      }),
    AwsServiceError,
  ) as AwsServiceError;
  assertEquals([err.code, err.statusCode], ["ValidationError", 400]);
  assertEquals(
    err.message,
    "ValidationError: The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
  );
});

Deno.test("StsClient: AccessDenied and wrong MFA code errors are intact", async () => {
  await using fake = await startFakeAws();
  const carol = fake.addUser("carol", { mfa: true });
  const role = fake.addRole("locked", { trust: ["arn:aws:iam::123456789012:user/someone-else"] });
  const denied = await assertRejects(
    () =>
      sts(fake, carol.credentials()).assumeRole({
        roleArn: role.arn,
        roleSessionName: "carol",
        durationSeconds: 3600,
      }),
    AwsServiceError,
  ) as AwsServiceError;
  assertEquals(denied.code, "AccessDenied");
  assertEquals(denied.statusCode, 403);
  assertEquals(
    denied.message,
    `AccessDenied: User: ${carol.arn} is not authorized to perform: sts:AssumeRole on resource: ${role.arn}`,
  );
  assert(denied.requestId.length > 0);
  await assertRejects(
    () =>
      sts(fake, carol.credentials()).getSessionToken({
        durationSeconds: 3600,
        serialNumber: carol.mfaSerial,
        tokenCode: "000000",
      }),
    AwsServiceError,
    "AccessDenied: MultiFactorAuthentication failed with invalid MFA one time pass code.",
  );
  // Errors are not retried.
  assertEquals(fake.callCount(), 2);
});

Deno.test("StsClient.assumeRoleWithWebIdentity is unsigned", async () => {
  await using fake = await startFakeAws();
  const role = fake.addRole("ci", { webIdentityToken: "header.payload.sig\n" });
  const creds = await sts(fake).assumeRoleWithWebIdentity({
    roleArn: role.arn,
    roleSessionName: "ci-run",
    webIdentityToken: "header.payload.sig\n",
  });
  assertMatch(creds.accessKeyId, /^ASIA/);
  assertEquals(creds.accountId, "123456789012");
  assertEquals(fake.calls[0].accessKeyId, "");
  assertEquals(fake.calls[0].params.DurationSeconds, undefined);
  await assertRejects(
    () =>
      sts(fake).assumeRoleWithWebIdentity({
        roleArn: role.arn,
        roleSessionName: "ci-run",
        webIdentityToken: "x",
      }),
    AwsServiceError,
    "InvalidIdentityToken",
  );
});

Deno.test("StsClient.getFederationToken sends the name, duration and policy", async () => {
  await using fake = await startFakeAws();
  const dave = fake.addUser("dave");
  const policy =
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}';
  const creds = await sts(fake, dave.credentials()).getFederationToken({
    name: "dave",
    durationSeconds: 3600,
    policy,
  });
  assertEquals(
    fake.session(creds.accessKeyId)?.arn,
    "arn:aws:sts::123456789012:federated-user/dave",
  );
  assertEquals(fake.calls[0].params, { Name: "dave", DurationSeconds: "3600", Policy: policy });
  await assertRejects(
    () => sts(fake, creds).getFederationToken({ name: "dave", durationSeconds: 3600, policy }),
    AwsServiceError,
    "AccessDenied",
  );
});

Deno.test("StsClient: expired and unknown credentials", async () => {
  await using fake = await startFakeAws();
  const erin = fake.addUser("erin");
  const creds = await sts(fake, erin.credentials()).getSessionToken({ durationSeconds: 900 });
  fake.expireCredentials(creds.accessKeyId);
  await assertRejects(
    () => sts(fake, creds).getCallerIdentity(),
    AwsServiceError,
    "ExpiredToken: ",
  );
  const bad = { accessKeyId: "AKIAEXAMPLEEXAMPLE00", secretAccessKey: "x", sessionToken: "" };
  const err = await assertRejects(
    () => sts(fake, bad).getCallerIdentity(),
    AwsServiceError,
  ) as AwsServiceError;
  assertEquals(err.code, "InvalidClientTokenId");
  assertStringIncludes(err.message, "The security token included in the request is invalid");
});
