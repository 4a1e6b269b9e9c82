/**
 * Health probes of each backend for `aws-vault doctor`. A probe looks, it never acts: no item is
 * written, no collection or wallet created or unlocked, no daemon started, no passphrase asked.
 * Where a real command would prompt, the probe says so. D-Bus backends are asked through our
 * own client (keystore/dbus.ts) for names and properties only, which never shows a dialog.
 */
import { findExecutable } from "../lib/which.ts";
import { DBusConnection, type DBusValue, Variant } from "./dbus.ts";
import { sessionBusAddress } from "./session_bus.ts";
import { PASSPHRASE_ENV } from "./file.ts";
import { passEntryName, resolvePassDir } from "./pass.ts";
import { KWALLET_PATH, KWALLET_SERVICE, KWALLET_WALLET } from "./kwallet.ts";
import { collectionNameOfPath } from "./secret_service.ts";
import { DEFAULT_KEYCTL_SCOPE, KEYCTL_KEYRING_NAME, KEYCTL_SCOPES } from "./keyctl.ts";
import { cString, ENOKEY, LIBKEYUTILS_SONAME, loadKeyutils } from "../ffi/libkeyutils.ts";
import type { KeystoreOptions } from "./keystore.ts";

type Env = (name: string) => string | undefined;

export interface ProbeResult {
  status: "ok" | "warn" | "fail";
  message: string;
  fix: string;
  /** Item keys, when the probe listed them itself. */
  keys?: string[];
  /** Whether the opened keystore's keys() lists items without a prompt or a change. */
  listable: boolean;
  /** Whether items can be read without any prompt (the doctor then tries each one). */
  readable: boolean;
}

const SECRETS_NAME = "org.freedesktop.secrets";
const SECRETS_PATH = "/org/freedesktop/secrets";
const PROPERTIES = "org.freedesktop.DBus.Properties";
const PROBE_TIMEOUT_MS = 3000;

/** Probes the named backend; `env` defaults to the process environment. */
export async function probeBackend(
  name: string,
  options: KeystoreOptions,
  env: Env = (n) => Deno.env.get(n),
): Promise<ProbeResult> {
  switch (name) {
    case "secret-service":
      return await probeSecretService(options.secretServiceCollection || "awsvault", env);
    case "kwallet":
      return await probeKWallet(env);
    case "pass":
      return await probePass(options, env);
    case "file":
      return probeFile(options, env);
    case "keychain":
      return probeKeychain(options, env);
    case "keyctl":
      return probeKeyctl(options);
    case "wincred":
      return result("ok", "Windows Credential Manager", "", { listable: true });
  }
  return result("fail", `unknown backend '${name}'`);
}

function result(
  status: ProbeResult["status"],
  message: string,
  fix = "",
  extra: Partial<ProbeResult> = {},
): ProbeResult {
  return { status, message, fix, listable: false, readable: false, ...extra };
}

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

async function probeSecretService(collection: string, env: Env): Promise<ProbeResult> {
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

async function probeKWallet(env: Env): Promise<ProbeResult> {
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
    const kwallet = {
      destination: KWALLET_SERVICE,
      path: KWALLET_PATH,
      interface: "org.kde.KWallet",
    };
    const [wallets] = await bus.call({ ...kwallet, member: "wallets" });
    if (!(wallets as string[]).includes(KWALLET_WALLET)) {
      return result(
        "warn",
        `kwalletd answers; wallet '${KWALLET_WALLET}' does not exist yet: the first use asks to create it`,
        "run 'aws-vault add <profile>' from a desktop session",
      );
    }
    const [open] = await bus.call({
      ...kwallet,
      member: "isOpen",
      signature: "s",
      body: [KWALLET_WALLET],
    });
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

async function probePass(options: KeystoreOptions, env: Env): Promise<ProbeResult> {
  const passCmd = options.passCmd || "pass";
  if (findExecutable(passCmd, env) === undefined) {
    return result(
      "fail",
      `the pass program '${passCmd}' is not found`,
      "install pass (apt-get install pass) or set --pass-cmd",
    );
  }
  const dir = resolvePassDir(options.passDir, env);
  const gpgId = findGpgId(dir, options.passPrefix);
  if (gpgId === undefined) {
    return result(
      "fail",
      `no .gpg-id in the password store ${dir}: pass is not initialised`,
      "run 'pass init <gpg key id>'",
    );
  }
  const ids = Deno.readTextFileSync(gpgId).split("\n").map((l) => l.trim()).filter((l) =>
    l !== "" && !l.startsWith("#")
  );
  const gpg = findExecutable("gpg2", env) ?? findExecutable("gpg", env);
  if (gpg === undefined) return result("fail", "gpg is not installed", "install gnupg");
  const missing: string[] = [];
  for (const id of ids) {
    const out = await new Deno.Command(gpg, {
      args: ["--batch", "--with-colons", "--list-secret-keys", id],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    if (!out.success) missing.push(id);
  }
  if (missing.length > 0) {
    return result(
      "fail",
      `no gpg secret key for ${missing.join(", ")} (from ${gpgId}): items cannot be decrypted`,
      "import the secret key (gpg --import) or re-init pass with a key you have",
    );
  }
  return result("ok", `store ${dir}, gpg secret key present for ${ids.join(", ")}`, "", {
    listable: true,
    readable: true,
  });
}

/** pass uses the nearest .gpg-id from the entry's directory up to the store root. */
function findGpgId(dir: string, prefix: string): string | undefined {
  const parts = prefix.split("/").filter((p) => p !== "");
  for (let i = parts.length; i >= 0; i--) {
    const candidate = [dir, ...parts.slice(0, i), ".gpg-id"].join("/");
    try {
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch {
      // not at this level
    }
  }
  return undefined;
}

function probeFile(options: KeystoreOptions, env: Env): ProbeResult {
  const home = env("HOME") ?? env("USERPROFILE") ?? "";
  const dir = options.fileDir.startsWith("~/") ? home + options.fileDir.slice(1) : options.fileDir;
  let exists = false;
  try {
    if (!Deno.statSync(dir).isDirectory) {
      return result("fail", `${dir} is a file, not a directory`, `move it away or set --file-dir`);
    }
    exists = true;
  } catch {
    // Missing: the first write creates it; doctor does not.
  }
  // keys() and get() create a missing directory, so they are used only when it exists.
  const listing = exists ? { listable: true } : { keys: [] };
  const where = exists ? `directory ${dir}` : `directory ${dir} (not created yet)`;
  if (env(PASSPHRASE_ENV) !== undefined) {
    return result("ok", `${where}, passphrase from ${PASSPHRASE_ENV}`, "", {
      ...listing,
      readable: exists,
    });
  }
  const terminal = hasTerminal();
  return result(
    terminal ? "warn" : "fail",
    terminal
      ? `${where}; ${PASSPHRASE_ENV} is not set, so the passphrase is asked on the terminal`
      : `${where}; ${PASSPHRASE_ENV} is not set and there is no terminal to ask for the passphrase`,
    `export ${PASSPHRASE_ENV} for scripts and credential_process`,
    listing,
  );
}

function hasTerminal(): boolean {
  if (Deno.build.os === "windows") return Deno.stdin.isTerminal();
  try {
    Deno.openSync("/dev/tty", { read: true }).close();
    return true;
  } catch {
    return false;
  }
}

function probeKeychain(options: KeystoreOptions, env: Env): ProbeResult {
  const name = options.keychainName || "aws-vault";
  const path = `${env("HOME") ?? ""}/Library/Keychains/${name}.keychain-db`;
  try {
    Deno.statSync(path);
    return result("ok", `keychain ${path} exists (items are not listed: that may prompt)`);
  } catch {
    return result(
      "warn",
      `keychain '${name}' does not exist yet: the first 'aws-vault add' creates it and asks for its password`,
      "run 'aws-vault add <profile>'",
    );
  }
}

/**
 * Whether pass's entry for `key` decrypts without asking anything: gpg in batch mode with
 * pinentry disabled, so a key that needs its passphrase fails instead of prompting. The
 * plaintext goes nowhere.
 */
export async function passItemDecrypts(
  options: KeystoreOptions,
  key: string,
  env: Env = (n) => Deno.env.get(n),
): Promise<boolean> {
  const gpg = findExecutable("gpg2", env) ?? findExecutable("gpg", env);
  if (gpg === undefined) return false;
  const file = `${resolvePassDir(options.passDir, env)}/${
    passEntryName(options.passPrefix, key)
  }.gpg`;
  const out = await new Deno.Command(gpg, {
    args: ["--batch", "--quiet", "--pinentry-mode", "error", "--decrypt", file],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).output();
  return out.success;
}

/**
 * keyctl: the library loads and the `aws-vault` keyring is searched for in the scope's keyring
 * (a search, not the opener, which would create it).
 */
function probeKeyctl(options: KeystoreOptions): ProbeResult {
  const scope = options.keyctlScope || DEFAULT_KEYCTL_SCOPE;
  const parent = KEYCTL_SCOPES[scope];
  if (parent === undefined) {
    return result(
      "fail",
      `unknown scope '${scope}'`,
      `use one of ${Object.keys(KEYCTL_SCOPES).join(", ")}`,
    );
  }
  let lib;
  try {
    lib = loadKeyutils();
  } catch {
    return result(
      "fail",
      `cannot load ${LIBKEYUTILS_SONAME}`,
      "install libkeyutils1 (Debian/Ubuntu) or keyutils-libs",
    );
  }
  const found = Number(
    lib.keyutils.keyctl_search(parent, cString("keyring"), cString(KEYCTL_KEYRING_NAME), 0),
  );
  const volatile = "keys live in kernel memory: a reboot (or the end of the scope) empties them";
  if (found >= 0) {
    return result(
      "warn",
      `keyring '${KEYCTL_KEYRING_NAME}' found in the ${scope} keyring; ${volatile}`,
      "keep a copy of long-term keys elsewhere, or use a persistent backend",
      { listable: true, readable: true },
    );
  }
  if (lib.errno() !== ENOKEY) {
    return result(
      "fail",
      `cannot search the ${scope} keyring (errno ${lib.errno()})`,
      "check --keyctl-scope and the session's keyrings (keyctl show)",
    );
  }
  return result(
    "warn",
    `no keyring '${KEYCTL_KEYRING_NAME}' in the ${scope} keyring yet (the first 'aws-vault add' creates it); ${volatile}`,
    "use a persistent backend unless you reload keys after each boot",
    { keys: [] },
  );
}
