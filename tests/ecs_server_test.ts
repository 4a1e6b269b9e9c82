/**
 * `exec --ecs-server` through the CLI against the fake STS: the child really fetches credentials
 * from the server, and the fake checks that what it was given is a live session.
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotIncludes,
  assertStringIncludes,
} from "./assert.ts";
import { execUntilSigterm, runCli } from "./run_cli.ts";
import { startFakeAws } from "./fake_aws/server.ts";
import { denoEval, serverHome } from "./server_fixtures.ts";
import { posixTest } from "./platform.ts";

/** The child: asks the server what `requests` says, writes the answers to `out`, exits `code`. */
function probe(
  out: string,
  code: number,
  requests: Array<{ path: string; auth?: "good" | string; method?: string }>,
) {
  return denoEval(`
    const url = Deno.env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    const token = Deno.env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    const answers = [];
    for (const r of ${JSON.stringify(requests)}) {
      const headers = {};
      if (r.auth !== undefined) headers.authorization = r.auth === "good" ? token : r.auth;
      const res = await fetch(url + r.path, { method: r.method ?? "GET", headers });
      answers.push({ status: res.status, type: res.headers.get("content-type"), body: await res.text() });
    }
    await Deno.writeTextFile(${JSON.stringify(out)}, JSON.stringify({ url, token, answers,
      env: Deno.env.toObject() }));
    Deno.exit(${code});`);
}

Deno.test("exec --ecs-server: the child gets a live session and a role; exit code passes through", async () => {
  await using fake = await startFakeAws();
  const user = fake.addUser("dev");
  const role = fake.addRole("deploy");
  const h = await serverHome(fake, user, "dev", "[profile dev]\nregion=eu-west-1\n");
  try {
    const out = `${h.home}/child.json`;
    const r = await runCli(
      [
        "--debug",
        "exec",
        "--ecs-server",
        "dev",
        "--",
        ...probe(out, 42, [
          { path: "", auth: "good" },
          { path: "/anything", auth: "good" },
          { path: `/role-arn/${role.arn}`, auth: "good" },
          { path: "" },
          { path: "", auth: "Bearer nope" },
          { path: "", auth: "good", method: "POST" },
        ]),
      ],
      {
        home: h.home,
        env: { ...h.env, AWS_ACCESS_KEY_ID: "AKIASTALE", AWS_SESSION_TOKEN: "stale" },
      },
    );
    assertEquals(r.code, 42, r.stderr);
    const seen = JSON.parse(await Deno.readTextFile(out));
    assertMatch(seen.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assertMatch(seen.token, /^[A-Za-z0-9_-]{40}$/);
    assertEquals(seen.env.AWS_ACCESS_KEY_ID, undefined);
    assertEquals(seen.env.AWS_SESSION_TOKEN, undefined);
    assertEquals(seen.env.AWS_VAULT, "dev");
    assertEquals(seen.env.AWS_REGION, "eu-west-1");
    const [first, second, roleAnswer, missing, wrong, post] = seen.answers;
    assertEquals([first.status, first.type], [200, "application/json"]);
    assertEquals(second.body, first.body);
    const profileCreds = JSON.parse(first.body);
    assertEquals(Object.keys(profileCreds), [
      "AccessKeyId",
      "Expiration",
      "SecretAccessKey",
      "Token",
    ]);
    assertEquals(fake.session(profileCreds.AccessKeyId)?.kind, "session-token");
    assertEquals(roleAnswer.status, 200);
    const roleCreds = JSON.parse(roleAnswer.body);
    const roleSession = fake.session(roleCreds.AccessKeyId)!;
    assertEquals(roleSession.kind, "assumed-role");
    assertEquals(roleSession.issuedBy, profileCreds.AccessKeyId);
    const assume = fake.callsTo("AssumeRole")[0];
    assertMatch(assume.params.RoleSessionName, /^\d{19}$/);
    assertEquals(assume.params.DurationSeconds, "3600");
    assertEquals(fake.callCount("GetSessionToken"), 1);
    assertEquals(fake.callCount("AssumeRole"), 1);
    for (const denied of [missing, wrong]) {
      assertEquals(denied.status, 403);
      assertEquals(JSON.parse(denied.body).Message, "invalid Authorization token");
    }
    assertEquals(post.status, 405);
    // Debug log: one line per request, no secrets.
    assertMatch(r.stderr, /http: 127\.0\.0\.1:\d+: 200 GET \/ \(\S+\)/);
    assertMatch(r.stderr, /http: 127\.0\.0\.1:\d+: 403 GET \/ /);
    assertMatch(r.stderr, /http: 127\.0\.0\.1:\d+: 405 POST \/ /);
    for (
      const secret of [
        seen.token,
        profileCreds.SecretAccessKey,
        profileCreds.Token,
        roleCreds.Token,
      ]
    ) {
      assertNotIncludes(r.stderr, secret);
    }
  } finally {
    await h.cleanup();
  }
});

Deno.test("exec --ecs-server: a credential failure stops before the child starts", async () => {
  await using fake = await startFakeAws();
  const user = fake.addUser("dev");
  const h = await serverHome(fake, user, "dev", "[profile dev]\nregion=us-east-1\n");
  try {
    fake.failNext("GetSessionToken", { status: 403, code: "AccessDenied", message: "not today" });
    const marker = `${h.home}/started`;
    const r = await runCli(["exec", "-s", "dev", "--", "touch", marker], {
      home: h.home,
      env: h.env,
    });
    assertEquals(r.code, 1);
    assertStringIncludes(r.stderr, "aws-vault: error: exec: Retrieving creds: ");
    assertStringIncludes(r.stderr, "not today");
    assertEquals(await Deno.stat(marker).then(() => true, () => false), false);
  } finally {
    await h.cleanup();
  }
});

Deno.test("exec --ecs-server --lazy: 50 concurrent first requests make one STS call; errors are 500 and recover", async () => {
  await using fake = await startFakeAws();
  const user = fake.addUser("dev");
  const h = await serverHome(fake, user, "dev", "[profile dev]\nregion=us-east-1\n");
  try {
    const out = `${h.home}/child.json`;
    const child = denoEval(`
      const url = Deno.env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI");
      const headers = { authorization: Deno.env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN") };
      const get = async () => { const r = await fetch(url, { headers }); return { status: r.status, body: await r.json() }; };
      const failed = await get();
      const burst = await Promise.all(Array.from({ length: 50 }, get));
      await Deno.writeTextFile(${JSON.stringify(out)}, JSON.stringify({ failed, burst }));`);
    // The first STS call fails; the next is slow, so all 50 requests wait on the same call.
    fake.failNext("GetSessionToken", { status: 403, code: "AccessDenied", message: "denied once" });
    fake.delayNext("GetSessionToken", 400);
    const r = await runCli(["exec", "--ecs-server", "--lazy", "dev", "--", ...child], {
      home: h.home,
      env: h.env,
    });
    assertEquals(r.code, 0, r.stderr);
    const { failed, burst } = JSON.parse(await Deno.readTextFile(out));
    assertEquals(failed.status, 500);
    assertEquals(failed.body.Code, "AccessDenied");
    assertStringIncludes(failed.body.Message, "denied once");
    assert(burst.every((b: { status: number }) => b.status === 200));
    assertEquals(
      new Set(burst.map((b: { body: { AccessKeyId: string } }) => b.body.AccessKeyId)).size,
      1,
    );
    assertEquals(fake.callCount("GetSessionToken"), 2);
  } finally {
    await h.cleanup();
  }
});

posixTest(
  "POSIX signals and sh",
  "exec --ecs-server: SIGTERM to aws-vault reaches the child",
  async () => {
    await using fake = await startFakeAws();
    const user = fake.addUser("dev");
    const h = await serverHome(fake, user, "dev", "[profile dev]\nregion=us-east-1\n");
    try {
      const result = await execUntilSigterm(["exec", "--ecs-server", "dev"], {
        home: h.home,
        env: h.env,
        trapExit: 9,
      });
      assertEquals(result.stderr, "");
      assertEquals(result.code, 9);
      assert(result.childTrapped, "the child did not get SIGTERM");
    } finally {
      await h.cleanup();
    }
  },
);
