/**
 * The kwallet backend against a real kwalletd5 on a private session bus (tests/keystore_env.ts),
 * cross-checked with an independent D-Bus client (python3-dbus), plus its failure modes. Our D-Bus
 * client takes the bus address explicitly, so every test can have its own daemon.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "./assert.ts";
import { runKeystoreConformance } from "./keystore_conformance.ts";
import { type KWalletEnv, startKWallet, startSessionBus } from "./keystore_env.ts";
import { masterCredentialsItem } from "../keystore/credential_items.ts";
import { encodeItemJson } from "../keystore/item_json.ts";
import { ItemNotFoundError, KeystoreUnavailableError } from "../keystore/keystore.ts";
import { type KWalletOptions, openKWalletKeystore } from "../keystore/kwallet.ts";
import { kwalletAvailable } from "../keystore/session_bus.ts";
import { linuxTest } from "./platform.ts";
import { runCommand } from "./run_cli.ts";

function open(kw: { env: Record<string, string> }, options: KWalletOptions = {}) {
  return openKWalletKeystore({ ...options, env: (n) => kw.env[n] });
}

/** Runs a python3-dbus snippet against the wallet; `k` is the KWallet interface, `h` a handle. */
async function python(kw: KWalletEnv, body: string): Promise<string> {
  const script = `
import dbus, sys
bus = dbus.bus.BusConnection(${JSON.stringify(kw.address)})
k = dbus.Interface(bus.get_object("org.kde.kwalletd5", "/modules/kwalletd5"), "org.kde.KWallet")
h = k.open("aws-vault", dbus.Int64(0), "aws-vault")
${body}
`;
  const out = await runCommand("/usr/bin/python3", ["-c", script], { env: kw.env });
  assertEquals(out.code, 0, out.stderr);
  return out.stdout;
}

runKeystoreConformance("kwallet", async () => {
  const kw = await startKWallet();
  try {
    const keystore = await open(kw);
    return {
      keystore,
      cleanup: async () => {
        await keystore.close();
        await kw.cleanup();
      },
      cliEnv: { AWS_VAULT_BACKEND: "kwallet", DBUS_SESSION_BUS_ADDRESS: kw.address },
    };
  } catch (e) {
    await kw.cleanup();
    throw e;
  }
}, { needs: "kwalletd5 on D-Bus" });

linuxTest(
  "kwalletd5 on D-Bus",
  "kwallet: entries live in wallet aws-vault, folder aws-vault, as aws-vault's Item JSON",
  async () => {
    const kw = await startKWallet();
    const ks = await open(kw);
    try {
      const master = masterCredentialsItem("work", {
        accessKeyId: "AKIAEXAMPLEWORK00001",
        secretAccessKey: "s3cr3t/work<&>",
        sessionToken: "",
      });
      await ks.set(master);
      await ks.set({ ...master, key: "other", label: "aws-vault (other)" });
      assertEquals((await ks.keys()).sort(), ["other", "work"]);
      const seen = await python(
        kw,
        `print(list(k.folderList(h, "aws-vault")))
print(sorted(k.entryList(h, "aws-vault", "aws-vault")))
print(k.entryType(h, "aws-vault", "work", "aws-vault"))
sys.stdout.write(bytes(k.readEntry(h, "aws-vault", "work", "aws-vault")).decode())`,
      );
      const [folders, entries, type, ...value] = seen.split("\n");
      assert(folders.includes("'aws-vault'"), folders);
      assertEquals(entries, "[dbus.String('other'), dbus.String('work')]");
      // EntryType Stream (Unknown 0, Password 1, Stream 2, Map 3): binary, as keyring's writeEntry.
      assertEquals(type, "2");
      assertEquals(value.join("\n"), encodeItemJson(master));
    } finally {
      await ks.close();
      await kw.cleanup();
    }
  },
);

linuxTest(
  "kwalletd5 on D-Bus",
  "kwallet: reads an entry another client wrote the way keyring does",
  async () => {
    const kw = await startKWallet();
    const ks = await open(kw);
    try {
      const stored = masterCredentialsItem("legacy", {
        accessKeyId: "AKIALEGACY",
        secretAccessKey: "x",
        sessionToken: "",
      });
      await python(
        kw,
        `rc = k.writeEntry(h, "aws-vault", "legacy", dbus.ByteArray(${
          JSON.stringify(encodeItemJson(stored))
        }.encode()), "aws-vault", signature="issays")
assert rc == 0, rc`,
      );
      assertEquals(await ks.keys(), ["legacy"]);
      assertEquals(await ks.get("legacy"), stored);
      await ks.remove("legacy");
      assertEquals(await ks.keys(), []);
      await assertRejects(() => ks.remove("legacy"), ItemNotFoundError);
    } finally {
      await ks.close();
      await kw.cleanup();
    }
  },
);

linuxTest(
  "kwalletd5 on D-Bus",
  "kwallet: availability follows a reachable session bus and DISABLE_KWALLET",
  async () => {
    const bus = await startSessionBus();
    try {
      const env = (extra: Record<string, string>) => (n: string) =>
        ({ DBUS_SESSION_BUS_ADDRESS: bus.address, ...extra } as Record<string, string>)[n];
      assertEquals(await kwalletAvailable(env({})), true);
      assertEquals(await kwalletAvailable(env({ DISABLE_KWALLET: "1" })), false);
      assertEquals(await kwalletAvailable(env({ DISABLE_KWALLET: "0" })), true);
    } finally {
      await bus.cleanup();
    }
    // The daemon is gone: its address no longer counts, as keyring's dbus.SessionBus() check.
    const gone = (n: string) => n === "DBUS_SESSION_BUS_ADDRESS" ? bus.address : undefined;
    assertEquals(await kwalletAvailable(gone), false);
    assertEquals(await kwalletAvailable(() => undefined), false);
  },
);

linuxTest(
  "kwalletd5 on D-Bus",
  "kwallet: no bus, no daemon and a hung daemon are fast one-line errors",
  async () => {
    let t0 = performance.now();
    let err = await assertRejects(
      () => openKWalletKeystore({ env: () => undefined }),
      KeystoreUnavailableError,
    );
    assertEquals(
      err.message,
      "kwallet: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)",
    );

    const bus = await startSessionBus();
    try {
      t0 = performance.now();
      err = await assertRejects(() => open(bus), KeystoreUnavailableError);
      const ms = performance.now() - t0;
      assertMatch(
        err.message,
        /^kwallet: org\.freedesktop\.DBus\.Error\.ServiceUnknown: .*org\.kde\.kwalletd5/,
      );
      assert(ms < 1000, `took ${ms} ms`);
      console.log(`no daemon: ${ms.toFixed(0)} ms: ${err.message}`);
    } finally {
      await bus.cleanup();
    }

    const dead = { env: { DBUS_SESSION_BUS_ADDRESS: `unix:path=${bus.dir}/gone` } };
    err = await assertRejects(() => open(dead), KeystoreUnavailableError);
    assertMatch(err.message, /^kwallet: cannot connect to the D-Bus session bus at .*gone: /);
    assert(!err.message.includes("\n"));

    const kw = await startKWallet();
    try {
      Deno.kill(kw.daemonPid, "SIGSTOP");
      t0 = performance.now();
      err = await assertRejects(() => open(kw, { openMs: 500 }), KeystoreUnavailableError);
      const ms = performance.now() - t0;
      assertEquals(
        err.message,
        "kwallet: D-Bus call org.kde.KWallet.open to org.kde.kwalletd5 timed out after 500 ms",
      );
      assert(ms >= 500 && ms < 1000, `took ${ms} ms`);
      console.log(`hung daemon (500 ms timeout): ${ms.toFixed(0)} ms`);
    } finally {
      Deno.kill(kw.daemonPid, "SIGCONT");
      await kw.cleanup();
    }
  },
);
