/**
 * The keystore interface every backend implements, and the item model of 99designs/keyring that
 * aws-vault stores (key, data, label, description).
 */

export interface Item {
  key: string;
  /** The stored secret (credential JSON, session JSON or OIDC token JSON). */
  data: Uint8Array;
  label: string;
  description: string;
  /** macOS: when true, no application is put on the item's trusted list. */
  keychainNotTrustApplication: boolean;
  keychainNotSynchronizable: boolean;
}

export interface Keystore {
  /** Backend id, e.g. "file". */
  readonly backend: string;
  /** Throws ItemNotFoundError when the key does not exist. */
  get(key: string): Promise<Item>;
  /** Creates or replaces the item with `item.key`. */
  set(item: Item): Promise<void>;
  /** Throws ItemNotFoundError when the key does not exist. */
  remove(key: string): Promise<void>;
  /** Every key in the store, in the backend's order. Never decrypts anything. */
  keys(): Promise<string[]>;
}

/** Everything a backend may need to open; built from the global flags. */
export interface KeystoreOptions {
  keychainName: string;
  secretServiceCollection: string;
  passDir: string;
  passCmd: string;
  passPrefix: string;
  fileDir: string;
  /** keyctl: the scope whose keyring holds `aws-vault` (user, session, ...); "" means user. */
  keyctlScope?: string;
}

/** The item does not exist. The message is keyring's, which aws-vault users see. */
export class ItemNotFoundError extends Error {
  constructor(
    readonly key: string,
    message = "The specified item could not be found in the keyring",
  ) {
    super(message);
    this.name = "ItemNotFoundError";
  }
}

/** The backend cannot be opened or used (no bus, locked collection, missing binary...). */
export class KeystoreUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeystoreUnavailableError";
  }
}
