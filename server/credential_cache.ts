/**
 * The in-memory credentials cache behind the ECS and EC2 servers.
 *
 * Single-flight: however many requests arrive while the credentials are missing or due for a
 * refresh, one provider call is made and every waiter gets its result (or its error).
 *
 * Freshness: SDKs (botocore, the JS v3 SDK) start refreshing 15 minutes before expiry, so we hand
 * out credentials with at least 15 minutes left when we can. Credentials that never last that
 * long (a short role session, or a keyring session near its end) are served until one minute
 * before they expire instead of being fetched again for every request.
 */
import type { Credentials, CredentialsProvider } from "../lib/credentials.ts";
import { debug, maskKey } from "../lib/log.ts";
import { errorMessage } from "../lib/errors.ts";

/** SDKs refresh 15 minutes before expiry; the margin covers the whole seconds we report. */
export const REFRESH_WINDOW_MS = 15 * 60_000 + 10_000;
/** Short-lived credentials are served until this long before they expire. */
export const SHORT_CREDENTIALS_MARGIN_MS = 60_000;
/** After a failed refresh while older credentials are still valid, wait this long to retry. */
export const RETRY_AFTER_FAILURE_MS = 30_000;

export interface CredentialCacheOptions {
  /** Name used in debug messages ("profile x", "role arn:..."). */
  name?: string;
  /** Clock in ms since the epoch; tests pass their own. */
  now?: () => number;
  /** Called once, after the first successful retrieval (the servers forbid MFA prompts then). */
  onFirstSuccess?: () => void | Promise<void>;
  /**
   * How long a failure with nothing to fall back on is answered from memory instead of calling
   * the provider again (a negative cache); 0 (the default) remembers nothing.
   */
  failureTtlMs?: number;
}

/** A refreshing, single-flight cache over a CredentialsProvider. */
export class CredentialCache implements CredentialsProvider {
  #provider: CredentialsProvider;
  #now: () => number;
  #name: string;
  #onFirstSuccess?: () => void | Promise<void>;
  #cached?: Credentials;
  #refreshAt = 0;
  #inflight?: Promise<Credentials>;
  #calls = 0;
  #failureTtlMs: number;
  #failure?: { error: unknown; until: number };

  constructor(provider: CredentialsProvider, options: CredentialCacheOptions = {}) {
    this.#provider = provider;
    this.#now = options.now ?? Date.now;
    this.#name = options.name ?? "credentials";
    this.#onFirstSuccess = options.onFirstSuccess;
    this.#failureTtlMs = options.failureTtlMs ?? 0;
  }

  /** How many times the underlying provider has been called. */
  get providerCalls(): number {
    return this.#calls;
  }

  /** Cached credentials if still fresh, otherwise the result of one shared provider call. */
  retrieve(): Promise<Credentials> {
    if (this.#cached && this.#now() < this.#refreshAt) return Promise.resolve(this.#cached);
    if (this.#failure && this.#now() < this.#failure.until) {
      return Promise.reject(this.#failure.error);
    }
    if (!this.#inflight) {
      this.#inflight = this.#refresh().finally(() => {
        this.#inflight = undefined;
      });
    }
    return this.#inflight;
  }

  async #refresh(): Promise<Credentials> {
    this.#calls++;
    let creds: Credentials;
    try {
      creds = await this.#provider.retrieve();
    } catch (err) {
      const previous = this.#cached;
      const now = this.#now();
      const usableUntil = previous?.expiration
        ? previous.expiration.getTime() - SHORT_CREDENTIALS_MARGIN_MS
        : Infinity;
      if (previous && now < usableUntil) {
        // Keep serving what we have (the SDK keeps working) and try again a little later.
        debug(`Refreshing ${this.#name} failed, serving the previous ones: ${errorMessage(err)}`);
        this.#refreshAt = Math.min(usableUntil, now + RETRY_AFTER_FAILURE_MS);
        return previous;
      }
      if (this.#failureTtlMs > 0) this.#failure = { error: err, until: now + this.#failureTtlMs };
      throw err;
    }
    this.#failure = undefined;
    const first = this.#cached === undefined;
    this.#cached = creds;
    this.#refreshAt = refreshTime(creds, this.#now());
    debug(
      `Cached ${this.#name} ${maskKey(creds.accessKeyId)}` +
        (creds.expiration ? ` until ${creds.expiration.toISOString()}` : ""),
    );
    if (first && this.#onFirstSuccess) await this.#onFirstSuccess();
    return creds;
  }
}

/**
 * When credentials fetched at `now` must be fetched again: 15 minutes (plus margin) before they
 * expire, or one minute before for credentials that do not last that long; never for credentials
 * that do not expire.
 */
export function refreshTime(creds: Credentials, now: number): number {
  if (!creds.expiration) return Infinity;
  const expires = creds.expiration.getTime();
  if (expires - now > REFRESH_WINDOW_MS) return expires - REFRESH_WINDOW_MS;
  return Math.max(now, expires - SHORT_CREDENTIALS_MARGIN_MS);
}
