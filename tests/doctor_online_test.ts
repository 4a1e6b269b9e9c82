/**
 * `aws-vault doctor --online` against the fake AWS (tests/fake_aws/): each profile's STS endpoint
 * answers an unsigned request, and the local clock is compared with the server's Date header.
 * With the fake's clock 20 minutes off, a real signed call fails (SigV4's 15-minute window) and
 * doctor says why; nothing is fetched and no credentials are sent.
 */
import { assertEquals, assertMatch, assertStringIncludes } from "./assert.ts";
import { startFakeAws } from "./fake_aws/server.ts";
import { fakeAwsHome } from "./fake_aws/home.ts";
import { runCli } from "./run_cli.ts";
import { checkOf, doctor } from "./doctor_fixtures.ts";
import type { FakeAws } from "./fake_aws/server.ts";

/** A fake AWS and a HOME whose file store holds keys for `work`, which `config` configures. */
async function withFake(
  config: string,
  fn: (fake: FakeAws, home: string, env: Record<string, string>) => Promise<void>,
): Promise<void> {
  await using fake = await startFakeAws();
  const { home, env, cleanup } = await fakeAwsHome(fake, fake.addUser("alice"), "work", config);
  try {
    await fn(fake, home, env);
  } finally {
    await cleanup();
  }
}

const WORK = "[profile work]\nregion = us-east-1\n";

Deno.test("doctor --online: the STS endpoint answers and the clock agrees; offline by default", () =>
  withFake(WORK, async (fake, home, env) => {
    const offline = await doctor(home, [], env);
    assertEquals(offline.groups.some((g) => g.kind === "reachability"), false);
    assertEquals(fake.calls.length, 0);

    const run = await doctor(home, ["--online"], env);
    assertEquals(run.code, 0, run.stdout);
    const sts = checkOf(run, "reachability", "sts");
    assertEquals(sts.status, "ok");
    assertStringIncludes(sts.message, `${fake.url} (work) answers`);
    assertMatch(checkOf(run, "reachability", "clock").message, /within \d+ s of/);
    // One unsigned request: no credentials sent, no session fetched.
    assertEquals(fake.calls.map((c) => [c.action, c.accessKeyId]), [["GetCallerIdentity", ""]]);
  }));

Deno.test("doctor --online: a clock 20 min off fails, as a signed call then does", () =>
  withFake(WORK, async (fake, home, env) => {
    fake.setClockOffset(20 * 60_000);
    const exec = await runCli(["exec", "work", "--", "true"], { home, env });
    assertEquals(exec.code, 1);
    assertStringIncludes(exec.stderr, "Signature expired");

    const run = await doctor(home, ["--online"], env);
    assertEquals(run.code, 1);
    const clock = checkOf(run, "reachability", "clock");
    assertEquals(clock.status, "fail");
    assertMatch(clock.message, /the local clock is 1[12]\d\d s behind/);

    fake.setClockOffset(-7 * 60_000);
    const drift = checkOf(await doctor(home, ["--online"], env), "reachability", "clock");
    assertEquals(drift.status, "warn");
    assertMatch(drift.message, /ahead of/);
  }));

Deno.test("doctor --online: an endpoint that does not answer fails, once for the profiles using it", () =>
  withFake(
    "[profile work]\nregion = us-east-1\n[profile noregion]\nsource_profile = work\nrole_arn = arn:aws:iam::1:role/r\n",
    async (_fake, home, env) => {
      // A port nothing listens on (the fake's, once closed).
      const closed = await startFakeAws();
      const deadUrl = closed.url;
      await closed.close();
      const run = await doctor(home, ["--online"], { ...env, AWS_ENDPOINT_URL: deadUrl });
      assertEquals(run.code, 1);
      // The profile without a region goes there too (an endpoint URL needs no region).
      const sts = checkOf(run, "reachability", "sts");
      assertEquals(sts.status, "fail");
      assertStringIncludes(sts.message, `${deadUrl} (work, noregion) does not answer`);
    },
  ));
