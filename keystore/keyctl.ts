/**
 * The "keyctl" backend: the Linux kernel key retention service, laid out as ByteNess/keyring's
 * keyctl.go lays it out for aws-vault:
 *  - a keyring named `aws-vault` (keyring's ServiceName) found by searching the scope's keyring
 *    (`@u` by default; `--keyctl-scope`), created there when missing;
 *  - one `user` key per item, whose description is the item key and whose payload is the raw
 *    item data (no label, description or flags, as on wincred and the macOS keychain);
 *  - the kernel's default permissions (possessor all, user view), because aws-vault sets no
 *    KeyCtlPerm; keys are added straight into the named keyring.
 *
 * Keys live in kernel memory only: nothing survives a reboot, and the user keyring itself goes
 * away when the last process of the user ends (user-keyring(7)). See docs/DIFFERENCES.md.
 */
import {
  EACCES,
  EDQUOT,
  EINVAL,
  EKEYEXPIRED,
  EKEYREVOKED,
  ENOKEY,
  EPERM,
  KEY_SPEC_PROCESS_KEYRING,
  KEY_SPEC_SESSION_KEYRING,
  KEY_SPEC_THREAD_KEYRING,
  KEY_SPEC_USER_KEYRING,
  KEY_SPEC_USER_SESSION_KEYRING,
  type KeyutilsLibrary,
  LIBKEYUTILS_SONAME,
  loadKeyutils,
} from "../ffi/libkeyutils.ts";
import { cString } from "../ffi/c_string.ts";
import {
  type Item,
  ItemNotFoundError,
  type Keystore,
  type KeystoreOptions,
  KeystoreUnavailableError,
} from "./keystore.ts";

/** The named keyring aws-vault uses (keyring's ServiceName). */
export const KEYCTL_KEYRING_NAME = "aws-vault";

/** `--keyctl-scope` values, as keyring's getKeyringForScope accepts them; the first is default. */
export const KEYCTL_SCOPES: Record<string, number> = {
  user: KEY_SPEC_USER_KEYRING,
  session: KEY_SPEC_SESSION_KEYRING,
  process: KEY_SPEC_PROCESS_KEYRING,
  thread: KEY_SPEC_THREAD_KEYRING,
  usersession: KEY_SPEC_USER_SESSION_KEYRING,
};
export const DEFAULT_KEYCTL_SCOPE = "user";

/** The largest payload of a `user` key (security/keys/user_defined.c). */
const MAX_USER_KEY_PAYLOAD = 32767;

/** Go's texts of the errors the key calls return (what aws-vault users see). */
const ERRNO_TEXT: Record<number, string> = {
  [EPERM]: "operation not permitted",
  [EACCES]: "permission denied",
  [EINVAL]: "invalid argument",
  [EDQUOT]: "disk quota exceeded",
  [ENOKEY]: "required key not available",
  [EKEYEXPIRED]: "key has expired",
  [EKEYREVOKED]: "key has been revoked",
};

class KeyctlError extends Error {
  constructor(readonly what: string, readonly errno: number) {
    const text = ERRNO_TEXT[errno] ?? `errno ${errno}`;
    // A full quota is the one failure a user can fix without reading kernel sources.
    const hint = errno === EDQUOT
      ? " (the kernel key quota is full: see /proc/sys/kernel/keys/maxkeys and maxbytes)"
      : "";
    super(`keyctl: ${what}: ${text}${hint}`);
    this.name = "KeyctlError";
  }
}

/** `keyctl_describe` output: `type;uid;gid;perm;description` (the description may hold `;`). */
export function parseDescription(text: string): { type: string; description: string } {
  const parts = text.split(";");
  if (parts.length < 5) throw new Error(`keyctl: unexpected key description format`);
  return { type: parts[0], description: parts.slice(4).join(";") };
}

/** Serial numbers in a keyring's payload: host-endian int32s. */
export function parseKeyringPayload(payload: Uint8Array): number[] {
  if (payload.byteLength % 4 !== 0) {
    throw new Error(`keyctl: keyring payload of ${payload.byteLength} bytes is not a list of ids`);
  }
  return Array.from(new Int32Array(payload.slice().buffer));
}

class KeyctlKeystore implements Keystore {
  readonly backend = "keyctl";

  constructor(private readonly lib: KeyutilsLibrary, readonly keyring: number) {}

  get(key: string): Promise<Item> {
    return settle(() => ({
      key,
      data: this.read(this.find(key), `reading key ${JSON.stringify(key)}`),
      label: "",
      description: "",
      keychainNotTrustApplication: false,
      keychainNotSynchronizable: false,
    }));
  }

  set(item: Item): Promise<void> {
    return settle(() => this.add(item));
  }

  remove(key: string): Promise<void> {
    return settle(() => this.unlink(key));
  }

  keys(): Promise<string[]> {
    return settle(() => this.list());
  }

  private add(item: Item): void {
    const what = `storing ${JSON.stringify(item.key)}`;
    if (item.data.byteLength === 0 || item.data.byteLength > MAX_USER_KEY_PAYLOAD) {
      // The kernel's EINVAL would not say why.
      throw new Error(
        `keyctl: ${what}: a key holds 1 to ${MAX_USER_KEY_PAYLOAD} bytes, ` +
          `this item has ${item.data.byteLength}`,
      );
    }
    // add_key replaces the payload of an existing user key with the same description in place.
    const data = item.data.slice();
    const id = this.lib.keyutils.add_key(
      cString("user"),
      cString(item.key),
      data,
      BigInt(data.byteLength),
      this.keyring,
    );
    if (id < 0) throw new KeyctlError(what, this.lib.errno());
  }

  private unlink(key: string): void {
    const id = this.find(key);
    if (Number(this.lib.keyutils.keyctl_unlink(id, this.keyring)) < 0) {
      const errno = this.lib.errno();
      if (errno === ENOKEY) throw new ItemNotFoundError(key);
      throw new KeyctlError(`removing ${JSON.stringify(key)}`, errno);
    }
  }

  private list(): string[] {
    const payload = this.read(this.keyring, "reading keyring");
    const keys: string[] = [];
    for (const id of parseKeyringPayload(payload)) {
      const text = this.describe(id);
      // A key unlinked since the keyring was read is skipped, not an error.
      if (text === undefined) continue;
      const { type, description } = parseDescription(text);
      if (type === "user") keys.push(description);
    }
    return keys;
  }

  /** The serial of the user key `key`; ItemNotFoundError when there is none (or it is dead). */
  private find(key: string): number {
    const id = Number(
      this.lib.keyutils.keyctl_search(this.keyring, cString("user"), cString(key), 0),
    );
    if (id >= 0) return id;
    const errno = this.lib.errno();
    // An expired or revoked key can never be read again: for aws-vault it is gone.
    if (errno === ENOKEY || errno === EKEYEXPIRED || errno === EKEYREVOKED) {
      throw new ItemNotFoundError(key);
    }
    throw new KeyctlError(`searching for ${JSON.stringify(key)}`, errno);
  }

  private read(id: number, what: string): Uint8Array {
    let buffer = new Uint8Array(0);
    for (;;) {
      const length = Number(this.lib.keyutils.keyctl_read(id, buffer, BigInt(buffer.byteLength)));
      if (length < 0) throw new KeyctlError(what, this.lib.errno());
      if (length <= buffer.byteLength) return buffer.slice(0, length);
      buffer = new Uint8Array(length); // the payload grew (or this was the size query)
    }
  }

  private describe(id: number): string | undefined {
    let buffer = new Uint8Array(256);
    for (;;) {
      const length = Number(
        this.lib.keyutils.keyctl_describe(id, buffer, BigInt(buffer.byteLength)),
      );
      if (length < 0) {
        const errno = this.lib.errno();
        if (errno === ENOKEY || errno === EKEYEXPIRED || errno === EKEYREVOKED) return undefined;
        throw new KeyctlError("describing a key", errno);
      }
      if (length <= buffer.byteLength) {
        return new TextDecoder().decode(buffer.subarray(0, length - 1)); // without the NUL
      }
      buffer = new Uint8Array(length);
    }
  }
}

/** Runs a synchronous kernel call sequence; a throw becomes a rejected promise. */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(err);
  }
}

/** libkeyutils, or KeystoreUnavailableError naming the package that ships it. */
export function openKeyutils(): KeyutilsLibrary {
  try {
    return loadKeyutils();
  } catch (err) {
    throw new KeystoreUnavailableError(
      `keyctl: cannot load ${LIBKEYUTILS_SONAME} (Debian/Ubuntu: libkeyutils1; Fedora: ` +
        `keyutils-libs): ${(err as Error).message}`,
    );
  }
}

/**
 * The serial of the keyring `name` below `parent` (a serial or a KEY_SPEC_* id), or undefined
 * when the search finds none. It only searches: doctor uses it to look without creating.
 */
export function findKeyring(
  lib: KeyutilsLibrary,
  parent: number,
  name: string,
  where: string,
): number | undefined {
  const found = Number(lib.keyutils.keyctl_search(parent, cString("keyring"), cString(name), 0));
  if (found >= 0) return found;
  const errno = lib.errno();
  if (errno === ENOKEY) return undefined;
  throw new KeystoreUnavailableError(
    new KeyctlError(`searching for keyring ${JSON.stringify(name)} in ${where}`, errno).message,
  );
}

/**
 * Opens the keyring `name` below `parent` (a serial or a KEY_SPEC_* id), creating it when a
 * search finds none, as keyring's keyctl opener does.
 */
export function openKeyctlKeystoreIn(parent: number, name: string, where: string): Keystore {
  const lib = openKeyutils();
  const found = findKeyring(lib, parent, name, where);
  if (found !== undefined) return new KeyctlKeystore(lib, found);
  const created = lib.keyutils.add_key(cString("keyring"), cString(name), null, 0n, parent);
  if (created < 0) {
    throw new KeystoreUnavailableError(
      new KeyctlError(`creating keyring ${JSON.stringify(name)} in ${where}`, lib.errno())
        .message,
    );
  }
  return new KeyctlKeystore(lib, created);
}

/** Opens `aws-vault` in the keyring of `options.keyctlScope` (default `user`). */
export function openKeyctlKeystore(options: KeystoreOptions): Promise<Keystore> {
  return settle(() => {
    const { scope, parent } = keyctlScope(options);
    return openKeyctlKeystoreIn(parent, KEYCTL_KEYRING_NAME, `the ${scope} keyring`);
  });
}

/** The scope `options.keyctlScope` names ("" is `user`) and its KEY_SPEC_* id. */
export function keyctlScope(options: KeystoreOptions): { scope: string; parent: number } {
  const scope = options.keyctlScope || DEFAULT_KEYCTL_SCOPE;
  const parent = KEYCTL_SCOPES[scope];
  if (parent === undefined) {
    throw new KeystoreUnavailableError(
      `keyctl: unknown scope ${JSON.stringify(scope)} (one of ${
        Object.keys(KEYCTL_SCOPES).join(", ")
      })`,
    );
  }
  return { scope, parent };
}
