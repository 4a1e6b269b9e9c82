/**
 * `aws-vault doctor` on the pass backend with a real pass store and gpg (tests/pass_store.ts):
 * the gpg secret key for the store's .gpg-id, every item decrypted in batch mode (no pinentry),
 * and the failures: a store whose key is not ours, a store that was never initialised.
 */
import { assertEquals, assertStringIncludes } from "./assert.ts";
import { createPassStore } from "./pass_store.ts";
import { tempHome } from "./run_cli.ts";
import { checkOf, doctor, writeConfig } from "./doctor_fixtures.ts";
import { dummyKeys, storeMasterKeys } from "./engine_fixtures.ts";
import { openPassKeystore } from "../keystore/pass.ts";
import { linuxTest } from "./platform.ts";
import { keystoreOptions } from "./file_store.ts";

linuxTest(
  "pass and gpg",
  "doctor pass: the gpg key, readable items, a foreign key id and no store",
  async () => {
    const store = await createPassStore();
    const { home, cleanup } = await tempHome();
    try {
      await writeConfig(home, "[default]\nregion = us-east-1\n[profile work]\n");
      const env = {
        AWS_VAULT_BACKEND: "pass",
        AWS_VAULT_PASS_CMD: store.passCmd,
        AWS_VAULT_PASS_PASSWORD_STORE_DIR: store.storeDir,
        GNUPGHOME: store.gnupgHome,
      };
      const keystore = await openPassKeystore(
        keystoreOptions({ passDir: store.storeDir, passCmd: store.passCmd }),
      );
      await storeMasterKeys(keystore, "work", dummyKeys());

      const healthy = await doctor(home, [], env);
      const probe = checkOf(healthy, "keystore", "pass");
      assertEquals(probe.status, "ok", probe.message);
      assertStringIncludes(probe.message, "gpg secret key present");
      assertEquals(checkOf(healthy, "keystore", "readable").message, "all 1 item(s) can be read");
      assertEquals(checkOf(healthy, "profile", "credentials", "work").status, "ok");

      const gpgId = `${store.storeDir}/.gpg-id`;
      const original = await Deno.readTextFile(gpgId);
      await Deno.writeTextFile(gpgId, "0123456789ABCDEF0123456789ABCDEF01234567\n");
      const foreign = await doctor(home, [], env);
      assertEquals(foreign.code, 1);
      assertStringIncludes(
        checkOf(foreign, "keystore", "pass").message,
        "no gpg secret key for 0123456789ABCDEF0123456789ABCDEF01234567",
      );
      await Deno.writeTextFile(gpgId, original);

      const empty = await doctor(home, [], {
        ...env,
        AWS_VAULT_PASS_PASSWORD_STORE_DIR: `${home}/no-store`,
      });
      assertStringIncludes(checkOf(empty, "keystore", "pass").message, "pass is not initialised");
      assertEquals(checkOf(empty, "keystore", "pass").status, "fail");
    } finally {
      await cleanup();
      await store.cleanup();
    }
  },
);
