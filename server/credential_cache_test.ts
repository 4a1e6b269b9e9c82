import { assert, assertEquals, assertRejects } from "../tests/assert.ts";
import type { Credentials } from "../lib/credentials.ts";
import { CredentialCache, refreshTime, RETRY_AFTER_FAILURE_MS } from "./credential_cache.ts";

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** A provider whose answers the test scripts: each call takes the next lifetime (ms) or error. */
function scriptedProvider(clock: { now: number }, script: Array<number | Error | undefined>) {
  let calls = 0;
  const gates: Array<() => void> = [];
  const provider = {
    get calls() {
      return calls;
    },
    /** While true, calls wait until release() so that concurrent waiters pile up. */
    hold: false,
    release() {
      for (const g of gates.splice(0)) g();
    },
    async retrieve(): Promise<Credentials> {
      const step = script[Math.min(calls, script.length - 1)];
      calls++;
      const n = calls;
      if (provider.hold) await new Promise<void>((r) => gates.push(r));
      if (step instanceof Error) throw step;
      return {
        accessKeyId: `ASIA${n}`,
        secretAccessKey: `secret-${n}`,
        sessionToken: `token-${n}`,
        expiration: step === undefined ? undefined : new Date(clock.now + step),
      };
    },
  };
  return provider;
}

Deno.test("one provider call for 50 concurrent requests on an empty cache", async () => {
  const clock = { now: T0 };
  const provider = scriptedProvider(clock, [60 * MIN]);
  provider.hold = true;
  const cache = new CredentialCache(provider, { now: () => clock.now });
  const pending = Array.from({ length: 50 }, () => cache.retrieve());
  await new Promise((r) => setTimeout(r, 10));
  provider.release();
  const results = await Promise.all(pending);
  assertEquals(provider.calls, 1);
  assert(results.every((c) => c === results[0]));
  assertEquals(cache.providerCalls, 1);
});

Deno.test("every concurrent waiter gets the error, and the next request tries again", async () => {
  const clock = { now: T0 };
  const provider = scriptedProvider(clock, [new Error("AccessDenied: nope"), 60 * MIN]);
  provider.hold = true;
  const cache = new CredentialCache(provider, { now: () => clock.now });
  const pending = Array.from(
    { length: 10 },
    () => cache.retrieve().then(() => "ok", (e) => e.message),
  );
  await new Promise((r) => setTimeout(r, 10));
  provider.release();
  assertEquals(new Set(await Promise.all(pending)), new Set(["AccessDenied: nope"]));
  assertEquals(provider.calls, 1);
  provider.hold = false;
  assertEquals((await cache.retrieve()).accessKeyId, "ASIA2");
});

Deno.test("credentials are refreshed once less than 15 minutes remain", async () => {
  const clock = { now: T0 };
  const provider = scriptedProvider(clock, [60 * MIN]);
  const cache = new CredentialCache(provider, { now: () => clock.now });
  assertEquals((await cache.retrieve()).accessKeyId, "ASIA1");
  clock.now = T0 + 44 * MIN;
  assertEquals((await cache.retrieve()).accessKeyId, "ASIA1");
  assertEquals(provider.calls, 1);
  clock.now = T0 + 45 * MIN;
  const fresh = await cache.retrieve();
  assertEquals(fresh.accessKeyId, "ASIA2");
  assertEquals(provider.calls, 2);
  assert(fresh.expiration!.getTime() - clock.now >= 15 * MIN);
});

Deno.test("short-lived credentials are served until a minute before expiry, not refetched", async () => {
  const clock = { now: T0 };
  // A role that only ever lasts 10 minutes.
  const provider = scriptedProvider(clock, [10 * MIN]);
  const cache = new CredentialCache(provider, { now: () => clock.now });
  await cache.retrieve();
  for (let m = 0; m < 9; m++) {
    clock.now = T0 + m * MIN;
    assertEquals((await cache.retrieve()).accessKeyId, "ASIA1");
  }
  assertEquals(provider.calls, 1);
  clock.now = T0 + 9 * MIN;
  assertEquals((await cache.retrieve()).accessKeyId, "ASIA2");
});

Deno.test("a refresh that returns the same nearly-due credentials does not loop", async () => {
  const clock = { now: T0 };
  const provider = scriptedProvider(clock, [60 * MIN, 14 * MIN]);
  const cache = new CredentialCache(provider, { now: () => clock.now });
  await cache.retrieve();
  clock.now = T0 + 46 * MIN;
  await cache.retrieve();
  await cache.retrieve();
  clock.now = T0 + 55 * MIN;
  await cache.retrieve();
  assertEquals(provider.calls, 2);
});

Deno.test("a failed refresh keeps serving still-valid credentials and retries later", async () => {
  const clock = { now: T0 };
  const mfa = new Error("credentials expired and refreshing them needs an MFA code");
  const provider = scriptedProvider(clock, [60 * MIN, mfa]);
  const cache = new CredentialCache(provider, { now: () => clock.now });
  await cache.retrieve();
  clock.now = T0 + 50 * MIN;
  assertEquals((await cache.retrieve()).accessKeyId, "ASIA1");
  assertEquals(provider.calls, 2);
  // Within the retry pause: no provider call.
  clock.now += RETRY_AFTER_FAILURE_MS - 1;
  await cache.retrieve();
  assertEquals(provider.calls, 2);
  clock.now += 1;
  await cache.retrieve();
  assertEquals(provider.calls, 3);
  // Once the old credentials are about to expire, the error reaches the caller.
  clock.now = T0 + 59 * MIN + 1;
  await assertRejects(() => cache.retrieve(), Error, "needs an MFA code");
});

Deno.test("onFirstSuccess runs once, after the first successful retrieval only", async () => {
  const clock = { now: T0 };
  const provider = scriptedProvider(clock, [new Error("boom"), 20 * MIN]);
  let firsts = 0;
  const cache = new CredentialCache(provider, {
    now: () => clock.now,
    onFirstSuccess: () => void firsts++,
  });
  await assertRejects(() => cache.retrieve());
  assertEquals(firsts, 0);
  await cache.retrieve();
  clock.now += 20 * MIN;
  await cache.retrieve();
  assertEquals(firsts, 1);
  assertEquals(provider.calls, 3);
});

Deno.test("credentials without expiry are fetched once", async () => {
  const clock = { now: T0 };
  const provider = scriptedProvider(clock, [undefined]);
  const cache = new CredentialCache(provider, { now: () => clock.now });
  await cache.retrieve();
  clock.now += 1000 * 24 * 60 * MIN;
  await cache.retrieve();
  assertEquals(provider.calls, 1);
});

Deno.test("refreshTime", () => {
  const creds = (ms?: number): Credentials => ({
    accessKeyId: "A",
    secretAccessKey: "S",
    sessionToken: "",
    expiration: ms === undefined ? undefined : new Date(T0 + ms),
  });
  assertEquals(refreshTime(creds(), T0), Infinity);
  assertEquals(refreshTime(creds(60 * MIN), T0), T0 + 60 * MIN - (15 * MIN + 10_000));
  assertEquals(refreshTime(creds(15 * MIN), T0), T0 + 14 * MIN);
  assertEquals(refreshTime(creds(30_000), T0), T0);
});

Deno.test("a failure is remembered for failureTtlMs, then the provider is asked again", async () => {
  let now = 1_000_000;
  let calls = 0;
  const cache = new CredentialCache({
    retrieve: () => {
      calls++;
      return Promise.reject(new Error(`failure ${calls}`));
    },
  }, { now: () => now, failureTtlMs: 30_000 });
  for (let i = 0; i < 3; i++) {
    await cache.retrieve().then(
      () => assert(false, "resolved"),
      (e) => assertEquals(e.message, "failure 1"),
    );
  }
  now += 30_001;
  await cache.retrieve().catch((e) => assertEquals(e.message, "failure 2"));
  assertEquals(calls, 2);
});
