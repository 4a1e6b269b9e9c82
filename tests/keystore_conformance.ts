/**
 * The behaviour every keystore backend must have, as a set of Deno.test cases that a backend's test
 * file registers with `runKeystoreConformance(name, setup, options)`.
 *
 * `setup` is called once per test case and must return a fresh, empty store. When it also returns
 * `cliEnv` (the variables that select and locate the same store for the CLI), a leak check runs the
 * real CLI (`add --env`, then `export --no-session --format=json --debug`) and asserts that the
 * secret never reaches stderr. When it returns `argvLog` (a file to which a wrapper around the
 * backend's helper program appends its argv), every test also asserts that no secret was passed to
 * a child process on its command line.
 */
import { assert, assertEquals, assertNotIncludes, assertRejects } from "./assert.ts";
import { runCli, tempHome } from "./run_cli.ts";
import { type Item, ItemNotFoundError, type Keystore } from "../keystore/keystore.ts";
import { masterCredentialsItem, sessionItem } from "../keystore/credential_items.ts";
import { bytesToBase64 } from "../keystore/item_json.ts";
import { linuxTest } from "./platform.ts";

export interface ConformanceFixture {
  keystore: Keystore;
  /** Removes everything setup created (stores, temp dirs, agents). Always called. */
  cleanup: () => Promise<void>;
  /** Environment for the CLI that selects this backend and points it at the same store. */
  cliEnv?: Record<string, string>;
  /** A file where a wrapper around the backend's helper program records each child's argv. */
  argvLog?: string;
  /** A command the CLI must run under to see the same store (run_cli.ts `wrap`). */
  cliWrap?: string[];
}

export interface ConformanceOptions {
  /**
   * Whether get() returns the label and description given to set(). True for backends that store
   * the Item JSON (secret-service, kwallet, pass, file); wincred stores raw data only.
   */
  storesLabels?: boolean;
  /**
   * Whether get() returns keychainNotTrustApplication / keychainNotSynchronizable. True for the
   * Item JSON backends; the macOS keychain turns them into ACLs that are not read back.
   */
  storesFlags?: boolean;
  /** Run the CLI leak check (needs `cliEnv` from setup). Default true. */
  cli?: boolean;
  /** What the backend needs that only the Linux machine has (a daemon, pass): ignored elsewhere. */
  needs?: string;
}

/** Key names that have broken stores before: path separators, escapes, spaces, unicode, commas. */
export const AWKWARD_KEYS = [
  "plain-profile",
  "team/prod",
  "deep/nested/profile",
  "100%",
  "%2F-not-a-slash",
  "with space",
  "ünïcødé-プロファイル",
  "a,b",
  "sts.GetSessionToken,YWxpY2U,,1795342103",
  "sts.AssumeRole,cHJvZA,YXJuOmF3czppYW06OjExMTExMTExMTExMTptZmEvYWxpY2U,1795342103",
  "oidc:https://x.awsapps.com/start",
];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A value that is recognisable when it leaks and unique per call. */
function secretValue(tag: string): string {
  const random = crypto.getRandomValues(new Uint8Array(12));
  return `Secret${tag}${Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function rawItem(key: string, data: Uint8Array, label = "", description = ""): Item {
  return {
    key,
    data,
    label,
    description,
    keychainNotTrustApplication: false,
    keychainNotSynchronizable: false,
  };
}

/** Registers the conformance tests for one backend. */
export function runKeystoreConformance(
  name: string,
  setup: () => Promise<ConformanceFixture>,
  options: ConformanceOptions = {},
): void {
  const storesLabels = options.storesLabels ?? true;
  const storesFlags = options.storesFlags ?? true;
  const register = (title: string, fn: () => Promise<void>) =>
    options.needs ? linuxTest(options.needs, title, fn) : Deno.test(title, fn);

  /** Runs `body` on a fresh store; afterwards checks the argv log for every secret it used. */
  function conformanceTest(
    title: string,
    body: (ks: Keystore, secrets: string[]) => Promise<void>,
  ) {
    register(`${name} conformance: ${title}`, async () => {
      const fixture = await setup();
      try {
        const secrets: string[] = [];
        await body(fixture.keystore, secrets);
        if (fixture.argvLog) await assertArgvClean(fixture.argvLog, secrets);
      } finally {
        await fixture.cleanup();
      }
    });
  }

  function assertSameItem(got: Item, want: Item): void {
    assertEquals(got.key, want.key);
    assertEquals(decoder.decode(got.data), decoder.decode(want.data));
    assertEquals(Array.from(got.data), Array.from(want.data));
    if (storesLabels) {
      assertEquals(got.label, want.label);
      assertEquals(got.description, want.description);
    }
    if (storesFlags) {
      assertEquals(got.keychainNotTrustApplication, want.keychainNotTrustApplication);
      assertEquals(got.keychainNotSynchronizable, want.keychainNotSynchronizable);
    }
  }

  conformanceTest("set then get returns the master credentials item", async (ks, secrets) => {
    const secret = secretValue("Master");
    secrets.push(secret);
    const item = masterCredentialsItem("alice", {
      accessKeyId: "AKIAEXAMPLEALICE0001",
      secretAccessKey: secret,
      sessionToken: "",
    });
    await ks.set(item);
    assertSameItem(await ks.get("alice"), item);
    assertEquals(await ks.keys(), ["alice"]);
  });

  conformanceTest("a session item keeps its key, label and description", async (ks, secrets) => {
    const secret = secretValue("Session");
    secrets.push(secret);
    const key = "sts.GetSessionToken,YWxpY2U,,1795342103";
    const item = sessionItem(key, "alice", {
      accessKeyId: "ASIAEXAMPLEALICE0001",
      secretAccessKey: secret,
      sessionToken: secretValue("Token"),
      expiration: new Date(1795342103 * 1000),
    });
    secrets.push(JSON.parse(decoder.decode(item.data)).SessionToken);
    await ks.set(item);
    assertSameItem(await ks.get(key), item);
    assertEquals(await ks.keys(), [key]);
  });

  conformanceTest("set overwrites an existing key", async (ks, secrets) => {
    const first = secretValue("First");
    const second = secretValue("Second");
    secrets.push(first, second);
    await ks.set(rawItem("bob", encoder.encode(first), "first label", "first description"));
    const replacement = {
      ...rawItem("bob", encoder.encode(second), "second label", "second description"),
      keychainNotTrustApplication: true,
    };
    await ks.set(replacement);
    assertSameItem(await ks.get("bob"), replacement);
    assertEquals(await ks.keys(), ["bob"]);
  });

  conformanceTest("remove deletes the item", async (ks, secrets) => {
    const secret = secretValue("Removed");
    secrets.push(secret);
    await ks.set(rawItem("carol", encoder.encode(secret)));
    await ks.remove("carol");
    await assertRejects(() => ks.get("carol"), ItemNotFoundError);
    assertEquals(await ks.keys(), []);
  });

  conformanceTest("get and remove of a missing key throw ItemNotFoundError", async (ks) => {
    assertEquals(await ks.keys(), []);
    await assertRejects(() => ks.get("nobody"), ItemNotFoundError);
    await assertRejects(() => ks.remove("nobody"), ItemNotFoundError);
    await assertRejects(() => ks.get("team/nobody"), ItemNotFoundError);
    await ks.set(rawItem("somebody", encoder.encode("x")));
    await assertRejects(() => ks.get("nobody"), ItemNotFoundError);
    await assertRejects(() => ks.get("somebody/else"), ItemNotFoundError);
  });

  conformanceTest(
    "awkward key names round-trip through set, get, keys and remove",
    async (ks, secrets) => {
      const stored = new Map<string, Item>();
      for (const [i, key] of AWKWARD_KEYS.entries()) {
        const secret = secretValue(`Awkward${i}`);
        secrets.push(secret);
        const item = rawItem(
          key,
          encoder.encode(`{"SecretAccessKey":"${secret}"}`),
          `label ${key}`,
        );
        stored.set(key, item);
        await ks.set(item);
      }
      for (const [key, item] of stored) assertSameItem(await ks.get(key), item);
      assertEquals((await ks.keys()).sort(), [...AWKWARD_KEYS].sort());
      for (const key of AWKWARD_KEYS) await ks.remove(key);
      assertEquals(await ks.keys(), []);
      for (const key of AWKWARD_KEYS) await assertRejects(() => ks.get(key), ItemNotFoundError);
    },
  );

  conformanceTest("a large value with every byte value round-trips", async (ks, secrets) => {
    // 2300 bytes: longer than any real session JSON, below wincred's 2560-byte blob limit.
    const data = new Uint8Array(2300);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) % 256;
    const secret = secretValue("Large");
    secrets.push(secret);
    data.set(encoder.encode(secret), 1000);
    const item = rawItem("large", data, "large item", "2300 bytes");
    await ks.set(item);
    assertSameItem(await ks.get("large"), item);
  });

  conformanceTest("keys() reflects removals", async (ks) => {
    for (const key of ["one", "two", "three", "team/four"]) {
      await ks.set(rawItem(key, encoder.encode(`value of ${key}`)));
    }
    assertEquals((await ks.keys()).sort(), ["one", "team/four", "three", "two"]);
    await ks.remove("two");
    assertEquals((await ks.keys()).sort(), ["one", "team/four", "three"]);
    await ks.remove("team/four");
    assertEquals((await ks.keys()).sort(), ["one", "three"]);
    await ks.remove("one");
    await ks.remove("three");
    assertEquals(await ks.keys(), []);
  });

  if (options.cli === false) return;
  register(`${name} conformance: CLI add and export --debug never print the secret`, async () => {
    const fixture = await setup();
    const { home, cleanup } = await tempHome();
    try {
      assert(fixture.cliEnv, "setup returned no cliEnv; pass { cli: false } to leave the CLI out");
      await checkCliLeaks(fixture, home);
    } finally {
      await cleanup();
      await fixture.cleanup();
    }
  });
}

/**
 * The CLI leak check on its own, for backends whose conformance fixture cannot serve the CLI
 * (wincred: the suite uses a private target prefix, the CLI the real one). `fixture.keystore` must
 * see what the CLI writes; `profile` names the item the check creates (the caller removes it).
 */
export async function checkCliLeaks(
  fixture: ConformanceFixture,
  home: string,
  profile = "conformance-leak",
): Promise<void> {
  const accessKeyId = "AKIACONFORMANCE00042";
  const secret = secretValue("Cli");
  await Deno.writeTextFile(`${home}/.aws/config`, `[profile ${profile}]\nregion = us-east-1\n`);
  assert(fixture.cliEnv, "the CLI leak check needs cliEnv");
  const env = { ...fixture.cliEnv };

  const wrap = fixture.cliWrap;
  const add = await runCli(["--debug", "add", "--env", profile], {
    home,
    wrap,
    env: { ...env, AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secret },
  });
  assertEquals(add.code, 0, `add failed: ${add.stderr}`);

  // The CLI wrote to the store this fixture opened: the same backend, the same location.
  const stored = await fixture.keystore.get(profile);
  assertEquals(
    decoder.decode(stored.data),
    decoder.decode(
      masterCredentialsItem(profile, { accessKeyId, secretAccessKey: secret, sessionToken: "" })
        .data,
    ),
  );

  const exp = await runCli(
    ["export", "--no-session", "--format=json", "--debug", profile],
    { home, env, wrap },
  );
  assertEquals(exp.code, 0, `export failed: ${exp.stderr}`);
  // The secret did travel (so the check below is meaningful), but only on stdout.
  assertEquals(JSON.parse(exp.stdout).SecretAccessKey, secret);
  assert(exp.stderr.trim() !== "", "export --debug wrote no debug output to check");
  const storedJson = bytesToBase64(stored.data);
  for (const [what, text] of [["add stderr", add.stderr], ["export stderr", exp.stderr]]) {
    assertNotIncludes(text, secret, `${what} contains the secret access key`);
    assertNotIncludes(text, storedJson, `${what} contains the stored item data`);
    assertNotIncludes(text, accessKeyId, `${what} contains the unmasked access key id`);
  }
  assertNotIncludes(add.stdout, secret, "add stdout contains the secret access key");

  if (fixture.argvLog) {
    const log = await Deno.readTextFile(fixture.argvLog);
    assert(log.length > 0, "the argv log is empty: the CLI did not run the wrapped helper");
    await assertArgvClean(fixture.argvLog, [secret, storedJson]);
  }
}

/** The argv log must exist once a helper ran, and must hold none of the secrets. */
async function assertArgvClean(argvLog: string, secrets: string[]): Promise<void> {
  let log = "";
  try {
    log = await Deno.readTextFile(argvLog);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  for (const secret of secrets) {
    assertNotIncludes(log, secret, "a secret was passed to a child process in argv");
  }
}
