/**
 * The "wincred" backend: Windows Credential Manager, as 99designs/keyring uses it. Each item is a
 * generic credential (persist = local machine) whose target name is `aws-vault:aws-vault:<key>`
 * (keyring's prefix, `:`, the service name, `:`, the key) and whose blob is the raw item data.
 * Labels, descriptions and the keychain flags are not stored, exactly as in aws-vault.
 *
 * Windows caps a blob at 2560 bytes. Rather than splitting an item over several credentials (which
 * aws-vault could not read back), set() refuses a larger item with a clear error.
 */
import { debug } from "../lib/log.ts";
import {
  addressOf,
  type Advapi32,
  buildCredential,
  CRED_MAX_CREDENTIAL_BLOB_SIZE,
  CRED_PERSIST_LOCAL_MACHINE,
  CRED_TYPE_GENERIC,
  ERROR_NOT_FOUND,
  openAdvapi32,
  readCredential,
} from "../ffi/advapi32.ts";
import { utf16z } from "../ffi/utf16.ts";
import { type Item, ItemNotFoundError, type Keystore, type KeystoreOptions } from "./keystore.ts";

/** keyring's WinCredPrefix ("aws-vault") + ":" + ServiceName ("aws-vault") + ":". */
export const TARGET_PREFIX = "aws-vault:aws-vault:";

export function targetName(key: string, prefix = TARGET_PREFIX): string {
  return prefix + key;
}

/** The key of a credential target, or undefined when the target is not ours. */
export function keyFromTarget(target: string, prefix = TARGET_PREFIX): string | undefined {
  return target.startsWith(prefix) ? target.slice(prefix.length) : undefined;
}

/** Throws when `data` does not fit in one credential blob (never truncates or fails silently). */
export function checkBlobSize(key: string, data: Uint8Array): void {
  if (data.byteLength > CRED_MAX_CREDENTIAL_BLOB_SIZE) {
    throw new Error(
      `cannot store ${JSON.stringify(key)} in Windows Credential Manager: the item is ` +
        `${data.byteLength} bytes and a credential holds at most ${CRED_MAX_CREDENTIAL_BLOB_SIZE}`,
    );
  }
}

/** Texts of the Win32 errors the Cred* functions document; others are shown by number. */
const WIN32_MESSAGES: Record<number, string> = {
  5: "Access is denied.",
  87: "The parameter is incorrect.",
  1004: "Invalid flags.",
  1168: "Element not found.",
  1312: "A specified logon session does not exist. It may already have been terminated.",
  2202: "The specified username is invalid.",
};

/** Maps a failed Cred* call to our error: ERROR_NOT_FOUND is ItemNotFoundError, others one line. */
export function wincredError(call: string, target: string, key: string, code: number): Error {
  if (code === ERROR_NOT_FOUND) return new ItemNotFoundError(key);
  const text = WIN32_MESSAGES[code] ?? "Windows error";
  return new Error(`wincred: ${call} ${JSON.stringify(target)} failed: ${text} (error ${code})`);
}

class WincredKeystore implements Keystore {
  readonly backend = "wincred";

  constructor(private readonly api: Advapi32, private readonly prefix: string) {}

  get(key: string): Promise<Item> {
    const target = targetName(key, this.prefix);
    const out = new BigUint64Array(1);
    const ok = this.api.advapi32.CredReadW(utf16z(target), CRED_TYPE_GENERIC, 0, out);
    if (!ok) return Promise.reject(this.lastError("CredReadW", target, key));
    const pointer = Deno.UnsafePointer.create(out[0])!;
    try {
      const record = readCredential(pointer);
      return Promise.resolve({
        key,
        data: record.blob,
        label: "",
        description: "",
        keychainNotTrustApplication: false,
        keychainNotSynchronizable: false,
      });
    } finally {
      this.api.advapi32.CredFree(pointer);
    }
  }

  set(item: Item): Promise<void> {
    checkBlobSize(item.key, item.data);
    const target = targetName(item.key, this.prefix);
    debug(`[wincred] writing ${target}`);
    // The buffers must stay referenced until CredWriteW returns: the struct holds their addresses.
    const targetBuf = utf16z(target);
    const blob = new Uint8Array(item.data);
    const credential = buildCredential({
      flags: 0,
      type: CRED_TYPE_GENERIC,
      targetName: addressOf(targetBuf),
      comment: 0n,
      credentialBlobSize: blob.byteLength,
      credentialBlob: addressOf(blob),
      persist: CRED_PERSIST_LOCAL_MACHINE,
      attributeCount: 0,
      attributes: 0n,
      targetAlias: 0n,
      userName: 0n,
    });
    const ok = this.api.advapi32.CredWriteW(credential, 0);
    const error = ok ? undefined : this.lastError("CredWriteW", target, item.key);
    // Keep both alive past the call (and the secret out of memory we no longer need).
    targetBuf.fill(0);
    blob.fill(0);
    return error ? Promise.reject(error) : Promise.resolve();
  }

  remove(key: string): Promise<void> {
    const target = targetName(key, this.prefix);
    const ok = this.api.advapi32.CredDeleteW(utf16z(target), CRED_TYPE_GENERIC, 0);
    return ok ? Promise.resolve() : Promise.reject(this.lastError("CredDeleteW", target, key));
  }

  keys(): Promise<string[]> {
    const count = new Uint32Array(1);
    const out = new BigUint64Array(1);
    const filter = `${this.prefix}*`;
    const ok = this.api.advapi32.CredEnumerateW(utf16z(filter), 0, count, out);
    if (!ok) {
      const code = this.api.kernel32.GetLastError();
      if (code === ERROR_NOT_FOUND) return Promise.resolve([]);
      return Promise.reject(wincredError("CredEnumerateW", filter, "", code));
    }
    const array = Deno.UnsafePointer.create(out[0])!;
    try {
      const view = new Deno.UnsafePointerView(array);
      const keys: string[] = [];
      for (let i = 0; i < count[0]; i++) {
        const record = readCredential(view.getPointer(i * 8)!);
        const key = keyFromTarget(record.targetName, this.prefix);
        if (key !== undefined && record.type === CRED_TYPE_GENERIC) keys.push(key);
      }
      return Promise.resolve(keys);
    } finally {
      this.api.advapi32.CredFree(array);
    }
  }

  private lastError(call: string, target: string, key: string): Error {
    return wincredError(call, target, key, this.api.kernel32.GetLastError());
  }
}

export interface WincredDeps {
  /** Target name prefix; tests use their own so they never touch a user's real credentials. */
  targetPrefix?: string;
}

/** Opens the Windows Credential Manager backend (Windows only; loads advapi32 on first use). */
export async function openWincredKeystore(
  _options: KeystoreOptions,
  deps: WincredDeps = {},
): Promise<Keystore> {
  return await Promise.resolve(
    new WincredKeystore(openAdvapi32(), deps.targetPrefix ?? TARGET_PREFIX),
  );
}
