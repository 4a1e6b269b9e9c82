/**
 * The "kwallet" backend (KDE), byte-compatible with aws-vault v7 (99designs/keyring kwallet.go):
 * kwalletd5's native `org.kde.KWallet` API at org.kde.kwalletd5 /modules/kwalletd5, over our own
 * D-Bus client (keystore/dbus.ts).
 *
 * - wallet: "aws-vault". keyring opens the wallet named by its ServiceName, which aws-vault sets
 *   to "aws-vault"; keyring's "kdewallet" default applies only to an empty ServiceName.
 * - folder "aws-vault", app id "aws-vault" (aws-vault's KWalletFolder and KWalletAppID);
 * - entry key = item key, value = the Item JSON as a binary ("stream") entry via writeEntry;
 *   readEntry returning no bytes means "not found", as in keyring.
 */
import {
  DBusConnection,
  DBusConnectionError,
  DBusError,
  type DBusValue,
  type MethodCall,
} from "./dbus.ts";
import { debug } from "../lib/log.ts";
import { sessionBusAddress } from "./session_bus.ts";
import { decodeItemJson, encodeItemJson } from "./item_json.ts";
import {
  type Item,
  ItemNotFoundError,
  type Keystore,
  KeystoreUnavailableError,
} from "./keystore.ts";

export const KWALLET_SERVICE = "org.kde.kwalletd5";
export const KWALLET_PATH = "/modules/kwalletd5";
export const KWALLET_INTERFACE = "org.kde.KWallet";
/** aws-vault's keyring.Config: ServiceName (= the wallet), KWalletFolder, KWalletAppID. */
export const KWALLET_WALLET = "aws-vault";
export const KWALLET_FOLDER = "aws-vault";
export const KWALLET_APP_ID = "aws-vault";

/** A call of kwalletd5's `org.kde.KWallet` method `member` (the backend's and doctor's probe's). */
export function kwalletMethod(member: string, signature = "", body: DBusValue[] = []): MethodCall {
  return {
    destination: KWALLET_SERVICE,
    path: KWALLET_PATH,
    interface: KWALLET_INTERFACE,
    member,
    signature,
    body,
  };
}

/** Timeouts in milliseconds, and where to read DBUS_SESSION_BUS_ADDRESS (tests pass their own). */
export interface KWalletOptions {
  env?: (name: string) => string | undefined;
  /** connecting to the bus */
  connectMs?: number;
  /** a call that needs no human */
  callMs?: number;
  /** open(): kwalletd may ask the user to create or unlock the wallet */
  openMs?: number;
}

/** A KWallet keystore; `close()` releases its bus connection (the CLI simply exits). */
export interface KWalletKeystore extends Keystore {
  close(): Promise<void>;
}

/** Connects to the session bus and opens the wallet (as keyring's opener does). */
export async function openKWalletKeystore(options: KWalletOptions = {}): Promise<KWalletKeystore> {
  const address = sessionBusAddress(options.env);
  if (address === undefined) {
    throw new KeystoreUnavailableError(
      "kwallet: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)",
    );
  }
  let bus: DBusConnection;
  try {
    bus = await DBusConnection.connect(address, {
      connectMs: options.connectMs ?? 3000,
      callMs: options.callMs ?? 10_000,
    });
  } catch (e) {
    throw new KeystoreUnavailableError(`kwallet: ${errorText(e)}`);
  }
  const store = new KWalletStore(bus, options.openMs ?? 120_000);
  try {
    await store.openWallet();
  } catch (e) {
    await bus.close();
    throw e;
  }
  return store;
}

class KWalletStore implements KWalletKeystore {
  readonly backend = "kwallet";
  private handle = -1;

  constructor(private bus: DBusConnection, private openMs: number) {}

  async get(key: string): Promise<Item> {
    await this.openWallet();
    const [data] = await this.call("readEntry", "isss", [
      this.handle,
      KWALLET_FOLDER,
      key,
      KWALLET_APP_ID,
    ]);
    if (!(data instanceof Uint8Array) || data.length === 0) throw new ItemNotFoundError(key);
    try {
      return decodeItemJson(new TextDecoder().decode(data));
    } catch {
      // Never quote the stored text: it holds credentials.
      throw new Error(`kwallet: the entry ${JSON.stringify(key)} is not valid item JSON`);
    }
  }

  async set(item: Item): Promise<void> {
    await this.openWallet();
    const json = new TextEncoder().encode(encodeItemJson(item));
    try {
      const [rc] = await this.call("writeEntry", "issays", [
        this.handle,
        KWALLET_FOLDER,
        item.key,
        json,
        KWALLET_APP_ID,
      ]);
      if (rc !== 0) throw new KeystoreUnavailableError(`kwallet: writeEntry failed (${rc})`);
    } finally {
      json.fill(0);
    }
  }

  async remove(key: string): Promise<void> {
    await this.openWallet();
    const args = [this.handle, KWALLET_FOLDER, key, KWALLET_APP_ID];
    const [exists] = await this.call("hasEntry", "isss", args);
    if (exists !== true) throw new ItemNotFoundError(key);
    const [rc] = await this.call("removeEntry", "isss", args);
    if (rc !== 0) throw new KeystoreUnavailableError(`kwallet: removeEntry failed (${rc})`);
  }

  async keys(): Promise<string[]> {
    await this.openWallet();
    const [entries] = await this.call("entryList", "iss", [
      this.handle,
      KWALLET_FOLDER,
      KWALLET_APP_ID,
    ]);
    return entries as string[];
  }

  close(): Promise<void> {
    return this.bus.close();
  }

  /** Opens the wallet unless our handle is still open (kwalletd closes idle wallets). */
  async openWallet(): Promise<void> {
    if (this.handle !== -1) {
      const [open] = await this.call("isOpen", "i", [this.handle]);
      if (open === true) return;
    }
    const [handle] = await this.call(
      "open",
      "sxs",
      [KWALLET_WALLET, 0n, KWALLET_APP_ID],
      this.openMs,
    );
    if (typeof handle !== "number" || handle < 0) {
      throw new KeystoreUnavailableError(
        `kwallet: cannot open the wallet ${JSON.stringify(KWALLET_WALLET)} (refused or cancelled)`,
      );
    }
    this.handle = handle;
    debug(`kwallet: opened wallet ${JSON.stringify(KWALLET_WALLET)} (folder ${KWALLET_FOLDER})`);
  }

  private async call(
    member: string,
    signature: string,
    body: DBusValue[],
    timeoutMs?: number,
  ): Promise<DBusValue[]> {
    try {
      return await this.bus.call(kwalletMethod(member, signature, body), timeoutMs);
    } catch (e) {
      if (e instanceof DBusError || e instanceof DBusConnectionError) {
        throw new KeystoreUnavailableError(`kwallet: ${e.message}`);
      }
      throw e;
    }
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
