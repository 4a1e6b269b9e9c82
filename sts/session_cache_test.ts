/** The session store and the cached provider, on a real file keystore. */
import { assert, assertEquals } from "../tests/assert.ts";
import { dummyKeys, fileKeystore, storeMasterKeys } from "../tests/engine_fixtures.ts";
import type { Credentials } from "../lib/credentials.ts";
import { formatSessionKey, oidcKey } from "../keystore/key_names.ts";
import { sessionItem } from "../keystore/credential_items.ts";
import type { Keystore } from "../keystore/keystore.ts";
import {
  CachedSessionProvider,
  DEFAULT_MIN_TTL_MS,
  type FetchedCredentials,
  minTtlFromEnv,
  type SessionMetadata,
  SessionStore,
} from "./session_cache.ts";

const META: SessionMetadata = {
  type: "sts.GetSessionToken",
  profileName: "jonsmith",
  mfaSerial: "arn:aws:iam::111111111111:mfa/jonsmith",
};

function session(minutesLeft: number, id = "ASIAEXAMPLE00000SESS"): Credentials {
  return {
    accessKeyId: id,
    secretAccessKey: "s3cr3t",
    sessionToken: "token",
    expiration: new Date(Math.floor(Date.now() / 1000) * 1000 + minutesLeft * 60_000),
  };
}

async function withStore(
  fn: (store: SessionStore, keystore: Keystore, dir: string) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "session-cache-test-" });
  try {
    const keystore = await fileKeystore(`${dir}/keys`);
    await fn(new SessionStore(keystore), keystore, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A provider that answers like STS would and counts its calls. */
class CountingProvider {
  calls = 0;
  constructor(private readonly minutes: number, private readonly delayMs = 0) {}
  async retrieve(): Promise<FetchedCredentials> {
    this.calls++;
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    return session(this.minutes, `ASIAEXAMPLE0000000${String(this.calls).padStart(2, "0")}`);
  }
}

Deno.test("session store: set then get, under aws-vault's key name and JSON", async () => {
  await withStore(async (store, keystore) => {
    const creds = session(60);
    await store.set(META, creds);
    const keys = await keystore.keys();
    assertEquals(keys, [
      formatSessionKey({ ...META, expiration: creds.expiration!.getTime() / 1000 }),
    ]);
    const item = await keystore.get(keys[0]);
    assertEquals(
      new TextDecoder().decode(item.data),
      `{"AccessKeyId":"ASIAEXAMPLE00000SESS","Expiration":"${
        creds.expiration!.toISOString().replace(".000Z", "Z")
      }","SecretAccessKey":"s3cr3t","SessionToken":"token"}`,
    );
    assertEquals(item.description, "aws-vault session");
    assertEquals(await store.get(META), creds);
    // Another serial or type is another session.
    assertEquals(await store.get({ ...META, mfaSerial: "" }), undefined);
    assertEquals(await store.get({ ...META, type: "sts.AssumeRole" }), undefined);
  });
});

Deno.test("session store: renewing replaces the old key; expired and legacy keys are purged", async () => {
  await withStore(async (store, keystore) => {
    await store.set(META, session(30));
    await store.set(META, session(60, "ASIAEXAMPLE0000NEWER"));
    assertEquals((await keystore.keys()).length, 1);
    assertEquals((await store.get(META))?.accessKeyId, "ASIAEXAMPLE0000NEWER");

    const expired = session(-1);
    const expiredKey = formatSessionKey({
      type: "sts.AssumeRole",
      profileName: "old",
      mfaSerial: "",
      expiration: expired.expiration!.getTime() / 1000,
    });
    await keystore.set(sessionItem(expiredKey, "old", expired));
    await keystore.set(sessionItem("session,b2xk,,1600000000", "legacy", expired));
    await keystore.set(sessionItem("jonsmith session (1600000000)", "legacy", expired));
    await storeMasterKeys(keystore, "jonsmith", dummyKeys());
    assertEquals((await keystore.keys()).length, 5);
    // Any read purges them, without needing to decrypt them.
    await store.get(META);
    assertEquals(
      (await keystore.keys()).sort(),
      ["jonsmith", (await store.sessions())[0].key].sort(),
    );
  });
});

Deno.test("session store: an unreadable session is a miss, not an error", async () => {
  await withStore(async (store, keystore) => {
    const creds = session(60);
    const key = formatSessionKey({ ...META, expiration: creds.expiration!.getTime() / 1000 });
    await keystore.set({
      ...sessionItem(key, META.profileName, creds),
      data: new TextEncoder().encode("{nope"),
    });
    assertEquals(await store.get(META), undefined);
  });
});

Deno.test("session store: removeForProfile, removeAll and OIDC tokens", async () => {
  await withStore(async (store, keystore) => {
    await store.set(META, session(60));
    await store.set(
      { type: "sts.AssumeRole", profileName: "admin", mfaSerial: META.mfaSerial },
      session(60),
    );
    await store.set(
      { type: "credential_process", profileName: "admin", mfaSerial: "" },
      session(60),
    );
    await keystore.set({
      ...sessionItem(oidcKey("https://x.awsapps.com/start"), "x", session(60)),
    });
    await storeMasterKeys(keystore, "jonsmith", dummyKeys());
    assertEquals(await store.removeForProfile("admin"), 2);
    assertEquals(await store.removeAll(), 1);
    assertEquals(await store.removeAllOidcTokens(), 1);
    assertEquals(await keystore.keys(), ["jonsmith"]);
  });
});

Deno.test("AWS_MIN_TTL: Go duration, default 5m when unset or invalid", () => {
  assertEquals(minTtlFromEnv(() => undefined), DEFAULT_MIN_TTL_MS);
  assertEquals(minTtlFromEnv(() => "90s"), 90_000);
  assertEquals(minTtlFromEnv(() => "90"), DEFAULT_MIN_TTL_MS);
});

Deno.test("cached provider: reuses a session with enough time left, refreshes one without", async () => {
  await withStore(async (store, _keystore, dir) => {
    const inner = new CountingProvider(60);
    const cached = new CachedSessionProvider({
      store,
      meta: META,
      provider: inner,
      minTtlMs: 5 * 60_000,
      lock: { dir: `${dir}/locks` },
    });
    const first = await cached.retrieve();
    const second = await cached.retrieve();
    assertEquals(inner.calls, 1);
    assertEquals(second, first);

    // A session with less than the minimum TTL left is replaced.
    await store.set(META, session(4, "ASIAEXAMPLE00000LOW4"));
    const third = await cached.retrieve();
    assertEquals(inner.calls, 2);
    assert(third.accessKeyId !== "ASIAEXAMPLE00000LOW4");
  });
});

Deno.test("cached provider: concurrent retrieves make one call (cache re-checked under the lock)", async () => {
  await withStore(async (store, _keystore, dir) => {
    const inner = new CountingProvider(60, 300);
    const make = () =>
      new CachedSessionProvider({
        store,
        meta: META,
        provider: inner,
        minTtlMs: 60_000,
        lock: { dir: `${dir}/locks` },
      });
    const results = await Promise.all([make().retrieve(), make().retrieve(), make().retrieve()]);
    assertEquals(inner.calls, 1);
    assertEquals(new Set(results.map((r) => r.accessKeyId)).size, 1);
  });
});

Deno.test("cached provider: non-expiring credentials are passed through, not cached", async () => {
  await withStore(async (store, keystore, dir) => {
    const provider = { retrieve: () => Promise.resolve(dummyKeys()) };
    const cached = new CachedSessionProvider({
      store,
      meta: { type: "credential_process", profileName: "p", mfaSerial: "" },
      provider,
      minTtlMs: 60_000,
      lock: { dir: `${dir}/locks` },
    });
    assertEquals(await cached.retrieve(), dummyKeys());
    assertEquals(await keystore.keys(), []);
  });
});
