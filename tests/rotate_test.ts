/**
 * rotate (aws-vault's cli/rotate.go) against the fake AWS: through the CLI for the normal flows,
 * and by calling sts/rotate.ts in-process (short retry timings) for every failure in the middle of
 * it. After each failure the stored key must work and the message must say which key is where.
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "./assert.ts";
import { runCli, tempHome } from "./run_cli.ts";
import { type FakeAws, startFakeAws, writeAwsConfig } from "./fake_aws/server.ts";
import { emptyBase, fileBackendEnv, homeKeystore, storeMasterKeys } from "./engine_fixtures.ts";
import { decodeMasterCredentials, sessionItem } from "../keystore/credential_items.ts";
import { formatSessionKey } from "../keystore/key_names.ts";
import type { Keystore } from "../keystore/keystore.ts";
import type { Credentials } from "../lib/credentials.ts";
import { UserError } from "../lib/errors.ts";
import { loadConfigFile } from "../sts/config/config.ts";
import { formatKeyForDisplay, rotate, type RotateTiming } from "../sts/rotate.ts";

const FAST: RotateTiming = {
  verifyTimeoutMs: 600,
  verifyIntervalMs: 50,
  deleteTimeoutMs: 300,
  deleteIntervalMs: 50,
};

interface Setup {
  fake: FakeAws;
  home: string;
  env: Record<string, string>;
  keystore: Keystore;
  aliceKey: Credentials;
  [Symbol.asyncDispose](): Promise<void>;
}

async function setup(config: (fake: FakeAws) => string, mfa = false): Promise<Setup> {
  const fake = await startFakeAws();
  const alice = fake.addUser("alice", { mfa: mfa ? { codes: ["123456"] } : undefined });
  const { home, cleanup } = await tempHome();
  const env = {
    ...(await writeAwsConfig(home, fake, config(fake))),
    ...fileBackendEnv(),
    AWS_REGION: "us-east-1",
  };
  const keystore = await homeKeystore(home);
  await storeMasterKeys(keystore, "alice", alice.credentials());
  return {
    fake,
    home,
    env,
    keystore,
    aliceKey: alice.credentials(),
    async [Symbol.asyncDispose]() {
      await fake.close();
      await cleanup();
    },
  };
}

async function storedKey(keystore: Keystore, name = "alice"): Promise<Credentials> {
  return decodeMasterCredentials((await keystore.get(name)).data);
}

function activeKeys(fake: FakeAws): string[] {
  return fake.state.keysOf("alice").map((k) => k.accessKeyId).sort();
}

/** Whether AWS accepts `creds` (GetCallerIdentity through the fake). */
async function works(s: Setup, creds: Credentials): Promise<boolean> {
  const { StsClient } = await import("../sts/aws/sts_client.ts");
  const config = await loadConfigFile(s.env.AWS_CONFIG_FILE);
  const { resolveProfile } = await import("../sts/config/profile_resolve.ts");
  const profile = resolveProfile(config, "alice", emptyBase(), (n) => s.env[n]);
  try {
    await new StsClient({ profile, credentials: creds, env: (n) => s.env[n] }).getCallerIdentity();
    return true;
  } catch {
    return false;
  }
}

function rotateInProcess(
  s: Setup,
  profileName: string,
  opts: { noSession?: boolean; keystore?: Keystore } = {},
) {
  const lines: string[] = [];
  const run = async () =>
    await rotate({
      config: await loadConfigFile(s.env.AWS_CONFIG_FILE),
      profileName,
      base: emptyBase(),
      keystore: opts.keystore ?? s.keystore,
      noSession: opts.noSession ?? true,
      print: (l) => lines.push(l),
      env: (n) => s.env[n],
      timing: FAST,
    });
  return { lines, run };
}

Deno.test("rotate -n through the CLI: new key stored and working, old key deleted, sessions cleared", async () => {
  await using s = await setup(() => "[profile alice]\nregion = us-east-1\n");
  s.fake.setNewKeyDelay(2); // the new key fails its first two requests, as IAM propagation does
  const future = {
    ...s.aliceKey,
    accessKeyId: "ASIAX",
    sessionToken: "t",
    expiration: new Date(Date.now() + 3_600_000),
  };
  await s.keystore.set(sessionItem(
    formatSessionKey({
      type: "sts.GetSessionToken",
      profileName: "alice",
      mfaSerial: "",
      expiration: Math.floor(future.expiration.getTime() / 1000),
    }),
    "alice",
    future,
  ));

  const r = await runCli(["rotate", "-n", "alice"], { home: s.home, env: s.env });
  assertEquals(r.code, 0, r.stderr);
  const newKey = await storedKey(s.keystore);
  assert(newKey.accessKeyId !== s.aliceKey.accessKeyId);
  const old = formatKeyForDisplay(s.aliceKey.accessKeyId);
  assertEquals(
    r.stdout,
    [
      "Rotating credentials stored for profile 'alice' using master credentials (takes 10-20 seconds)",
      "Creating a new access key",
      `Created new access key ${formatKeyForDisplay(newKey.accessKeyId)}`,
      "Deleted 1 sessions for alice",
      `Deleting old access key ${old}`,
      `Deleted old access key ${old}`,
      "Finished rotating access key",
      "",
    ].join("\n"),
  );
  // Verified before being stored: GetCallerIdentity with the new key until it worked.
  assertEquals(
    s.fake.callsTo("GetCallerIdentity").map((
      c,
    ) => [c.accessKeyId === newKey.accessKeyId, c.status]),
    [[true, 403], [true, 403], [true, 200]],
  );
  assertEquals(activeKeys(s.fake), [newKey.accessKeyId]);
  assert(await works(s, newKey));
  assertEquals(await s.keystore.keys(), ["alice"]);
});

Deno.test("rotate -n of a role profile uses the source profile's master keys (aws-vault's -n bug fixed)", async () => {
  await using s = await setup((f) =>
    `[profile alice]\nregion = us-east-1\n[profile admin]\nsource_profile = alice\nrole_arn = arn:aws:iam::${f.accountId}:role/admin\n`
  );
  s.fake.addRole("admin");
  const r = await runCli(["rotate", "-n", "admin"], { home: s.home, env: s.env });
  assertEquals(r.code, 0, r.stderr);
  assertStringIncludes(
    r.stdout,
    "Rotating credentials stored for profile 'alice' using master credentials",
  );
  const [create] = s.fake.callsTo("CreateAccessKey");
  assertEquals([create.accessKeyId, create.params.UserName], [s.aliceKey.accessKeyId, "alice"]);
  assertEquals(activeKeys(s.fake), [(await storedKey(s.keystore)).accessKeyId]);
});

Deno.test("rotate with a session: MFA from mfa_process, IAM called with the MFA session", async () => {
  await using s = await setup(
    (f) =>
      `[profile alice]\nregion = us-east-1\nmfa_serial = arn:aws:iam::${f.accountId}:mfa/alice\nmfa_process = echo 123456\n`,
    true,
  );
  const r = await runCli(["rotate", "alice"], { home: s.home, env: s.env });
  assertEquals(r.code, 0, r.stderr);
  assertStringIncludes(
    r.stdout,
    "Rotating credentials stored for profile 'alice' using a session from profile 'alice' (takes 10-20 seconds)",
  );
  assertEquals(s.fake.callCount("GetSessionToken"), 1);
  const [create] = s.fake.callsTo("CreateAccessKey");
  assert(create.accessKeyId.startsWith("ASIA"));
  // rotate never caches the session it used.
  assertEquals(await s.keystore.keys(), ["alice"]);
  assertEquals(activeKeys(s.fake), [(await storedKey(s.keystore)).accessKeyId]);
});

Deno.test("rotate: CreateAccessKey failing changes nothing and says the old key is still stored", async () => {
  await using s = await setup(() => "[profile alice]\nregion = us-east-1\n");
  s.fake.failNext("CreateAccessKey", {
    status: 409,
    code: "LimitExceeded",
    message: "Cannot exceed quota for AccessKeysPerUser: 2",
    times: 5,
  });
  const r = await runCli(["rotate", "-n", "alice"], { home: s.home, env: s.env });
  assertEquals(r.code, 1);
  assertStringIncludes(
    r.stderr,
    "aws-vault: error: rotate: Error creating a new access key: LimitExceeded: Cannot exceed quota",
  );
  assertStringIncludes(
    r.stderr,
    `the old access key ${formatKeyForDisplay(s.aliceKey.accessKeyId)} is still stored and active`,
  );
  assertEquals(await storedKey(s.keystore), s.aliceKey);
  assertEquals(activeKeys(s.fake), [s.aliceKey.accessKeyId]);
});

Deno.test("rotate: a new key that never works is deleted again; the old key stays", async () => {
  await using s = await setup(() => "[profile alice]\nregion = us-east-1\n");
  s.fake.setNewKeyDelay(1_000_000);
  const { run } = rotateInProcess(s, "alice");
  const err = await assertRejects(run, UserError, "did not work within 0.6s");
  assertStringIncludes(err.message, "was deleted again");
  assertStringIncludes(
    err.message,
    `The old access key ${formatKeyForDisplay(s.aliceKey.accessKeyId)} is still stored and active`,
  );
  assertEquals(await storedKey(s.keystore), s.aliceKey);
  assertEquals(activeKeys(s.fake), [s.aliceKey.accessKeyId]);
});

Deno.test("rotate: if the unusable new key cannot be deleted either, the message names it", async () => {
  await using s = await setup(() => "[profile alice]\nregion = us-east-1\n");
  s.fake.setNewKeyDelay(1_000_000);
  s.fake.failNext("DeleteAccessKey", { status: 500, times: 10 });
  const { run } = rotateInProcess(s, "alice");
  const err = await assertRejects(run, UserError);
  const created = activeKeys(s.fake).find((k) => k !== s.aliceKey.accessKeyId)!;
  assertStringIncludes(
    err.message,
    `The new access key ${formatKeyForDisplay(created)} exists at IAM but is not stored or used`,
  );
  assertEquals(await storedKey(s.keystore), s.aliceKey);
});

Deno.test("rotate: storing the new key failing deletes it again; the old key stays", async () => {
  await using s = await setup(() => "[profile alice]\nregion = us-east-1\n");
  // The keystore refuses writes (as a locked or full store would); reads still work.
  const readOnly: Keystore = {
    backend: s.keystore.backend,
    get: (k) => s.keystore.get(k),
    keys: () => s.keystore.keys(),
    remove: (k) => s.keystore.remove(k),
    set: () => Promise.reject(new Error("write refused")),
  };
  const { run } = rotateInProcess(s, "alice", { keystore: readOnly });
  const err = await assertRejects(run, UserError, "Error storing new access key ");
  assertStringIncludes(err.message, "write refused");
  assertStringIncludes(err.message, "was deleted again");
  assertEquals(await storedKey(s.keystore), s.aliceKey);
  assertEquals(activeKeys(s.fake), [s.aliceKey.accessKeyId]);
});

Deno.test("rotate: deleting the old key failing leaves the new key stored and says to delete the old one", async () => {
  await using s = await setup(() => "[profile alice]\nregion = us-east-1\n");
  s.fake.failNext("DeleteAccessKey", { status: 500, times: 100 });
  const { run, lines } = rotateInProcess(s, "alice");
  const err = await assertRejects(
    run,
    UserError,
    `Can't delete old access key ${formatKeyForDisplay(s.aliceKey.accessKeyId)}: After `,
  );
  const newKey = await storedKey(s.keystore);
  assertStringIncludes(
    err.message,
    `The new access key ${formatKeyForDisplay(newKey.accessKeyId)} is stored and works`,
  );
  assertStringIncludes(err.message, "is still active at IAM: delete it yourself");
  assert(await works(s, newKey));
  assertEquals(activeKeys(s.fake), [newKey.accessKeyId, s.aliceKey.accessKeyId].sort());
  assertEquals(
    lines.at(-1),
    `Deleting old access key ${formatKeyForDisplay(s.aliceKey.accessKeyId)}`,
  );
});

Deno.test("rotate: a profile without master keys is refused as aws-vault words it", async () => {
  await using s = await setup(() =>
    "[profile alice]\nregion = us-east-1\n[profile lone]\nregion = us-east-1\n"
  );
  const r = await runCli(["rotate", "lone"], { home: s.home, env: s.env });
  assertEquals(r.code, 1);
  assertStringIncludes(
    r.stderr,
    "aws-vault: error: rotate: Error determining credential name for 'lone': No master credentials found",
  );
});
