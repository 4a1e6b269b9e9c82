/** Retries, timeouts, network errors and debug logging of Query calls, against the fake AWS. */
import {
  assertEquals,
  assertNotIncludes,
  assertRejects,
  assertStringIncludes,
} from "../../tests/assert.ts";
import { startFakeAws } from "../../tests/fake_aws/server.ts";
import { testProfile } from "../../tests/fake_aws/test_profile.ts";
import { AwsNetworkError, AwsServiceError } from "./error.ts";
import { queryBody } from "./query.ts";
import { StsClient } from "./sts_client.ts";
import { pathFromFileUrl } from "../../lib/file_url.ts";

function client(
  url: string,
  credentials = { accessKeyId: "AKIAX", secretAccessKey: "s", sessionToken: "" },
  timeoutMs?: number,
) {
  return new StsClient({
    profile: testProfile(),
    credentials,
    env: (n) => (n === "AWS_ENDPOINT_URL_STS" ? url : undefined),
    timeoutMs,
    retryDelayMs: 10,
  });
}

Deno.test("queryBody: Action, Version, then non-empty parameters, form-encoded", () => {
  assertEquals(
    queryBody("sts", "AssumeRole", {
      RoleArn: "arn:aws:iam::1:role/a b",
      ExternalId: undefined,
      TokenCode: "",
      N: 5,
    }),
    "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa+b&N=5",
  );
  assertEquals(queryBody("iam", "GetUser", {}), "Action=GetUser&Version=2010-05-08");
});

Deno.test("retry: one retry after a 503, then success", async () => {
  await using fake = await startFakeAws();
  const u = fake.addUser("u");
  fake.failNext("GetCallerIdentity", { status: 503, code: "ServiceUnavailable" });
  const me = await client(fake.url, u.credentials()).getCallerIdentity();
  assertEquals(me.arn, u.arn);
  assertEquals(fake.calls.map((c) => c.status), [503, 200]);
});

Deno.test("retry: throttling is retried once; a second failure is reported", async () => {
  await using fake = await startFakeAws();
  const u = fake.addUser("u");
  fake.failNext("GetSessionToken", { status: 400, code: "Throttling", message: "Rate exceeded" });
  await client(fake.url, u.credentials()).getSessionToken({ durationSeconds: 900 });
  assertEquals(fake.callCount("GetSessionToken"), 2);

  fake.clearCalls();
  fake.failNext("GetSessionToken", { status: 500, code: "InternalFailure", times: 2 });
  const err = await assertRejects(
    () => client(fake.url, u.credentials()).getSessionToken({ durationSeconds: 900 }),
    AwsServiceError,
  ) as AwsServiceError;
  assertEquals([err.code, err.statusCode], ["InternalFailure", 500]);
  assertEquals(fake.callCount("GetSessionToken"), 2);
});

Deno.test("network error: connection refused names the endpoint", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
  listener.close();
  const err = await assertRejects(
    () => client(url).getCallerIdentity(),
    AwsNetworkError,
  ) as AwsNetworkError;
  assertEquals(err.endpoint, url + "/");
  assertStringIncludes(
    err.message,
    `operation error STS GetCallerIdentity: request to ${url}/ failed: `,
  );
  assertStringIncludes(err.message.toLowerCase(), "connection refused");
});

Deno.test("timeout: a slow endpoint fails after the timeout, without a retry", async () => {
  await using fake = await startFakeAws();
  const u = fake.addUser("u");
  fake.delayNext("GetCallerIdentity", 5000);
  const started = Date.now();
  const err = await assertRejects(
    () => client(fake.url, u.credentials(), 200).getCallerIdentity(),
    AwsNetworkError,
    `no answer from ${fake.url}/ within 0.2s`,
  ) as AwsNetworkError;
  assertEquals(err.timedOut, true);
  assertEquals(Date.now() - started < 3000, true);
  assertEquals(fake.callCount(), 1);
});

Deno.test("--debug logs each call without secrets", async () => {
  await using fake = await startFakeAws();
  const u = fake.addUser("u", { mfa: { codes: ["987654"] } });
  const script = `
    import { setDebug } from "${new URL("../../lib/log.ts", import.meta.url)}";
    import { StsClient } from "${new URL("./sts_client.ts", import.meta.url)}";
    import { testProfile } from "${new URL(
    "../../tests/fake_aws/test_profile.ts",
    import.meta.url,
  )}";
    setDebug(true);
    const c = new StsClient({ profile: testProfile(), env: () => "${fake.url}",
      credentials: { accessKeyId: "${u.accessKeyId}", secretAccessKey: "${u.secretAccessKey}", sessionToken: "" } });
    const s = await c.getSessionToken({ durationSeconds: 900, serialNumber: "${u.mfaSerial}", tokenCode: "987654" });
    console.log(s.accessKeyId);
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", script],
    cwd: pathFromFileUrl(new URL("../..", import.meta.url)),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, stderr);
  const session = fake.session(new TextDecoder().decode(out.stdout).trim())!;
  assertStringIncludes(
    stderr,
    `STS GetSessionToken: POST ${fake.url}/ (region eu-west-1, key ****${u.accessKeyId.slice(-4)})`,
  );
  assertStringIncludes(stderr, "STS GetSessionToken: HTTP 200 in ");
  for (
    const secret of [
      u.secretAccessKey,
      u.accessKeyId,
      "987654",
      session.secretAccessKey,
      session.sessionToken,
    ]
  ) {
    assertNotIncludes(stderr, secret);
  }
});

Deno.test("network error: a dropped connection is retried once", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
  let accepted = 0;
  const serving = (async () => {
    for await (const conn of listener) {
      accepted++;
      conn.close();
    }
  })();
  try {
    await assertRejects(
      () => client(url).getCallerIdentity(),
      AwsNetworkError,
      `operation error STS GetCallerIdentity: request to ${url}/ failed: `,
    );
    assertEquals(accepted, 2);
  } finally {
    listener.close();
    await serving.catch(() => {});
  }
});
