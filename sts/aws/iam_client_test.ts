/** IamClient against the fake AWS (signatures checked by its independent SigV4 verifier). */
import { assertEquals, assertMatch, assertRejects } from "../../tests/assert.ts";
import { type FakeAws, startFakeAws } from "../../tests/fake_aws/server.ts";
import { testProfile } from "../../tests/fake_aws/test_profile.ts";
import type { Credentials } from "../../lib/credentials.ts";
import { AwsServiceError } from "./error.ts";
import { IamClient } from "./iam_client.ts";
import { StsClient } from "./sts_client.ts";

function iam(fake: FakeAws, credentials: Credentials, region = "eu-central-1"): IamClient {
  return new IamClient({
    profile: testProfile({ region, serviceEndpointUrls: { iam: fake.url } }),
    credentials,
    env: () => undefined,
    retryDelayMs: 10,
  });
}

Deno.test("IamClient: get user, create, list and delete keys (signed for us-east-1)", async () => {
  await using fake = await startFakeAws();
  const alice = fake.addUser("alice");
  const client = iam(fake, alice.credentials());
  assertEquals(await client.getUser(), { userName: "alice", arn: alice.arn, userId: alice.userId });
  assertEquals(fake.calls[0].region, "us-east-1");
  assertEquals(fake.calls[0].service, "iam");

  const created = await client.createAccessKey();
  assertMatch(created.accessKeyId, /^AKIA/);
  assertEquals(created.sessionToken, "");
  assertEquals(created.expiration, undefined);

  const keys = await client.listAccessKeys();
  assertEquals(
    keys.map((k) => k.accessKeyId).sort(),
    [alice.accessKeyId, created.accessKeyId].sort(),
  );
  assertEquals(
    keys.every((k) =>
      k.status === "Active" && k.userName === "alice" && k.createDate instanceof Date
    ),
    true,
  );

  const limit = await assertRejects(
    () => client.createAccessKey("alice"),
    AwsServiceError,
  ) as AwsServiceError;
  assertEquals([limit.code, limit.statusCode], ["LimitExceeded", 409]);

  await iam(fake, created).deleteAccessKey(alice.accessKeyId, "alice");
  assertEquals(fake.calls.at(-1)?.params, { AccessKeyId: alice.accessKeyId, UserName: "alice" });
  assertEquals((await iam(fake, created).listAccessKeys("alice")).length, 1);
  await assertRejects(() => client.getUser(), AwsServiceError, "InvalidClientTokenId");
});

Deno.test("IamClient: errors keep AWS's code and message", async () => {
  await using fake = await startFakeAws();
  const bob = fake.addUser("bob", { deny: ["iam:GetUser"] });
  const err = await assertRejects(
    () => iam(fake, bob.credentials()).getUser(),
    AwsServiceError,
  ) as AwsServiceError;
  assertEquals(
    err.message,
    `AccessDenied: User: ${bob.arn} is not authorized to perform: iam:GetUser on resource: ${bob.arn}`,
  );
  await assertRejects(
    () => iam(fake, bob.credentials()).deleteAccessKey("AKIANOTEXISTING00000"),
    AwsServiceError,
    "NoSuchEntity: The Access Key with id AKIANOTEXISTING00000 cannot be found.",
  );
});

Deno.test("IamClient with session credentials: MFA needed; roles must name the user", async () => {
  await using fake = await startFakeAws();
  const carol = fake.addUser("carol", { mfa: true });
  const role = fake.addRole("admin");
  const env = (n: string) => (n === "AWS_ENDPOINT_URL" ? fake.url : undefined);
  const stsClient = new StsClient({
    profile: testProfile(),
    credentials: carol.credentials(),
    env,
  });
  const noMfa = await stsClient.getSessionToken({ durationSeconds: 900 });
  await assertRejects(() => iam(fake, noMfa).getUser(), AwsServiceError, "InvalidClientTokenId");
  const withMfa = await stsClient.getSessionToken({
    durationSeconds: 900,
    serialNumber: carol.mfaSerial,
    tokenCode: "123456",
  });
  assertEquals((await iam(fake, withMfa).getUser()).userName, "carol");

  const roleCreds = await stsClient.assumeRole({
    roleArn: role.arn,
    roleSessionName: "r1",
    durationSeconds: 900,
  });
  await assertRejects(
    () => iam(fake, roleCreds).getUser(),
    AwsServiceError,
    "ValidationError: Must specify userName when calling with non-User credentials",
  );
  assertEquals((await iam(fake, roleCreds).getUser("carol")).arn, carol.arn);
});

Deno.test("IamClient: a new key that is not valid yet (propagation delay)", async () => {
  await using fake = await startFakeAws();
  const dan = fake.addUser("dan");
  fake.setNewKeyDelay(2);
  const created = await iam(fake, dan.credentials()).createAccessKey();
  for (let i = 0; i < 2; i++) {
    await assertRejects(
      () => iam(fake, created).listAccessKeys(),
      AwsServiceError,
      "InvalidClientTokenId",
    );
  }
  assertEquals((await iam(fake, created).listAccessKeys()).length, 2);
});
