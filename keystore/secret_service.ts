/**
 * The "secret-service" backend (Linux desktops: gnome-keyring, KeePassXC...), byte-compatible with
 * aws-vault v7 (99designs/keyring's libsecret backend):
 * - collection: the one whose D-Bus path is /org/freedesktop/secrets/collection/<name> (gnome-keyring
 *   escapes other characters than [A-Za-z0-9] as `_xx`; we decode before comparing, case-sensitive),
 *   created with label <name> and no alias when missing;
 * - item: label = key, exactly one attribute `profile=<key>` and no `xdg:schema`, secret = the Item
 *   JSON with content type application/json, replaced on set.
 *
 * It drives libsecret through Deno FFI (ffi/libsecret.ts), loaded only when the backend opens.
 * Every daemon call runs off the JS thread with a GCancellable that a timer cancels, so a hung
 * daemon gives a one-line error instead of hanging the CLI. Calls that may show an unlock or
 * "new keyring password" dialog get a longer timeout, as a human has to answer them.
 */
import {
  G_IO_ERROR_CANCELLED,
  type GErrorInfo,
  glistItems,
  type Libsecret,
  LIBSECRET_SONAME,
  loadLibsecret,
  newErrorSlot,
  type Ptr,
  readBytes,
  readCString,
  SECRET_ITEM_CREATE_REPLACE,
  SECRET_SEARCH_ALL,
  SECRET_SERVICE_LOAD_COLLECTIONS,
  SECRET_SERVICE_OPEN_SESSION,
  stringHashTable,
  takeError,
} from "../ffi/libsecret.ts";
import { cString } from "../ffi/c_string.ts";
import { debug } from "../lib/log.ts";
import { sessionBusAddress } from "./session_bus.ts";
import { decodeItemJson, encodeItemJson } from "./item_json.ts";
import {
  type Item,
  ItemNotFoundError,
  type Keystore,
  type KeystoreOptions,
  KeystoreUnavailableError,
} from "./keystore.ts";

/** Where the Secret Service puts collections; aws-vault matches `<prefix><name>`. */
export const COLLECTION_PATH_PREFIX = "/org/freedesktop/secrets/collection/";
/** The collection aws-vault uses unless --secret-service-collection says otherwise. */
export const DEFAULT_COLLECTION = "awsvault";

/** Timeouts in milliseconds. */
export interface SecretServiceTimeouts {
  /** A call that needs no human: connect, search, read, write, delete. */
  callMs?: number;
  /** A call that may show a dialog: unlock, creating the collection (asks for its password). */
  promptMs?: number;
}

const DEFAULT_CALL_MS = 10_000;
const DEFAULT_PROMPT_MS = 120_000;

/** Decodes gnome-keyring's object path escaping (`_2d` -> `-`) of one path element. */
export function decodePathElement(element: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < element.length; i++) {
    const hex = element.slice(i + 1, i + 3);
    if (element[i] === "_" && /^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...new TextEncoder().encode(element[i]));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** The collection name a collection path stands for, or undefined for other paths. */
export function collectionNameOfPath(path: string): string | undefined {
  if (!path.startsWith(COLLECTION_PATH_PREFIX)) return undefined;
  const element = path.slice(COLLECTION_PATH_PREFIX.length);
  if (element === "" || element.includes("/")) return undefined;
  return decodePathElement(element);
}

/** Opens the Secret Service and finds (but does not yet create) the collection. */
export async function openSecretServiceKeystore(
  options: Pick<KeystoreOptions, "secretServiceCollection">,
  timeouts: SecretServiceTimeouts = {},
): Promise<Keystore> {
  const name = options.secretServiceCollection || DEFAULT_COLLECTION;
  // libsecret (GLib) reads DBUS_SESSION_BUS_ADDRESS itself, from the process environment.
  if (sessionBusAddress() === undefined) {
    throw new KeystoreUnavailableError(
      "secret-service: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)",
    );
  }
  let lib: Libsecret;
  try {
    lib = loadLibsecret();
  } catch (e) {
    throw new KeystoreUnavailableError(
      `secret-service: cannot load ${LIBSECRET_SONAME}: ${oneLine(errorText(e))}`,
    );
  }
  const store = new SecretServiceKeystore(lib, name, {
    callMs: timeouts.callMs ?? DEFAULT_CALL_MS,
    promptMs: timeouts.promptMs ?? DEFAULT_PROMPT_MS,
  });
  await store.connect();
  return store;
}

class SecretServiceKeystore implements Keystore {
  readonly backend = "secret-service";
  private service: Ptr = null;
  private collection: Ptr = null;
  /** libsecret objects are used from Deno's worker threads one call at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private lib: Libsecret,
    private collectionName: string,
    private timeouts: Required<SecretServiceTimeouts>,
  ) {}

  async connect(): Promise<void> {
    const { secret } = this.lib;
    // A private SecretService (not the process-wide one), so each open sees current collections.
    this.service = await this.guarded(
      "cannot connect to the Secret Service",
      this.timeouts.callMs,
      (c, e) =>
        secret.secret_service_open_sync(
          secret.secret_service_get_type(),
          null,
          SECRET_SERVICE_OPEN_SESSION | SECRET_SERVICE_LOAD_COLLECTIONS,
          c,
          e,
        ),
    );
    if (this.service === null) throw this.unavailable("cannot connect to the Secret Service");
    // GLib's shared session-bus connection raises SIGTERM in the whole process when the bus goes
    // away; a keystore must fail its calls instead.
    const { gio } = this.lib;
    gio.g_dbus_connection_set_exit_on_close(gio.g_dbus_proxy_get_connection(this.service), 0);
    this.collection = this.findCollection();
    debug(
      `secret-service: collection ${JSON.stringify(this.collectionName)} ` +
        (this.collection === null ? "does not exist yet" : "found"),
    );
  }

  get(key: string): Promise<Item> {
    return this.serial(async () => {
      const item = await this.findItem(key);
      try {
        await this.unlockIfLocked(item, this.lib.secret.secret_item_get_locked(item) !== 0);
        await this.guarded(
          "cannot read the item",
          this.timeouts.callMs,
          (c, e) => this.lib.secret.secret_item_load_secret_sync(item, c, e),
        );
        const value = this.lib.secret.secret_item_get_secret(item);
        if (value === null) throw this.unavailable(`the item ${JSON.stringify(key)} has no secret`);
        let text: string;
        try {
          const length = new BigUint64Array(1);
          const data = this.lib.secret.secret_value_get(value, new Uint8Array(length.buffer));
          text = new TextDecoder().decode(readBytes(data, Number(length[0])));
        } finally {
          this.lib.secret.secret_value_unref(value);
        }
        try {
          return decodeItemJson(text);
        } catch {
          // Never quote the stored text: it holds credentials.
          throw new Error(`secret-service: the item ${JSON.stringify(key)} is not valid item JSON`);
        }
      } finally {
        this.lib.gobject.g_object_unref(item);
      }
    });
  }

  set(item: Item): Promise<void> {
    return this.serial(async () => {
      const { secret, glib, gobject } = this.lib;
      if (this.collection === null) await this.createCollection();
      const coll = this.collection;
      await this.unlockIfLocked(coll, secret.secret_collection_get_locked(coll) !== 0);
      const json = new TextEncoder().encode(encodeItemJson(item));
      const value = secret.secret_value_new(json, BigInt(json.length), cString("application/json"));
      const attributes = stringHashTable(this.lib, { profile: item.key });
      try {
        const create = () =>
          this.guarded(
            "cannot store the item",
            this.timeouts.callMs,
            (c, e) =>
              secret.secret_item_create_sync(
                coll,
                null, // no schema: no xdg:schema attribute, as aws-vault's items have none
                attributes,
                cString(item.key),
                value,
                SECRET_ITEM_CREATE_REPLACE,
                c,
                e,
              ),
          );
        let created: Ptr;
        try {
          created = await create();
        } catch (e) {
          // The cached Locked property can be stale (locked since we opened): unlock, retry once.
          if (!(e instanceof SecretServiceLockedError)) throw e;
          await this.unlockIfLocked(coll, true);
          created = await create();
        }
        if (created !== null) gobject.g_object_unref(created);
      } finally {
        glib.g_hash_table_unref(attributes);
        secret.secret_value_unref(value);
        json.fill(0);
      }
    });
  }

  remove(key: string): Promise<void> {
    return this.serial(async () => {
      const item = await this.findItem(key);
      try {
        await this.unlockIfLocked(item, this.lib.secret.secret_item_get_locked(item) !== 0);
        await this.guarded(
          "cannot delete the item",
          this.timeouts.callMs,
          (c, e) => this.lib.secret.secret_item_delete_sync(item, c, e),
        );
      } finally {
        this.lib.gobject.g_object_unref(item);
      }
    });
  }

  keys(): Promise<string[]> {
    return this.serial(async () => {
      if (this.collection === null) return [];
      // An empty attribute set matches every item of the collection. Searching (rather than
      // reading the proxy's cached Items property) sees items added since we opened.
      const items = await this.search({});
      const labels: string[] = [];
      for (const item of items) {
        const p = this.lib.secret.secret_item_get_label(item);
        labels.push(readCString(p) ?? "");
        this.lib.glib.g_free(p);
        this.lib.gobject.g_object_unref(item);
      }
      return labels;
    });
  }

  // -------------------------------------------------------------------------------------------

  /** The first item with profile=<key> (aws-vault uses the first of duplicates); caller unrefs. */
  private async findItem(key: string): Promise<Ptr> {
    if (this.collection === null) throw new ItemNotFoundError(key);
    const items = await this.search({ profile: key });
    if (items.length === 0) throw new ItemNotFoundError(key);
    for (const extra of items.slice(1)) this.lib.gobject.g_object_unref(extra);
    return items[0];
  }

  /** Items of our collection matching `attributes` exactly, schema ignored; caller unrefs. */
  private async search(attributes: Record<string, string>): Promise<Ptr[]> {
    const table = stringHashTable(this.lib, attributes);
    try {
      const list = await this.guarded(
        "cannot search the collection",
        this.timeouts.callMs,
        (c, e) =>
          this.lib.secret.secret_collection_search_sync(
            this.collection,
            null,
            table,
            SECRET_SEARCH_ALL,
            c,
            e,
          ),
      );
      const items = glistItems(list);
      this.lib.glib.g_list_free(list);
      return items;
    } finally {
      this.lib.glib.g_hash_table_unref(table);
    }
  }

  private findCollection(): Ptr {
    const { secret, gio, gobject, glib } = this.lib;
    const list = secret.secret_service_get_collections(this.service);
    let found: Ptr = null;
    for (const coll of glistItems(list)) {
      const path = readCString(gio.g_dbus_proxy_get_object_path(coll)) ?? "";
      if (found === null && collectionNameOfPath(path) === this.collectionName) found = coll;
      else gobject.g_object_unref(coll);
    }
    glib.g_list_free(list);
    return found;
  }

  private async createCollection(): Promise<void> {
    // The daemon asks the user for the new collection's password, hence the prompt timeout.
    const created = await this.guarded(
      `cannot create the collection ${JSON.stringify(this.collectionName)}`,
      this.timeouts.promptMs,
      (c, e) =>
        this.lib.secret.secret_collection_create_sync(
          this.service,
          cString(this.collectionName),
          null,
          0,
          c,
          e,
        ),
    );
    if (created === null) {
      throw this.unavailable(
        `cannot create the collection ${
          JSON.stringify(this.collectionName)
        }: the prompt was dismissed`,
      );
    }
    this.collection = created;
    debug(`secret-service: created collection ${JSON.stringify(this.collectionName)}`);
  }

  /** Unlocks a collection or item (the daemon may show a password dialog). */
  private async unlockIfLocked(object: Ptr, locked: boolean): Promise<void> {
    if (!locked) return;
    const { secret, glib, gobject } = this.lib;
    const objects = glib.g_list_append(null, object);
    const unlockedOut = new BigUint64Array(1);
    try {
      const count = await this.guarded(
        `cannot unlock the collection ${JSON.stringify(this.collectionName)}`,
        this.timeouts.promptMs,
        (c, e) =>
          secret.secret_service_unlock_sync(
            this.service,
            objects,
            c,
            Deno.UnsafePointer.of(unlockedOut),
            e,
          ),
      );
      const unlocked = Deno.UnsafePointer.create(unlockedOut[0]);
      for (const o of glistItems(unlocked)) gobject.g_object_unref(o);
      glib.g_list_free(unlocked);
      if (count < 1) {
        throw new SecretServiceLockedError(
          `secret-service: the collection ${JSON.stringify(this.collectionName)} is locked ` +
            `(the unlock prompt was dismissed)`,
        );
      }
    } finally {
      glib.g_list_free(objects);
    }
  }

  /**
   * Runs a blocking libsecret call on Deno's FFI thread with a fresh GCancellable that a timer
   * cancels; turns a GError into a one-line error.
   */
  private async guarded<T>(
    what: string,
    timeoutMs: number,
    call: (cancellable: Ptr, error: Uint8Array<ArrayBuffer>) => Promise<T>,
  ): Promise<T> {
    const { gio, gobject } = this.lib;
    const cancellable = gio.g_cancellable_new();
    const slot = newErrorSlot();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      gio.g_cancellable_cancel(cancellable);
    }, timeoutMs);
    try {
      const result = await call(cancellable, slot);
      const error = takeError(this.lib, slot);
      if (error === null) return result;
      if (timedOut && error.domain === "g-io-error-quark" && error.code === G_IO_ERROR_CANCELLED) {
        throw this.unavailable(`${what}: no answer from the Secret Service within ${timeoutMs} ms`);
      }
      throw errorFor(what, error);
    } finally {
      clearTimeout(timer);
      gobject.g_object_unref(cancellable);
    }
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => {});
    return run;
  }

  private unavailable(message: string): KeystoreUnavailableError {
    return new KeystoreUnavailableError(`secret-service: ${message}`);
  }
}

/** The collection or item is locked and could not be unlocked. */
class SecretServiceLockedError extends KeystoreUnavailableError {}

/** SECRET_ERROR_IS_LOCKED in libsecret's "secret-error" domain. */
const SECRET_ERROR_IS_LOCKED = 2;

function errorFor(what: string, error: GErrorInfo): KeystoreUnavailableError {
  const message = `secret-service: ${what}: ${oneLine(error.message)}`;
  if (error.domain === "secret-error" && error.code === SECRET_ERROR_IS_LOCKED) {
    return new SecretServiceLockedError(message);
  }
  return new KeystoreUnavailableError(message);
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, " ").trim();
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
