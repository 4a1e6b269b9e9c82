/**
 * The session cache (aws-vault's vault/cachedsessionprovider.go and vault/sessionkeyring.go):
 * temporary credentials stored in the keystore under aws-vault's key names and JSON, so that
 * aws-vault and we reuse each other's sessions.
 *
 * - `SessionStore` reads and writes session items. Every read or write first deletes legacy keys
 *   and keys whose embedded expiry is past (from the key name alone, nothing is decrypted).
 * - `CachedSessionProvider` wraps a provider: reuse a cached session with at least AWS_MIN_TTL
 *   left, else fetch and store. The fetch happens under a cross-process lock (sts/lock.ts) and the
 *   cache is read again inside it, so concurrent processes make one STS call between them.
 */
import type { Credentials, CredentialsProvider } from "../lib/credentials.ts";
import { formatDuration, parseDuration } from "../lib/duration.ts";
import { debug, maskKey } from "../lib/log.ts";
import { decodeSessionCredentials, sessionItem } from "../keystore/credential_items.ts";
import { ItemNotFoundError, type Keystore } from "../keystore/keystore.ts";
import {
  formatSessionKey,
  isLegacySessionKey,
  isOidcKey,
  oidcKey,
  parseSessionKey,
  type SessionKey,
  sessionKeyPrefix,
  type SessionType,
} from "../keystore/key_names.ts";
import { type LockOptions, withLock } from "./lock.ts";

/** aws-vault's default expiry window (`AWS_MIN_TTL` unset or unparsable). */
export const DEFAULT_MIN_TTL_MS = 5 * 60_000;

/** `AWS_MIN_TTL` as Go's ParseDuration reads it; the default when unset or invalid. */
export function minTtlFromEnv(env: (name: string) => string | undefined): number {
  const text = env("AWS_MIN_TTL");
  if (!text) return DEFAULT_MIN_TTL_MS;
  try {
    return parseDuration(text);
  } catch {
    return DEFAULT_MIN_TTL_MS;
  }
}

/** What identifies a cached session: aws-vault's SessionMetadata without the expiry. */
export interface SessionMetadata {
  type: SessionType;
  profileName: string;
  /** The MFA serial (may be ""); the SSO start URL for sso.GetRoleCredentials. */
  mfaSerial: string;
}

/** Credentials as a provider returned them, with the expiry text to store when it matters. */
export interface FetchedCredentials extends Credentials {
  /** Stored verbatim as `Expiration` (credential_process keeps the zone it was given). */
  expirationText?: string;
}

/** Session items in a keystore. */
export class SessionStore {
  #listed?: string[];

  /**
   * `listed`: the keystore's key list as the caller has just read it (the chain reads it to find
   * stored keys). The first get() uses it rather than listing the keystore a second time, which a
   * `credential_process` call served from the cache paid for (a D-Bus call, a `pass` directory
   * walk). Later calls list again: a miss is re-checked under the lock with a fresh list.
   */
  constructor(readonly keystore: Keystore, listed?: string[]) {
    this.#listed = listed;
  }

  /** Deletes legacy session keys and expired ones; returns how many were deleted. */
  async removeOldSessions(keys?: string[], now = Date.now()): Promise<number> {
    let n = 0;
    for (const key of keys ?? await this.keystore.keys()) {
      const parsed = parseSessionKey(key);
      const old = isLegacySessionKey(key) ||
        (parsed !== undefined && parsed.expiration * 1000 < now);
      if (old && await this.removeKey(key)) n++;
    }
    return n;
  }

  /** Every current-format session key, parsed, with its key name. */
  async sessions(): Promise<Array<SessionKey & { key: string }>> {
    const out: Array<SessionKey & { key: string }> = [];
    for (const key of await this.keystore.keys()) {
      const parsed = parseSessionKey(key);
      if (parsed) out.push({ ...parsed, key });
    }
    return out;
  }

  /** The cached credentials for `meta`, or undefined on a miss (any error counts as a miss). */
  async get(meta: SessionMetadata): Promise<Credentials | undefined> {
    let keys: string[];
    try {
      keys = this.#listed ?? await this.keystore.keys();
      this.#listed = undefined;
      await this.removeOldSessions(keys);
    } catch (err) {
      debug(`Session cache unavailable: ${(err as Error).message}`);
      return undefined;
    }
    const prefix = sessionKeyPrefix(meta.type, meta.profileName, meta.mfaSerial);
    const key = keys.find((k) => k.startsWith(prefix) && isCurrent(k));
    if (!key) return undefined;
    try {
      const creds = decodeSessionCredentials((await this.keystore.get(key)).data);
      if (!creds.expiration || creds.accessKeyId === "") return undefined;
      return creds;
    } catch (err) {
      debug(
        `Ignoring unreadable cached session ${meta.type} for ${meta.profileName}: ${
          (err as Error).message
        }`,
      );
      return undefined;
    }
  }

  /** Stores `creds` for `meta`, replacing the same session under its old key name. */
  async set(meta: SessionMetadata, creds: FetchedCredentials): Promise<void> {
    if (!creds.expiration) throw new Error("cannot cache credentials that do not expire");
    const keys = await this.keystore.keys();
    await this.removeOldSessions(keys);
    const name = formatSessionKey({
      type: meta.type,
      profileName: meta.profileName,
      mfaSerial: meta.mfaSerial,
      expiration: Math.floor(creds.expiration.getTime() / 1000),
    });
    const prefix = sessionKeyPrefix(meta.type, meta.profileName, meta.mfaSerial);
    for (const old of keys) {
      if (old !== name && old.startsWith(prefix) && isCurrent(old)) await this.removeKey(old);
    }
    await this.keystore.set(sessionItem(name, meta.profileName, creds, creds.expirationText));
  }

  /** Removes every session of `profileName`; returns how many. */
  async removeForProfile(profileName: string): Promise<number> {
    let n = 0;
    for (const s of await this.sessions()) {
      if (s.profileName === profileName && await this.removeKey(s.key)) n++;
    }
    return n;
  }

  /** Removes legacy and expired sessions, then every other session; returns how many. */
  async removeAll(): Promise<number> {
    let n = await this.removeOldSessions();
    for (const s of await this.sessions()) if (await this.removeKey(s.key)) n++;
    return n;
  }

  /** Removes every OIDC token (`oidc:<start url>`); returns how many. */
  async removeAllOidcTokens(): Promise<number> {
    let n = 0;
    for (const key of await this.keystore.keys()) {
      if (isOidcKey(key) && await this.removeKey(key)) n++;
    }
    return n;
  }

  /** Removes the OIDC token of `startUrl`; false if there was none. */
  async removeOidcToken(startUrl: string): Promise<boolean> {
    return await this.removeKey(oidcKey(startUrl));
  }

  /** Removes one key; false if it was already gone (another process may have removed it). */
  async removeKey(key: string): Promise<boolean> {
    try {
      await this.keystore.remove(key);
      return true;
    } catch (err) {
      if (err instanceof ItemNotFoundError) return false;
      throw err;
    }
  }
}

function isCurrent(key: string): boolean {
  return parseSessionKey(key) !== undefined;
}

export interface CachedSessionOptions {
  store: SessionStore;
  meta: SessionMetadata;
  /** The provider that calls AWS on a miss. */
  provider: { retrieve(): Promise<FetchedCredentials> };
  /** Reuse only with at least this much left (ms). */
  minTtlMs: number;
  lock?: LockOptions;
}

/** aws-vault's CachedSessionProvider, made safe across concurrent processes. */
export class CachedSessionProvider implements CredentialsProvider {
  constructor(readonly options: CachedSessionOptions) {}

  async retrieve(): Promise<Credentials> {
    const { meta } = this.options;
    const cached = await this.fresh();
    if (cached) return cached;
    const lockName = sessionKeyPrefix(meta.type, meta.profileName, meta.mfaSerial);
    return await withLock(lockName, async () => {
      // Another process may have stored the session while we waited for the lock.
      const again = await this.fresh();
      if (again) return again;
      const creds = await this.options.provider.retrieve();
      if (!creds.expiration) return stripText(creds);
      try {
        await this.options.store.set(meta, creds);
      } catch (err) {
        // The credentials are good; failing to cache them only costs a later STS call.
        debug(
          `Could not cache the ${meta.type} session for ${meta.profileName}: ${
            (err as Error).message
          }`,
        );
      }
      return stripText(creds);
    }, this.options.lock);
  }

  private async fresh(): Promise<Credentials | undefined> {
    const { meta, minTtlMs } = this.options;
    const creds = await this.options.store.get(meta);
    if (!creds?.expiration) return undefined;
    const left = creds.expiration.getTime() - Date.now();
    if (left < minTtlMs) return undefined;
    debug(
      `Re-using cached credentials ${maskKey(creds.accessKeyId)} from ${meta.type}, expires in ${
        formatDuration(Math.floor(left / 1000) * 1000)
      }`,
    );
    return creds;
  }
}

function stripText(creds: FetchedCredentials): Credentials {
  const { expirationText: _ignored, ...rest } = creds;
  return rest;
}
