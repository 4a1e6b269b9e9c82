/**
 * `aws-vault doctor` on the kwallet backend against a real kwalletd5 on a private bus
 * (tests/keystore_env.ts): an open wallet, a closed one (reported, and left closed: opening may
 * prompt), and a daemon without aws-vault's wallet.
 */
import { assertEquals, assertStringIncludes } from "./assert.ts";
import { callOnce, startKWallet } from "./keystore_env.ts";
import { tempHome } from "./run_cli.ts";
import { checkOf, doctor } from "./doctor_fixtures.ts";
import { kwalletMethod } from "../keystore/kwallet.ts";
import { linuxTest } from "./platform.ts";

linuxTest(
  "kwalletd5 on D-Bus",
  "doctor kwallet: open, closed (left closed) and missing wallets",
  async () => {
    const kw = await startKWallet("aws-vault");
    const { home, cleanup } = await tempHome();
    try {
      const env = { AWS_VAULT_BACKEND: "kwallet", DBUS_SESSION_BUS_ADDRESS: kw.address };
      const open = await doctor(home, [], env);
      assertEquals(checkOf(open, "keystore", "kwallet").status, "ok");
      assertStringIncludes(
        checkOf(open, "keystore", "kwallet").message,
        "wallet 'aws-vault' is open",
      );

      await callOnce(kw.address, kwalletMethod("close", "sb", ["aws-vault", true]));
      const closed = await doctor(home, [], env);
      const probe = checkOf(closed, "keystore", "kwallet");
      assertEquals(probe.status, "warn");
      assertStringIncludes(probe.message, "is closed");
      assertEquals(
        (await callOnce(kw.address, kwalletMethod("isOpen", "s", ["aws-vault"])))[0],
        false,
      );
    } finally {
      await cleanup();
      await kw.cleanup();
    }

    const other = await startKWallet("kdewallet");
    const second = await tempHome();
    try {
      const run = await doctor(second.home, [], {
        AWS_VAULT_BACKEND: "kwallet",
        DBUS_SESSION_BUS_ADDRESS: other.address,
      });
      assertStringIncludes(checkOf(run, "keystore", "kwallet").message, "does not exist yet");
    } finally {
      await second.cleanup();
      await other.cleanup();
    }
  },
);
