/**
 * `aws-vault doctor` on the secret-service backend, against a real gnome-keyring-daemon on a
 * private session bus (tests/keystore_env.ts): a missing collection, an unlocked one whose items
 * are read, a locked one reported without any unlock prompt (it stays locked), and a bus without
 * a Secret Service. The "login" collection, which the daemon creates unlocked at start, stands in
 * for an existing collection, so no password dialog is needed to set up. Only subprocesses use
 * libsecret here: its bus connection is process-wide and secret_service_test.ts owns this one's.
 */
import { assertEquals, assertStringIncludes } from "./assert.ts";
import { callOnce, startSecretService, startSessionBus } from "./keystore_env.ts";
import { runCli, tempHome } from "./run_cli.ts";
import { checkOf, doctor, writeConfig } from "./doctor_fixtures.ts";
import { type DBusValue, Variant } from "../keystore/dbus.ts";
import { linuxTest } from "./platform.ts";

const LOGIN = "/org/freedesktop/secrets/collection/login";

function secretsCall(
  address: string,
  member: string,
  iface: string,
  signature: string,
  body: DBusValue[],
) {
  return callOnce(address, {
    destination: "org.freedesktop.secrets",
    path: member === "Get" ? LOGIN : "/org/freedesktop/secrets",
    interface: iface,
    member,
    signature,
    body,
  });
}

async function loginLocked(address: string): Promise<boolean> {
  const [v] = await secretsCall(address, "Get", "org.freedesktop.DBus.Properties", "ss", [
    "org.freedesktop.Secret.Collection",
    "Locked",
  ]);
  return (v as Variant).value === true;
}

linuxTest(
  "gnome-keyring on D-Bus",
  "doctor secret-service: missing, unlocked and locked collections; never unlocks",
  async () => {
    const ss = await startSecretService();
    const { home, cleanup } = await tempHome();
    try {
      await writeConfig(home, "[default]\nregion = us-east-1\n[profile work]\n");
      const env = { AWS_VAULT_BACKEND: "secret-service", DBUS_SESSION_BUS_ADDRESS: ss.address };

      const missing = await doctor(home, [], env);
      const probe = checkOf(missing, "keystore", "secret-service");
      assertEquals(probe.status, "warn");
      assertStringIncludes(probe.message, "collection 'awsvault' does not exist yet");

      // Store keys in the login collection (unlocked: no prompt) with `add`, in its own process:
      // libsecret's bus connection is process-wide, and test modules share a process.
      const login = { ...env, AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME: "login" };
      const add = await runCli(["add", "--env", "work"], {
        home,
        env: { ...login, AWS_ACCESS_KEY_ID: "AKIAEXAMPLE0000WORK", AWS_SECRET_ACCESS_KEY: "s" },
      });
      assertEquals(add.code, 0, add.stderr);
      const unlocked = await doctor(home, [], login);
      assertEquals(checkOf(unlocked, "keystore", "secret-service").status, "ok");
      assertEquals(checkOf(unlocked, "keystore", "readable").message, "all 1 item(s) can be read");
      assertEquals(checkOf(unlocked, "profile", "credentials", "work").status, "ok");

      await secretsCall(ss.address, "Lock", "org.freedesktop.Secret.Service", "ao", [[LOGIN]]);
      assertEquals(await loginLocked(ss.address), true);
      const locked = await doctor(home, [], login);
      const lockedProbe = checkOf(locked, "keystore", "secret-service");
      assertEquals(lockedProbe.status, "warn");
      assertStringIncludes(lockedProbe.message, "is locked: aws-vault would show an unlock prompt");
      // Labels are readable while locked, so the profiles are still checked; secrets are not read.
      assertEquals(checkOf(locked, "profile", "credentials", "work").status, "ok");
      assertEquals(
        locked.groups.find((g) => g.kind === "keystore")!.checks.some((c) =>
          c.check === "readable"
        ),
        false,
      );
      assertEquals(await loginLocked(ss.address), true);
    } finally {
      await cleanup();
      await ss.cleanup();
    }
  },
);

linuxTest(
  "gnome-keyring on D-Bus",
  "doctor secret-service: a session bus without a Secret Service fails",
  async () => {
    const bus = await startSessionBus();
    const { home, cleanup } = await tempHome();
    try {
      const run = await doctor(home, [], {
        AWS_VAULT_BACKEND: "secret-service",
        DBUS_SESSION_BUS_ADDRESS: bus.address,
      });
      assertEquals(run.code, 1);
      const probe = checkOf(run, "keystore", "secret-service");
      assertEquals(probe.status, "fail");
      assertStringIncludes(probe.message, "no Secret Service on the session bus");
      // kwallet is offered on the same bus; not in use, so only information.
      assertStringIncludes(
        checkOf(run, "keystore", "kwallet").message,
        "not in use; no org.kde.kwalletd5",
      );
    } finally {
      await cleanup();
      await bus.cleanup();
    }
  },
);
