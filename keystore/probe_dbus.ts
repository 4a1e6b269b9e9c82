/**
 * Probes of the D-Bus backends (secret-service, kwallet) for `aws-vault doctor`, through our own
 * D-Bus client (keystore/dbus.ts): names on the bus and properties only, which never show a
 * dialog. An activatable daemon that is not running is reported, not started.
 */
import { DBusConnection, type DBusValue, Variant } from "./dbus.ts";
import { sessionBusAddress } from "./session_bus.ts";
import { KWALLET_SERVICE, KWALLET_WALLET, kwalletMethod } from "./kwallet.ts";
import { collectionNameOfPath } from "./secret_service.ts";
import { type ProbeResult, result } from "./probe_result.ts";

type Env = (name: string) => string | undefined;

const SECRETS_NAME = "org.freedesktop.secrets";
const SECRETS_PATH = "/org/freedesktop/secrets";
const PROPERTIES = "org.freedesktop.DBus.Properties";
const PROBE_TIMEOUT_MS = 3000;

/** Runs `work` with a session bus connection, or reports why there is none. */
async function withBus(
  env: Env,
  backend: string,
  work: (bus: DBusConnection) => Promise<ProbeResult>,
): Promise<ProbeResult> {
  const address = sessionBusAddress(env);
  if (address === undefined) {
    return result(
      "fail",
      "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)",
      `start a session bus (dbus-run-session) or choose another backend than ${backend}`,
    );
  }
  let bus: DBusConnection;
  try {
    bus = await DBusConnection.connect(address, {
      connectMs: PROBE_TIMEOUT_MS,
      callMs: PROBE_TIMEOUT_MS,
    });
  } catch (err) {
    return result(
      "fail",
      `the session bus at ${address} cannot be reached: ${(err as Error).message}`,
      "check DBUS_SESSION_BUS_ADDRESS (a stale value after a re-login is common)",
    );
  }
  try {
    return await work(bus);
  } catch (err) {
    return result("fail", `D-Bus: ${(err as Error).message}`, "check the keyring daemon");
  } finally {
    await bus.close();
  }
}

/** Whether `name` is on the bus now, could be started by the bus, or neither. */
async function nameState(
  bus: DBusConnection,
  name: string,
): Promise<"running" | "activatable" | "absent"> {
  const dbus = {
    destination: "org.freedesktop.DBus",
    path: "/org/freedesktop/DBus",
    interface: "org.freedesktop.DBus",
  };
  const [has] = await bus.call({ ...dbus, member: "NameHasOwner", signature: "s", body: [name] });
  if (has === true) return "running";
  const [names] = await bus.call({ ...dbus, member: "ListActivatableNames" });
  return (names as string[]).includes(name) ? "activatable" : "absent";
}

async function getProperty(
  bus: DBusConnection,
  destination: string,
  path: string,
  iface: string,
  prop: string,
): Promise<DBusValue> {
  const [v] = await bus.call({
    destination,
    path,
    interface: PROPERTIES,
    member: "Get",
    signature: "ss",
    body: [iface, prop],
  });
  return v instanceof Variant ? v.value : v;
}

export async function probeSecretService(collection: string, env: Env): Promise<ProbeResult> {
  return await withBus(env, "secret-service", async (bus) => {
    const state = await nameState(bus, SECRETS_NAME);
    if (state === "absent") {
      return result(
        "fail",
        "no Secret Service on the session bus (no gnome-keyring, KeePassXC...)",
        "start gnome-keyring-daemon --components=secrets, or use --backend=pass or file",
      );
    }
    if (state === "activatable") {
      return result(
        "warn",
        `${SECRETS_NAME} is not running; D-Bus starts it on first use (doctor does not), and a ` +
          "new keyring daemon may ask for the login password",
        "log in to a desktop session or start gnome-keyring-daemon --unlock",
      );
    }
    const paths = await getProperty(
      bus,
      SECRETS_NAME,
      SECRETS_PATH,
      "org.freedesktop.Secret.Service",
      "Collections",
    ) as string[];
    const path = paths.find((p) => collectionNameOfPath(p) === collection);
    if (path === undefined) {
      return result(
        "warn",
        `the Secret Service answers; collection '${collection}' does not exist yet: the first ` +
          "'aws-vault add' creates it and the keyring asks for its password",
        "run 'aws-vault add <profile>' from a desktop session",
        { keys: [] },
      );
    }
    const itemPaths = await getProperty(
      bus,
      SECRETS_NAME,
      path,
      "org.freedesktop.Secret.Collection",
      "Items",
    ) as string[];
    const keys: string[] = [];
    for (const item of itemPaths) {
      keys.push(
        await getProperty(
          bus,
          SECRETS_NAME,
          item,
          "org.freedesktop.Secret.Item",
          "Label",
        ) as string,
      );
    }
    const locked = await getProperty(
      bus,
      SECRETS_NAME,
      path,
      "org.freedesktop.Secret.Collection",
      "Locked",
    );
    if (locked === true) {
      return result(
        "warn",
        `collection '${collection}' is locked: aws-vault would show an unlock prompt, which fails ` +
          "without a desktop (SSH, WSL, CI)",
        "unlock it (log in to the desktop, or gnome-keyring-daemon --unlock) or use another backend",
        { keys },
      );
    }
    return result("ok", `the Secret Service answers; collection '${collection}' is unlocked`, "", {
      keys,
      readable: true,
    });
  });
}

export async function probeKWallet(env: Env): Promise<ProbeResult> {
  return await withBus(env, "kwallet", async (bus) => {
    const state = await nameState(bus, KWALLET_SERVICE);
    if (state === "absent") {
      return result(
        "fail",
        `no ${KWALLET_SERVICE} on the session bus`,
        "install kwalletd5 or use another backend (DISABLE_KWALLET=1 hides this one)",
      );
    }
    if (state === "activatable") {
      return result(
        "warn",
        `${KWALLET_SERVICE} is not running; D-Bus starts it on first use (doctor does not)`,
        "log in to a KDE session",
      );
    }
    const [wallets] = await bus.call(kwalletMethod("wallets"));
    if (!(wallets as string[]).includes(KWALLET_WALLET)) {
      return result(
        "warn",
        `kwalletd answers; wallet '${KWALLET_WALLET}' does not exist yet: the first use asks to create it`,
        "run 'aws-vault add <profile>' from a desktop session",
      );
    }
    const [open] = await bus.call(kwalletMethod("isOpen", "s", [KWALLET_WALLET]));
    if (open !== true) {
      return result(
        "warn",
        `wallet '${KWALLET_WALLET}' is closed: aws-vault's first use asks kwalletd to open it (a password prompt unless it opens at login)`,
        "open the wallet (KWalletManager) or let PAM open it at login",
      );
    }
    return result("ok", `kwalletd answers; wallet '${KWALLET_WALLET}' is open`);
  });
}
