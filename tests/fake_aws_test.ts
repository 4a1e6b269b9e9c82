/**
 * Tests of the fake AWS: its SigV4 verifier against the values published in the AWS
 * documentation and the SigV4 test suite, and the server's rules over raw HTTP requests.
 */
import { AwsV4Signer } from "aws4fetch";
import { assert, assertEquals, assertMatch, assertStringIncludes, assertThrows } from "./assert.ts";
import {
  canonicalRequest,
  computeSignature,
  parseAuthorization,
  type ReceivedRequest,
  sha256Hex,
  signingKey,
  SigV4Error,
  verifySignature,
} from "./fake_aws/sigv4_verify.ts";
import { type FakeAws, startFakeAws } from "./fake_aws/server.ts";

const DOC_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const DOC_DATE = "20150830T123600Z";

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The IAM ListUsers GET request used as the worked example in the AWS SigV4 documentation. */
function listUsersExample(signature: string): ReceivedRequest {
  return {
    method: "GET",
    url: "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
    headers: new Headers({
      host: "iam.amazonaws.com",
      "content-type": "application/x-www-form-urlencoded; charset=utf-8",
      "x-amz-date": DOC_DATE,
      authorization:
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, " +
        `SignedHeaders=content-type;host;x-amz-date, Signature=${signature}`,
    }),
    body: "",
  };
}
const LIST_USERS_SIGNATURE = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";

Deno.test("sigv4: the documented signing key and ListUsers example", () => {
  assertEquals(
    hex(signingKey(DOC_SECRET, "20150830", "us-east-1", "iam")),
    "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9",
  );
  const req = listUsersExample(LIST_USERS_SIGNATURE);
  const auth = parseAuthorization(req.headers.get("authorization")!);
  assertEquals(
    sha256Hex(canonicalRequest(req, auth.signedHeaders)),
    "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59",
  );
  assertEquals(verifySignature(req, DOC_SECRET).accessKeyId, "AKIDEXAMPLE");
});

Deno.test("sigv4: test-suite vectors (get-vanilla, post-vanilla, query, form body)", () => {
  const cases: [string, string, string, Record<string, string>, string][] = [
    [
      "GET",
      "https://example.amazonaws.com/",
      "",
      {},
      "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    ],
    [
      "POST",
      "https://example.amazonaws.com/",
      "",
      {},
      "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    ],
    [
      "POST",
      "https://example.amazonaws.com/?Param1=value1",
      "",
      {},
      "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
    ],
    [
      "POST",
      "https://example.amazonaws.com/",
      "Param1=value1",
      { "content-type": "application/x-www-form-urlencoded" },
      "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
    ],
  ];
  for (const [method, url, body, extra, signature] of cases) {
    const headers = new Headers({
      host: "example.amazonaws.com",
      "x-amz-date": DOC_DATE,
      ...extra,
    });
    const signed = ["content-type", "host", "x-amz-date"].filter((h) => headers.has(h));
    headers.set(
      "authorization",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
        `SignedHeaders=${signed.join(";")}, Signature=${signature}`,
    );
    const req = { method, url, headers, body };
    assertEquals(
      computeSignature(req, parseAuthorization(headers.get("authorization")!), DOC_SECRET),
      signature,
    );
    verifySignature(req, DOC_SECRET);
  }
});

Deno.test("sigv4: tampered body, header, date, secret or signature are refused", () => {
  const tamper: ((r: ReceivedRequest) => void)[] = [
    (r) => r.body = "Action=DeleteUser",
    (r) => r.headers.set("content-type", "text/plain"),
    (r) => r.headers.set("x-amz-date", "20150830T123601Z"),
    (r) => r.url = "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-09",
    (r) => r.headers.set("host", "iam.example.com"),
  ];
  for (const change of tamper) {
    const req = listUsersExample(LIST_USERS_SIGNATURE);
    change(req);
    const err = assertThrows(() => verifySignature(req, DOC_SECRET), SigV4Error) as SigV4Error;
    assertEquals(err.code, "SignatureDoesNotMatch");
  }
  assertThrows(
    () => verifySignature(listUsersExample(LIST_USERS_SIGNATURE), DOC_SECRET + "x"),
    SigV4Error,
  );
  assertThrows(() => verifySignature(listUsersExample("0".repeat(64)), DOC_SECRET), SigV4Error);
  // The documented request is from 2015: with a clock it is far outside the 15-minute window.
  const stale = assertThrows(
    () => verifySignature(listUsersExample(LIST_USERS_SIGNATURE), DOC_SECRET, { now: new Date() }),
    SigV4Error,
  );
  assertStringIncludes(stale.message, "Signature expired: 20150830T123600Z is now earlier than");
});

Deno.test("sigv4: an unsigned security token header or a malformed scope is refused", () => {
  const req = listUsersExample(LIST_USERS_SIGNATURE);
  req.headers.set("x-amz-security-token", "token");
  assertThrows(
    () => verifySignature(req, DOC_SECRET),
    SigV4Error,
    "'x-amz-security-token' must be a signed header",
  );
  assertThrows(
    () =>
      parseAuthorization(
        "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam, SignedHeaders=host, Signature=00",
      ),
    SigV4Error,
    "aws4_request",
  );
});

interface RawAnswer {
  status: number;
  text: string;
}

/** Sends a Query request signed with aws4fetch (the verifier under test is independent of it). */
async function call(
  fake: FakeAws,
  creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined,
  action: string,
  params: Record<string, string> = {},
  opts: { service?: string; region?: string; tamper?: (h: Headers) => void } = {},
): Promise<RawAnswer> {
  const service = opts.service ?? "sts";
  const version = service === "iam" ? "2010-05-08" : "2011-06-15";
  const body = new URLSearchParams({ Action: action, Version: version, ...params }).toString();
  const headers = new Headers({
    "content-type": "application/x-www-form-urlencoded; charset=utf-8",
  });
  let request: { url: URL | string; headers: Headers; body?: BodyInit | null } = {
    url: fake.url + "/",
    headers,
    body,
  };
  if (creds) {
    request = await new AwsV4Signer({
      method: "POST",
      url: fake.url + "/",
      headers,
      body,
      service,
      region: opts.region ?? (service === "iam" ? "us-east-1" : "eu-west-1"),
      ...creds,
    }).sign();
  }
  opts.tamper?.(request.headers);
  const res = await fetch(request.url, { method: "POST", headers: request.headers, body });
  return { status: res.status, text: await res.text() };
}

function code(answer: RawAnswer): string {
  return /<Code>([^<]*)<\/Code>/.exec(answer.text)?.[1] ?? "";
}

function tag(answer: RawAnswer, name: string): string {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(answer.text)?.[1] ?? "";
}

function sessionOf(answer: RawAnswer) {
  return {
    accessKeyId: tag(answer, "AccessKeyId"),
    secretAccessKey: tag(answer, "SecretAccessKey"),
    sessionToken: tag(answer, "SessionToken"),
  };
}

Deno.test("fake AWS: authentication errors", async () => {
  await using fake = await startFakeAws();
  const alice = fake.addUser("alice");
  const ok = await call(fake, alice.credentials(), "GetCallerIdentity");
  assertEquals(ok.status, 200);
  assertEquals(tag(ok, "Arn"), alice.arn);
  assertEquals(tag(ok, "Account"), "123456789012");

  const unsigned = await call(fake, undefined, "GetCallerIdentity");
  assertEquals([unsigned.status, code(unsigned)], [403, "MissingAuthenticationToken"]);
  const wrongSecret = await call(
    fake,
    { ...alice.credentials(), secretAccessKey: "nope" },
    "GetCallerIdentity",
  );
  assertEquals([wrongSecret.status, code(wrongSecret)], [403, "SignatureDoesNotMatch"]);
  const unknown = await call(
    fake,
    { accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: "x" },
    "GetCallerIdentity",
  );
  assertEquals([unknown.status, code(unknown)], [403, "InvalidClientTokenId"]);
  const tampered = await call(fake, alice.credentials(), "GetCallerIdentity", {}, {
    tamper: (h) =>
      h.set("x-amz-date", h.get("x-amz-date")!.replace(/(\d)Z$/, (_, d) => `${(+d + 1) % 10}Z`)),
  });
  assertEquals(code(tampered), "SignatureDoesNotMatch");
  const iamWrongRegion = await call(fake, alice.credentials(), "GetUser", {}, {
    service: "iam",
    region: "eu-west-1",
  });
  assertEquals(code(iamWrongRegion), "SignatureDoesNotMatch");
  assertStringIncludes(iamWrongRegion.text, "Credential should be scoped to a valid region");
  assertEquals(fake.callCount("GetCallerIdentity"), 5);
  assertEquals(fake.calls[0].accessKeyId, alice.accessKeyId);
  assertEquals(fake.calls[0].region, "eu-west-1");
});

Deno.test("fake AWS: session credentials, chaining limit, MFA, expiry", async () => {
  await using fake = await startFakeAws();
  const alice = fake.addUser("alice", { mfa: { codes: ["111111"] } });
  const role = fake.addRole("admin", { requireMfa: true, maxSessionDuration: 43200 });

  const badMfa = await call(fake, alice.credentials(), "GetSessionToken", {
    SerialNumber: alice.mfaSerial,
    TokenCode: "999999",
  });
  assertEquals([badMfa.status, code(badMfa)], [403, "AccessDenied"]);
  assertStringIncludes(
    badMfa.text,
    "MultiFactorAuthentication failed with invalid MFA one time pass code.",
  );

  const gst = await call(fake, alice.credentials(), "GetSessionToken", {
    DurationSeconds: "3600",
    SerialNumber: alice.mfaSerial,
    TokenCode: "111111",
  });
  assertEquals(gst.status, 200);
  const session = sessionOf(gst);
  assertMatch(session.accessKeyId, /^ASIA/);
  assertEquals(fake.session(session.accessKeyId)?.mfaAuthenticated, true);

  const again = await call(fake, session, "GetSessionToken");
  assertEquals(code(again), "AccessDenied");
  assertStringIncludes(again.text, "Cannot call GetSessionToken with session credentials");

  const noToken = await call(fake, { ...session, sessionToken: undefined }, "GetCallerIdentity");
  assertEquals(code(noToken), "InvalidClientTokenId");

  const tooLong = await call(fake, session, "AssumeRole", {
    RoleArn: role.arn,
    RoleSessionName: "s1",
    DurationSeconds: "7200",
  });
  assertEquals([tooLong.status, code(tooLong)], [400, "ValidationError"]);
  assertStringIncludes(
    tooLong.text,
    "exceeds the 1 hour session limit for roles assumed by role chaining",
  );

  const assumed = await call(fake, session, "AssumeRole", {
    RoleArn: role.arn,
    RoleSessionName: "s1",
  });
  assertEquals(assumed.status, 200);
  const roleCreds = sessionOf(assumed);
  const who = await call(fake, roleCreds, "GetCallerIdentity");
  assertEquals(tag(who, "Arn"), "arn:aws:sts::123456789012:assumed-role/admin/s1");

  // Without MFA the MFA-requiring role refuses the long-term key.
  const noMfa = await call(fake, alice.credentials(), "AssumeRole", {
    RoleArn: role.arn,
    RoleSessionName: "s2",
  });
  assertEquals(code(noMfa), "AccessDenied");
  assertStringIncludes(
    noMfa.text,
    `User: ${alice.arn} is not authorized to perform: sts:AssumeRole on resource: ${role.arn}`,
  );

  fake.expireCredentials(roleCreds.accessKeyId);
  const expired = await call(fake, roleCreds, "GetCallerIdentity");
  assertEquals(code(expired), "ExpiredToken");
});

Deno.test("fake AWS: duration bounds, tags, web identity, federation", async () => {
  await using fake = await startFakeAws();
  const bob = fake.addUser("bob");
  const role = fake.addRole("tagged", { webIdentityToken: "jwt-abc" });

  const short = await call(fake, bob.credentials(), "GetSessionToken", { DurationSeconds: "899" });
  assertEquals(code(short), "ValidationError");
  assertStringIncludes(short.text, "Member must have value greater than or equal to 900");
  const overRole = await call(fake, bob.credentials(), "AssumeRole", {
    RoleArn: role.arn,
    RoleSessionName: "x1",
    DurationSeconds: "7200",
  });
  assertStringIncludes(overRole.text, "exceeds the MaxSessionDuration set for this role");

  const tagged = await call(fake, bob.credentials(), "AssumeRole", {
    RoleArn: role.arn,
    RoleSessionName: "x1",
    "Tags.member.1.Key": "team",
    "Tags.member.1.Value": "blue",
    "Tags.member.2.Key": "env",
    "Tags.member.2.Value": "dev",
    "TransitiveTagKeys.member.1": "team",
    SourceIdentity: "bob",
  });
  assertEquals(tagged.status, 200);
  const s = fake.session(tag(tagged, "AccessKeyId"))!;
  assertEquals(s.tags, { team: "blue", env: "dev" });
  assertEquals(s.transitiveTagKeys, ["team"]);
  assertEquals(s.sourceIdentity, "bob");
  const chained = await call(fake, sessionOf(tagged), "AssumeRole", {
    RoleArn: role.arn,
    RoleSessionName: "x2",
  });
  const c = fake.session(tag(chained, "AccessKeyId"))!;
  assertEquals(c.tags, { team: "blue" });
  assertEquals(c.sourceIdentity, "bob");
  assertEquals(c.chain, [bob.arn, role.arn, role.arn]);

  const web = await call(fake, undefined, "AssumeRoleWithWebIdentity", {
    RoleArn: role.arn,
    RoleSessionName: "web",
    WebIdentityToken: "jwt-abc",
  });
  assertEquals(web.status, 200, web.text);
  const badWeb = await call(fake, undefined, "AssumeRoleWithWebIdentity", {
    RoleArn: role.arn,
    RoleSessionName: "web",
    WebIdentityToken: "jwt-xyz",
  });
  assertEquals(code(badWeb), "InvalidIdentityToken");

  const fed = await call(fake, bob.credentials(), "GetFederationToken", {
    Name: "bob",
    Policy: "{}",
  });
  assertEquals(tag(fed, "Arn"), "arn:aws:sts::123456789012:federated-user/bob");
});

Deno.test("fake AWS: IAM keys, limits, propagation delay, failure injection", async () => {
  await using fake = await startFakeAws();
  const carol = fake.addUser("carol");
  const creds = carol.credentials();
  const user = await call(fake, creds, "GetUser", {}, { service: "iam" });
  assertEquals(tag(user, "UserName"), "carol");

  fake.setNewKeyDelay(1);
  const created = await call(fake, creds, "CreateAccessKey", {}, { service: "iam" });
  assertEquals(created.status, 200);
  const newKey = {
    accessKeyId: tag(created, "AccessKeyId"),
    secretAccessKey: tag(created, "SecretAccessKey"),
  };
  assertEquals(code(await call(fake, newKey, "GetCallerIdentity")), "InvalidClientTokenId");
  assertEquals((await call(fake, newKey, "GetCallerIdentity")).status, 200);

  const third = await call(fake, creds, "CreateAccessKey", {}, { service: "iam" });
  assertEquals([third.status, code(third)], [409, "LimitExceeded"]);
  const listed = await call(fake, creds, "ListAccessKeys", {}, { service: "iam" });
  assertEquals(listed.text.match(/<AccessKeyId>/g)?.length, 2);
  assert(!listed.text.includes("SecretAccessKey"));

  const deleted = await call(fake, newKey, "DeleteAccessKey", { AccessKeyId: creds.accessKeyId }, {
    service: "iam",
  });
  assertEquals(deleted.status, 200);
  assertEquals(code(await call(fake, creds, "GetCallerIdentity")), "InvalidClientTokenId");

  fake.failNext("GetCallerIdentity", { status: 503, code: "ServiceUnavailable", times: 2 });
  assertEquals((await call(fake, newKey, "GetCallerIdentity")).status, 503);
  assertEquals((await call(fake, newKey, "GetCallerIdentity")).status, 503);
  assertEquals((await call(fake, newKey, "GetCallerIdentity")).status, 200);
  fake.failNext("*", { status: 400, code: "Throttling" });
  const throttled = await call(fake, newKey, "GetUser", {}, { service: "iam" });
  assertEquals([throttled.status, code(throttled)], [400, "Throttling"]);
  assertEquals(fake.callCounts().GetCallerIdentity, 6);
});
