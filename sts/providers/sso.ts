/**
 * SSO (IAM Identity Center) role credentials, as aws-vault v7's SSORoleCredentialsProvider
 * (aws-vault's vault/ssorolecredentialsprovider.go): an OIDC access token (cached under
 * `oidc:<start url>`, else a new one from the device authorization flow), then
 * sso:GetRoleCredentials for sso_account_id / sso_role_name. A 401 with a cached token deletes it
 * and runs the flow once more.
 *
 * Differences from aws-vault, on purpose:
 * - SlowDownException adds 5 s to the poll interval and polling goes on (aws-vault returns it as
 *   an error); polling stops at the device code's expiry (`expiresIn`).
 * - The device flow runs under a cross-process lock per start URL and the token cache is read
 *   again inside it, so parallel invocations open one browser tab (aws-vault #1275, fork #337).
 * - `sso_registration_scopes` is sent to RegisterClient (as the fork does). Refresh tokens are
 *   not used and not stored.
 */
import type { CredentialsProvider } from "../../lib/credentials.ts";
import { UserError } from "../../lib/errors.ts";
import { formatDuration } from "../../lib/duration.ts";
import { debug, maskKey } from "../../lib/log.ts";
import { oidcKey } from "../../keystore/key_names.ts";
import type { OidcToken } from "../../keystore/oidc_token_item.ts";
import { goLocalTime } from "../../keystore/oidc_token_item.ts";
import { type LockOptions, withLock } from "../lock.ts";
import type { OidcTokenCache } from "../oidc_token_cache.ts";
import type { ProfileConfig } from "../config/profile_config.ts";
import type { FetchedCredentials } from "../session_cache.ts";
import type { CreatedToken, SsoClientOptions } from "../aws/sso_oidc_client.ts";
import type { Env } from "./sts_access.ts";

/** RFC 8628 defaults: the poll interval when none is given, and the slow_down increment. */
const DEFAULT_INTERVAL_MS = 5_000;
const SLOW_DOWN_INCREMENT_MS = 5_000;
/** When StartDeviceAuthorization gives no expiresIn (AWS gives 600 s). */
const DEFAULT_DEVICE_CODE_LIFETIME_S = 600;
/**
 * How long a second process waits for one that runs the device flow: longer than a device
 * code lives, so the waiter normally finds the new token instead of opening its own tab.
 */
export const SSO_LOCK_TIMEOUT_MS = 15 * 60_000;

/** What the provider needs besides the profile; the I/O hooks are for tests. */
export interface SsoProviderOptions {
  env: Env;
  /** The OIDC token cache; none when caching is disabled (rotate), as in aws-vault. */
  tokenCache?: OidcTokenCache;
  lock?: LockOptions;
  /** Writes the messages for the user (default: stderr). */
  notify?: (text: string) => void;
  /** Opens the verification URL (default: lib/browser.ts). */
  openBrowser?: (url: string) => Promise<void>;
  sleep?: (ms: number) => Promise<void>;
  /** The clock the device code's expiry is checked against (default Date.now). */
  now?: () => number;
  /** Client settings for tests (explicit endpoint, short retry delay). */
  client?: Partial<SsoClientOptions>;
}

interface TokenLookup {
  token: { accessToken: string };
  cached: boolean;
}

export class SsoRoleCredentialsProvider implements CredentialsProvider {
  constructor(readonly profile: ProfileConfig, readonly options: SsoProviderOptions) {}

  async retrieve(): Promise<FetchedCredentials> {
    const p = this.profile;
    const missing = [
      ...(p.ssoAccountId === "" ? ["sso_account_id"] : []),
      ...(p.ssoRoleName === "" ? ["sso_role_name"] : []),
    ];
    if (missing.length > 0) {
      throw new UserError(
        `profile ${p.name}: ${missing.join(" and ")} must be set to use sso_start_url`,
      );
    }
    return await this.#roleCredentials(true);
  }

  async #roleCredentials(retryOn401: boolean): Promise<FetchedCredentials> {
    const p = this.profile;
    const { token, cached } = await this.#oidcToken();
    // Loaded only when a call is made: `credential_process` start-up does not pay for them.
    const [{ SsoClient }, { AwsServiceError }] = await Promise.all([
      import("../aws/sso_client.ts"),
      import("../aws/error.ts"),
    ]);
    const sso = new SsoClient(this.#clientOptions());
    let creds;
    try {
      creds = await sso.getRoleCredentials({
        accessToken: token.accessToken,
        accountId: p.ssoAccountId,
        roleName: p.ssoRoleName,
      });
    } catch (err) {
      const cache = this.options.tokenCache;
      if (
        retryOn401 && cached && cache && err instanceof AwsServiceError && err.statusCode === 401
      ) {
        debug(`The cached OIDC token for ${p.ssoStartUrl} was refused (${err.code}), removing`);
        await cache.remove(p.ssoStartUrl);
        return await this.#roleCredentials(false);
      }
      throw err;
    }
    debug(
      `Got credentials ${
        maskKey(creds.accessKeyId)
      } for SSO role ${p.ssoRoleName} (account: ${p.ssoAccountId}), expires in ${
        formatDuration(Math.max(0, creds.expirationMs - Date.now()))
      }`,
    );
    return {
      accessKeyId: creds.accessKeyId,
      secretAccessKey: creds.secretAccessKey,
      sessionToken: creds.sessionToken,
      expiration: creds.expiration,
      // aws-vault builds this time from epoch milliseconds in the local zone, and stores it so.
      expirationText: goLocalTime(creds.expiration, true),
    };
  }

  /** A cached token, else a new one from the device flow (one flow at a time per start URL). */
  async #oidcToken(): Promise<TokenLookup> {
    const cache = this.options.tokenCache;
    const startUrl = this.profile.ssoStartUrl;
    if (!cache) return { token: await this.#newToken(), cached: false };
    const hit = await cache.get(startUrl);
    if (hit) return { token: hit, cached: true };
    return await withLock(oidcKey(startUrl), async () => {
      // Another process may have finished a device flow while we waited for the lock.
      const again = await cache.get(startUrl);
      if (again) return { token: again, cached: true };
      const created = await this.#newToken();
      try {
        await cache.set(startUrl, tokenToStore(created));
      } catch (err) {
        // The token is good for this run; the next run only has to log in again.
        debug(`Could not cache the OIDC token for ${startUrl}: ${(err as Error).message}`);
      }
      return { token: created, cached: false };
    }, { timeoutMs: SSO_LOCK_TIMEOUT_MS, env: this.options.env, ...this.options.lock });
  }

  /** The device authorization flow: register, authorize, show the URL, poll CreateToken. */
  async #newToken(): Promise<CreatedToken> {
    const p = this.profile;
    const [{ SsoOidcClient, DEVICE_CODE_GRANT_TYPE }, { AwsServiceError }] = await Promise.all([
      import("../aws/sso_oidc_client.ts"),
      import("../aws/error.ts"),
    ]);
    const oidc = new SsoOidcClient(this.#clientOptions());
    const scopes = p.ssoRegistrationScopes.split(",").map((s) => s.trim()).filter((s) => s);
    const client = await oidc.registerClient({
      clientName: "aws-vault",
      clientType: "public",
      scopes,
    });
    debug(
      `Created new OIDC client (expires at: ${
        client.clientSecretExpiresAt
          ? goLocalTime(new Date(client.clientSecretExpiresAt * 1000), false)
          : "unknown"
      })`,
    );
    const device = await oidc.startDeviceAuthorization({
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      startUrl: p.ssoStartUrl,
    });
    debug(`Created OIDC device code for ${p.ssoStartUrl} (expires in: ${device.expiresIn}s)`);
    await this.#showVerificationPage(device.verificationUriComplete);

    const lifetime = device.expiresIn > 0 ? device.expiresIn : DEFAULT_DEVICE_CODE_LIFETIME_S;
    const now = this.options.now ?? Date.now;
    const deadline = now() + lifetime * 1000;
    let interval = device.interval > 0 ? device.interval * 1000 : DEFAULT_INTERVAL_MS;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    for (;;) {
      try {
        const token = await oidc.createToken({
          clientId: client.clientId,
          clientSecret: client.clientSecret,
          grantType: DEVICE_CODE_GRANT_TYPE,
          deviceCode: device.deviceCode,
        });
        debug(
          `Created new OIDC access token for ${p.ssoStartUrl} (expires in: ${token.expiresIn}s)`,
        );
        return token;
      } catch (err) {
        if (!(err instanceof AwsServiceError)) throw err;
        if (err.code === "SlowDownException") {
          interval += SLOW_DOWN_INCREMENT_MS;
          debug(`SSO OIDC asked to slow down; polling every ${interval / 1000}s`);
        } else if (err.code !== "AuthorizationPendingException") {
          throw err;
        }
      }
      if (now() + interval >= deadline) {
        throw new UserError(
          `the SSO authorization for ${p.ssoStartUrl} was not approved within ${lifetime}s`,
        );
      }
      await sleep(interval);
    }
  }

  async #showVerificationPage(url: string): Promise<void> {
    const notify = this.options.notify ?? writeStderr;
    if (this.profile.ssoUseStdout) {
      notify(`Open the SSO authorization page in a browser (use Ctrl-C to abort)\n${url}\n`);
      return;
    }
    debug("Opening SSO authorization page in browser");
    notify(
      `Opening the SSO authorization page in your default browser (use Ctrl-C to abort)\n${url}\n`,
    );
    try {
      if (this.options.openBrowser) await this.options.openBrowser(url);
      else await (await import("../../lib/browser.ts")).openBrowser(url);
    } catch (err) {
      debug(`Failed to open browser: ${(err as Error).message}`);
    }
  }

  #clientOptions(): SsoClientOptions {
    return { profile: this.profile, env: this.options.env, ...this.options.client };
  }
}

/** What is cached of a new token: refresh tokens are never used, so they are not kept. */
function tokenToStore(created: CreatedToken): Omit<OidcToken, "expiration"> {
  return {
    accessToken: created.accessToken,
    expiresIn: created.expiresIn,
    idToken: created.idToken,
    refreshToken: null,
    tokenType: created.tokenType || "Bearer",
  };
}

function writeStderr(text: string): void {
  const bytes = new TextEncoder().encode(text);
  let written = 0;
  while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
}
