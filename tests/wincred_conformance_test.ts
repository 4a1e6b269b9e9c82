/**
 * The keystore conformance suite for Windows Credential Manager. Windows only: run by the Windows
 * job of .github/workflows/tests.yml and, against Wine's Credential Manager, by the Windows lane
 * of .ci/run (scripts/windows_lane.ts); on other systems this file registers no tests.
 *
 * The suite runs under a private target prefix (`aws-vault-test-<random>:aws-vault:`), so that it
 * never sees or removes a user's real aws-vault credentials. The CLI leak check uses the real
 * prefix (the CLI has no other) with a random profile name, removed afterwards.
 */
import { assertEquals, assertRejects, assertStringIncludes } from "./assert.ts";
import { checkCliLeaks, runKeystoreConformance } from "./keystore_conformance.ts";
import { tempHome } from "./run_cli.ts";
import { keystoreOptions } from "./file_store.ts";
import { openWincredKeystore } from "../keystore/wincred.ts";
import { ItemNotFoundError, type Keystore } from "../keystore/keystore.ts";

const OPTIONS = keystoreOptions();

async function removeAll(keystore: Keystore): Promise<void> {
  for (const key of await keystore.keys()) await keystore.remove(key);
}

if (Deno.build.os === "windows") {
  runKeystoreConformance("wincred", async () => {
    const prefix = `aws-vault-test-${crypto.randomUUID().slice(0, 8)}:aws-vault:`;
    const keystore = await openWincredKeystore(OPTIONS, { targetPrefix: prefix });
    return { keystore, cleanup: () => removeAll(keystore) };
  }, { storesLabels: false, storesFlags: false, cli: false });

  Deno.test("wincred refuses an item over 2560 bytes and stores nothing", async () => {
    const prefix = `aws-vault-test-${crypto.randomUUID().slice(0, 8)}:aws-vault:`;
    const keystore = await openWincredKeystore(OPTIONS, { targetPrefix: prefix });
    try {
      const item = {
        key: "big",
        data: new Uint8Array(2561),
        label: "",
        description: "",
        keychainNotTrustApplication: false,
        keychainNotSynchronizable: false,
      };
      const err = await assertRejects(() => keystore.set(item), Error, "at most 2560");
      assertStringIncludes(err.message, "2561 bytes");
      await assertRejects(() => keystore.get("big"), ItemNotFoundError);
      await keystore.set({ ...item, data: new Uint8Array(2560).fill(7) });
      assertEquals((await keystore.get("big")).data.length, 2560);
    } finally {
      await removeAll(keystore);
    }
  });

  Deno.test("wincred conformance: CLI add and export --debug never print the secret", async () => {
    const keystore = await openWincredKeystore(OPTIONS);
    const profile = `aws-vault-test-${crypto.randomUUID().slice(0, 8)}`;
    const { home, cleanup } = await tempHome();
    try {
      await checkCliLeaks(
        {
          keystore,
          cleanup: () => Promise.resolve(),
          cliEnv: { AWS_VAULT_BACKEND: "wincred" },
        },
        home,
        profile,
      );
    } finally {
      await keystore.remove(profile).catch(() => {});
      await cleanup();
    }
  });
}
