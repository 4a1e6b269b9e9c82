/**
 * The keystore conformance suite for the macOS keychain, plus keychain-specific checks. macOS only:
 * run by the macOS job of .github/workflows/tests.yml; on other systems this file registers no
 * tests.
 *
 * Each test gets its own keychain file, made with `security create-keychain` (so no password
 * dialog appears) and deleted afterwards. Items are written with trustAllItems: an item that trusts
 * no application (aws-vault's master credentials) makes macOS ask on every read, which an
 * unattended runner cannot answer. For the same reason the CLI leak check is not run here.
 */
import { assertEquals, assertRejects } from "./assert.ts";
import { runKeystoreConformance } from "./keystore_conformance.ts";
import { type KeychainDeps, openKeychainKeystore } from "../keystore/keychain.ts";
import { ItemNotFoundError, type Keystore } from "../keystore/keystore.ts";
import { keystoreOptions } from "./file_store.ts";

async function security(args: string[]): Promise<string> {
  const out = await new Deno.Command("security", { args, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`security ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return text;
}

interface TestKeychain {
  name: string;
  file: string;
  keystore: Keystore;
  cleanup: () => Promise<void>;
}

async function createTestKeychain(deps: KeychainDeps): Promise<TestKeychain> {
  const name = `aws-vault-test-${crypto.randomUUID().slice(0, 8)}`;
  const file = `${name}.keychain`;
  await security(["create-keychain", "-p", "test-password", file]);
  // No auto-lock while the tests run.
  await security(["set-keychain-settings", file]);
  const keystore = await openKeychainKeystore(keystoreOptions({ keychainName: name }), deps);
  return {
    name,
    file,
    keystore,
    cleanup: () => security(["delete-keychain", file]).then(() => {}),
  };
}

if (Deno.build.os === "darwin") {
  runKeystoreConformance("keychain", async () => {
    const kc = await createTestKeychain({ cache: false, trustAllItems: true });
    return { keystore: kc.keystore, cleanup: kc.cleanup };
  }, { storesLabels: true, storesFlags: false, cli: false });

  Deno.test("keychain reads an item another program stored: raw data, label, description", async () => {
    const kc = await createTestKeychain({ cache: false });
    try {
      const data = '{"AccessKeyID":"AKIAEXAMPLE","SecretAccessKey":"s"}';
      // -A: any application may read it, so no dialog; -D sets the description ("kind").
      await security([
        "add-generic-password",
        "-A",
        "-s",
        "aws-vault",
        "-a",
        "bob",
        "-l",
        "aws-vault (bob)",
        "-D",
        "some description",
        "-w",
        data,
        kc.file,
      ]);
      assertEquals(await kc.keystore.keys(), ["bob"]);
      const item = await kc.keystore.get("bob");
      assertEquals(new TextDecoder().decode(item.data), data);
      assertEquals(item.label, "aws-vault (bob)");
      assertEquals(item.description, "some description");
    } finally {
      await kc.cleanup();
    }
  });

  Deno.test("keychain reads each item once per process", async () => {
    const kc = await createTestKeychain({ trustAllItems: true });
    try {
      await security([
        "add-generic-password",
        "-A",
        "-s",
        "aws-vault",
        "-a",
        "carol",
        "-w",
        "first",
        kc.file,
      ]);
      assertEquals(new TextDecoder().decode((await kc.keystore.get("carol")).data), "first");
      await security(["delete-generic-password", "-s", "aws-vault", "-a", "carol", kc.file]);
      // Served from memory: the keychain (and its prompts) is not asked again.
      assertEquals(new TextDecoder().decode((await kc.keystore.get("carol")).data), "first");
      // remove() forgets it; the keychain no longer has it either.
      await assertRejects(() => kc.keystore.remove("carol"), ItemNotFoundError);
      await assertRejects(() => kc.keystore.get("carol"), ItemNotFoundError);
    } finally {
      await kc.cleanup();
    }
  });

  Deno.test("a keychain that does not exist is empty and is not created by reads", async () => {
    const name = `aws-vault-missing-${crypto.randomUUID().slice(0, 8)}`;
    const ks = await openKeychainKeystore(keystoreOptions({ keychainName: name }), {
      cache: false,
    });
    assertEquals(await ks.keys(), []);
    await assertRejects(() => ks.get("x"), ItemNotFoundError);
    await assertRejects(() => ks.remove("x"), ItemNotFoundError);
    const home = Deno.env.get("HOME")!;
    for (const suffix of [".keychain", ".keychain-db"]) {
      await assertRejects(() => Deno.stat(`${home}/Library/Keychains/${name}${suffix}`));
    }
  });
}
