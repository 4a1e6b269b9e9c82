/**
 * The "keychain" backend (macOS), as 99designs/keyring uses it for aws-vault: generic-password
 * items with service `aws-vault`, account = key, label and description from the Item, and the
 * **raw** item data (not the Item JSON), in the keychain file `<--keychain>.keychain` (default
 * `aws-vault.keychain`, which macOS resolves under ~/Library/Keychains, as `.keychain-db` today).
 *
 * - A missing keychain is created on the first write with SecKeychainCreate(promptUser = true): macOS
 *   shows its own dialog asking for the new keychain's password, as aws-vault does. Reads and keys()
 *   of a missing keychain find nothing and create nothing.
 * - Master credentials (keychainNotTrustApplication) get an access list that trusts no
 *   application, so macOS asks before each read; sessions trust the calling binary.
 * - Each item is read from the keychain at most once per process (an in-process cache), so one
 *   command never raises a storm of "allow access" prompts.
 *
 * The queries are described as data (`KeychainQuery`) so that what we ask macOS for is unit-tested
 * on any OS; `materialize` turns them into CFDictionaries on macOS.
 */
import { debug } from "../lib/log.ts";
import {
  type CFTypeRef,
  CoreFoundation,
  OSSTATUS,
  outPointer,
  outPointerValue,
  type SecConstantName,
  type SecurityFramework,
} from "../ffi/security_framework.ts";
import { cString } from "../ffi/c_string.ts";
import { type Item, ItemNotFoundError, type Keystore, type KeystoreOptions } from "./keystore.ts";
import { importAtRunTime } from "../lib/lazy_import.ts";

/** keyring's ServiceName for aws-vault. */
export const KEYCHAIN_SERVICE = "aws-vault";

/** One value of a keychain query or attribute dictionary, before it becomes a CF object. */
export type KeychainValue =
  | { kind: "string"; value: string }
  | { kind: "data"; value: Uint8Array }
  | { kind: "true" }
  | { kind: "constant"; name: SecConstantName }
  /** The SecKeychainRef of the named keychain (kSecUseKeychain). */
  | { kind: "keychain" }
  /** A one-element CFArray holding the named keychain (kSecMatchSearchList). */
  | { kind: "searchList" }
  /** A SecAccessRef: trustApplication = the calling binary may read without asking. */
  | { kind: "access"; label: string; trustApplication: boolean };

export type KeychainQuery = [SecConstantName, KeychainValue][];

const str = (value: string): KeychainValue => ({ kind: "string", value });
const constant = (name: SecConstantName): KeychainValue => ({ kind: "constant", name });
const TRUE: KeychainValue = { kind: "true" };

/** The path keyring gives SecKeychainOpen/SecKeychainCreate: `<name>.keychain`, relative. */
export function keychainPath(name: string): string {
  return `${name}.keychain`;
}

/** Identifies one item: class, service, account, in the named keychain only. */
export function itemQuery(service: string, key: string): KeychainQuery {
  return [
    ["kSecClass", constant("kSecClassGenericPassword")],
    ["kSecAttrService", str(service)],
    ["kSecAttrAccount", str(key)],
    ["kSecMatchSearchList", { kind: "searchList" }],
  ];
}

/** Reads one item with its attributes (label, description) and its data. */
export function getQuery(service: string, key: string): KeychainQuery {
  return [
    ...itemQuery(service, key),
    ["kSecMatchLimit", constant("kSecMatchLimitOne")],
    ["kSecReturnAttributes", TRUE],
    ["kSecReturnData", TRUE],
  ];
}

/** Lists the attributes (never the data, which would prompt) of every aws-vault item. */
export function keysQuery(service: string): KeychainQuery {
  return [
    ["kSecClass", constant("kSecClassGenericPassword")],
    ["kSecAttrService", str(service)],
    ["kSecMatchSearchList", { kind: "searchList" }],
    ["kSecMatchLimit", constant("kSecMatchLimitAll")],
    ["kSecReturnAttributes", TRUE],
  ];
}

/** A new item, as keyring adds it. */
export function addAttributes(service: string, item: Item, trustAll = false): KeychainQuery {
  return [
    ["kSecClass", constant("kSecClassGenericPassword")],
    ["kSecAttrService", str(service)],
    ["kSecAttrAccount", str(item.key)],
    ["kSecAttrLabel", str(item.label)],
    ["kSecAttrDescription", str(item.description)],
    ["kSecValueData", { kind: "data", value: item.data }],
    ["kSecUseKeychain", { kind: "keychain" }],
    [
      "kSecAttrAccess",
      {
        kind: "access",
        // The name macOS shows in its access dialogs; never empty.
        label: item.label || item.key,
        trustApplication: trustAll || !item.keychainNotTrustApplication,
      },
    ],
  ];
}

/**
 * What an update of an existing item changes. The access list is left alone, as the maintained
 * fork's keyring does (setting it again would prompt on every update); 99designs' keyring v1.2
 * deletes the item and adds it again instead.
 */
export function updateAttributes(item: Item): KeychainQuery {
  return [
    ["kSecAttrLabel", str(item.label)],
    ["kSecAttrDescription", str(item.description)],
    ["kSecValueData", { kind: "data", value: item.data }],
  ];
}

/** Texts for the statuses users meet, for when SecCopyErrorMessageString has none. */
const OSSTATUS_MESSAGES: Record<number, string> = {
  [OSSTATUS.errSecUserCanceled]: "User canceled the operation.",
  [OSSTATUS.errSecNotAvailable]: "No keychain is available. You may need to restart your computer.",
  [OSSTATUS.errSecAuthFailed]: "The user name or passphrase you entered is not correct.",
  [OSSTATUS.errSecNoSuchKeychain]: "The specified keychain could not be found.",
  [OSSTATUS.errSecDuplicateItem]: "The specified item already exists in the keychain.",
  [OSSTATUS.errSecItemNotFound]: "The specified item could not be found in the keychain.",
  [OSSTATUS.errSecInteractionNotAllowed]: "User interaction is not allowed.",
  [OSSTATUS.errSecMissingEntitlement]: "A required entitlement isn't present.",
};

/**
 * Maps a failed call's OSStatus to our error: errSecItemNotFound is ItemNotFoundError; anything
 * else is one line naming the call and the status (with macOS's own text when it has one).
 */
export function keychainError(call: string, key: string, status: number, osText = ""): Error {
  if (status === OSSTATUS.errSecItemNotFound) return new ItemNotFoundError(key);
  const text = osText.trim().replace(/\s*\n\s*/g, " ") || OSSTATUS_MESSAGES[status] ||
    "unknown keychain error";
  const subject = key === "" ? "" : ` ${JSON.stringify(key)}`;
  return new Error(`keychain: ${call}${subject} failed: ${text} (OSStatus ${status})`);
}

/** Items already read in this process, per keychain path and key. */
const readCache = new Map<string, Item>();

function cacheKey(path: string, key: string): string {
  return `${path}\u0000${key}`;
}

class KeychainKeystore implements Keystore {
  readonly backend = "keychain";
  private readonly cf: CoreFoundation;
  private readonly constants = new Map<SecConstantName, CFTypeRef>();

  constructor(
    private readonly fw: SecurityFramework,
    private readonly path: string,
    private readonly service: string,
    private readonly cache: Map<string, Item> | undefined,
    private readonly trustAll: boolean,
  ) {
    this.cf = new CoreFoundation(fw.cf);
  }

  get(key: string): Promise<Item> {
    const cached = this.cache?.get(cacheKey(this.path, key));
    if (cached) return Promise.resolve(copyItem(cached));
    return this.withScope(() => {
      const kc = this.openExisting();
      if (kc === null) throw new ItemNotFoundError(key);
      debug(`[keychain] reading ${JSON.stringify(key)} from ${this.path}`);
      const out = outPointer();
      const status = this.fw.sec.SecItemCopyMatching(
        this.materialize(getQuery(this.service, key), kc),
        out,
      );
      if (status !== 0) throw this.error("SecItemCopyMatching", key, status);
      const result = this.cf.own(outPointerValue(out), "the query result");
      if (!this.cf.isDictionary(result)) throw new Error("keychain: unexpected query result type");
      const item: Item = {
        key,
        data: this.cf.readData(this.cf.dictionaryValue(result, this.constant("kSecValueData"))),
        label: this.cf.readString(this.cf.dictionaryValue(result, this.constant("kSecAttrLabel"))),
        description: this.cf.readString(
          this.cf.dictionaryValue(result, this.constant("kSecAttrDescription")),
        ),
        keychainNotTrustApplication: false,
        keychainNotSynchronizable: false,
      };
      this.cache?.set(cacheKey(this.path, key), copyItem(item));
      return item;
    });
  }

  set(item: Item): Promise<void> {
    return this.withScope(() => {
      const kc = this.openOrCreate();
      debug(`[keychain] writing ${JSON.stringify(item.key)} to ${this.path}`);
      let status = this.fw.sec.SecItemAdd(
        this.materialize(addAttributes(this.service, item, this.trustAll), kc),
        null,
      );
      if (status === OSSTATUS.errSecDuplicateItem) {
        status = this.fw.sec.SecItemUpdate(
          this.materialize(itemQuery(this.service, item.key), kc),
          this.materialize(updateAttributes(item), kc),
        );
        if (status !== 0) throw this.error("SecItemUpdate", item.key, status);
      } else if (status !== 0) {
        throw this.error("SecItemAdd", item.key, status);
      }
      // What a later read would return: the keychain does not give the flags back.
      this.cache?.set(cacheKey(this.path, item.key), {
        ...copyItem(item),
        keychainNotTrustApplication: false,
        keychainNotSynchronizable: false,
      });
    });
  }

  remove(key: string): Promise<void> {
    return this.withScope(() => {
      this.cache?.delete(cacheKey(this.path, key));
      const kc = this.openExisting();
      if (kc === null) throw new ItemNotFoundError(key);
      const status = this.fw.sec.SecItemDelete(this.materialize(itemQuery(this.service, key), kc));
      if (status !== 0) throw this.error("SecItemDelete", key, status);
    });
  }

  keys(): Promise<string[]> {
    return this.withScope(() => {
      const kc = this.openExisting();
      if (kc === null) return [];
      const out = outPointer();
      const status = this.fw.sec.SecItemCopyMatching(
        this.materialize(keysQuery(this.service), kc),
        out,
      );
      if (status === OSSTATUS.errSecItemNotFound) return [];
      if (status !== 0) throw this.error("SecItemCopyMatching", "", status);
      const result = this.cf.own(outPointerValue(out), "the query result");
      const dicts = this.cf.isArray(result) ? this.cf.arrayValues(result) : [result];
      return dicts.map((d) =>
        this.cf.readString(this.cf.dictionaryValue(d, this.constant("kSecAttrAccount")))
      );
    });
  }

  /** Runs `fn` and releases every CF object it created, whatever happens. */
  private withScope<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err);
    } finally {
      this.cf.releaseAll();
    }
  }

  /** The keychain, or null when its file does not exist. Opening never creates it. */
  private openExisting(): CFTypeRef | null {
    const out = outPointer();
    const status = this.fw.sec.SecKeychainOpen(cString(this.path), out);
    if (status !== 0) throw this.error("SecKeychainOpen", "", status);
    const kc = this.cf.own(outPointerValue(out), "a keychain reference");
    const keychainStatus = new Uint32Array(1);
    const s = this.fw.sec.SecKeychainGetStatus(kc, keychainStatus);
    if (s === OSSTATUS.errSecNoSuchKeychain) return null;
    if (s !== 0) throw this.error("SecKeychainGetStatus", "", s);
    return kc;
  }

  private openOrCreate(): CFTypeRef {
    const existing = this.openExisting();
    if (existing !== null) return existing;
    debug(`[keychain] creating ${this.path}; macOS asks for its password`);
    const out = outPointer();
    const status = this.fw.sec.SecKeychainCreate(cString(this.path), 0, null, 1, null, out);
    if (status !== 0) throw this.error("SecKeychainCreate", "", status);
    return this.cf.own(outPointerValue(out), "a keychain reference");
  }

  private constant(name: SecConstantName): CFTypeRef {
    let value = this.constants.get(name);
    if (!value) {
      value = CoreFoundation.constantValue(this.fw.sec[name], name);
      this.constants.set(name, value);
    }
    return value;
  }

  /** Builds the CFDictionary for a query; owned by the current scope. */
  private materialize(query: KeychainQuery, keychain: CFTypeRef): CFTypeRef {
    const entries: [CFTypeRef, CFTypeRef][] = query.map((
      [name, value],
    ) => [this.constant(name), this.value(value, keychain)]);
    return this.cf.dictionary(entries);
  }

  private value(value: KeychainValue, keychain: CFTypeRef): CFTypeRef {
    switch (value.kind) {
      case "string":
        return this.cf.string(value.value);
      case "data":
        return this.cf.data(value.value);
      case "true":
        return this.cf.booleanTrue();
      case "constant":
        return this.constant(value.name);
      case "keychain":
        return keychain;
      case "searchList":
        return this.cf.array([keychain]);
      case "access": {
        // No trusted list (NULL) trusts the calling binary; an empty list trusts nobody.
        const trusted = value.trustApplication ? null : this.cf.array([]);
        const out = outPointer();
        const status = this.fw.sec.SecAccessCreate(this.cf.string(value.label), trusted, out);
        if (status !== 0) throw this.error("SecAccessCreate", "", status);
        return this.cf.own(outPointerValue(out), "an access list");
      }
    }
  }

  private error(call: string, key: string, status: number): Error {
    let osText = "";
    const message = this.fw.sec.SecCopyErrorMessageString(status, null);
    if (message !== null) {
      osText = this.cf.readString(this.cf.own(message, "an error message"));
    }
    return keychainError(call, key, status, osText);
  }
}

function copyItem(item: Item): Item {
  return { ...item, data: new Uint8Array(item.data) };
}

export interface KeychainDeps {
  /** keyring's ServiceName; tests may use their own. */
  service?: string;
  /**
   * Whether to keep items read in this process (default true). Tests of the keychain itself turn
   * it off so that every get() really reads the keychain.
   */
  cache?: boolean;
  /**
   * Trust the calling binary on every item, as keyring's KeychainTrustApplication-only setting
   * would. Unattended tests need it: an untrusted item makes macOS show a dialog on every read.
   */
  trustAllItems?: boolean;
}

/** Opens the macOS keychain backend (loads Security.framework; touches no keychain yet). */
export async function openKeychainKeystore(
  options: KeystoreOptions,
  deps: KeychainDeps = {},
): Promise<Keystore> {
  const { openSecurityFramework } = await importAtRunTime<
    typeof import("../ffi/security_framework.ts")
  >("ffi/security_framework.ts");
  const name = options.keychainName === "" ? "aws-vault" : options.keychainName;
  return new KeychainKeystore(
    openSecurityFramework(),
    keychainPath(name),
    deps.service ?? KEYCHAIN_SERVICE,
    deps.cache === false ? undefined : readCache,
    deps.trustAllItems === true,
  );
}
