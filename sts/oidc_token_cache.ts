/**
 * SSO OIDC access tokens cached in the keystore under `oidc:<start url>` (aws-vault's
 * OIDCTokenKeyring in vault/oidctokenkeyring.go). An expired token is deleted when read, unless it
 * carries a refresh token and a live client registration: that one is returned (expired) so that
 * the SSO provider can refresh it. An unreadable item counts as a miss and is overwritten by the
 * next token.
 */
import { debug } from "../lib/log.ts";
import { ItemNotFoundError, type Keystore } from "../keystore/keystore.ts";
import { oidcKey } from "../keystore/key_names.ts";
import { decodeOidcToken, type OidcToken, oidcTokenItem } from "../keystore/oidc_token_item.ts";

export class OidcTokenCache {
  constructor(readonly keystore: Keystore) {}

  /** The token for `startUrl` if it is unexpired or can be refreshed, or undefined. */
  async get(startUrl: string, now = Date.now()): Promise<OidcToken | undefined> {
    let data: Uint8Array;
    try {
      data = (await this.keystore.get(oidcKey(startUrl))).data;
    } catch (err) {
      if (!(err instanceof ItemNotFoundError)) {
        debug(`Cannot read the OIDC token for ${startUrl}: ${(err as Error).message}`);
      }
      return undefined;
    }
    let token: OidcToken;
    try {
      token = decodeOidcToken(data, now);
    } catch (err) {
      debug(`Ignoring the unreadable OIDC token for ${startUrl}: ${(err as Error).message}`);
      return undefined;
    }
    const expired = token.expiration.getTime() <= now || token.accessToken === "";
    if (expired && !canRefresh(token, now)) {
      debug(`OIDC token for ${startUrl} expired, removing`);
      await this.remove(startUrl);
      return undefined;
    }
    return token;
  }

  /** Stores a token as it is (its expiration already set). */
  async put(startUrl: string, token: OidcToken): Promise<void> {
    await this.keystore.set(oidcTokenItem(startUrl, token));
  }

  /** Stores a token just issued for `expiresIn` seconds. */
  async set(
    startUrl: string,
    token: Omit<OidcToken, "expiration">,
    now = Date.now(),
  ): Promise<OidcToken> {
    const stored = { ...token, expiration: new Date(now + token.expiresIn * 1000) };
    await this.keystore.set(oidcTokenItem(startUrl, stored));
    return stored;
  }

  /** Deletes the token; false if there was none. */
  async remove(startUrl: string): Promise<boolean> {
    try {
      await this.keystore.remove(oidcKey(startUrl));
      return true;
    } catch (err) {
      if (err instanceof ItemNotFoundError) return false;
      throw err;
    }
  }
}

/** Whether `token` has a refresh token and a client registration that has not expired. */
export function canRefresh(token: OidcToken, now = Date.now()): boolean {
  return !!token.refreshToken && !!token.registration &&
    token.registration.expiresAt.getTime() > now;
}
