/**
 * SSO (IAM Identity Center) role credentials, as aws-vault v7's SSORoleCredentialsProvider
 * (aws-vault's vault/ssorolecredentialsprovider.go): an OIDC access token, then
 * sso:GetRoleCredentials for sso_account_id / sso_role_name. A 401 for a stored token makes one
 * more attempt with a refreshed or new token.
 *
 * Where the access token comes from, in order (the AWS CLI v2's rules, botocore tokens.py
 * SSOTokenProvider and utils.py SSOTokenFetcher/SSOTokenFetcherAuth):
 * 1. the keystore item `oidc:<start url>` or the AWS CLI's cache file (sts/sso_cli_cache.ts),
 *    whichever lasts longer, while it has 15 minutes left (botocore's refresh window), or until
 *    it expires when it cannot be refreshed;
 * 2. a refresh (CreateToken with `refresh_token`) with the refresh token and client registration
 *    stored with it; the rotated refresh token is stored at once;
 * 3. a login, only when there is nothing to refresh or the refresh was refused: the authorization
 *    code flow with PKCE (sts/sso_auth_code.ts) for `sso-session` profiles where a browser can be
 *    opened, else the device code flow (sts/sso_device_code.ts). A live client registration of
 *    the same kind and scopes is reused.
 * Steps 2 and 3 run under a cross-process lock per start URL, with the stores read again inside
 * it, so parallel invocations make one refresh or open one browser tab (aws-vault #1275, fork
 * #337). New tokens go to the keystore, and to the AWS CLI's cache file when that exists (or
 * AWS_VAULT_SSO_SHARED_CACHE=true), so `aws` and the SDKs keep working without `aws sso login`.
 *
 * `sso_registration_scopes` is sent to RegisterClient (as the fork does); `sso-session` profiles
 * default to `sso:account:access` (as the AWS CLI), which makes AWS issue refresh tokens.
 */
import type { CredentialsProvider } from "../../lib/credentials.ts";
import { UserError } from "../../lib/errors.ts";
import { formatDuration } from "../../lib/duration.ts";
import { debug, maskKey } from "../../lib/log.ts";
import { oidcKey } from "../../keystore/key_names.ts";
import type { OidcClientRegistration, OidcToken } from "../../keystore/oidc_token_item.ts";
import { goLocalTime } from "../../keystore/oidc_token_item.ts";
import { type LockOptions, withLock } from "../lock.ts";
import { canRefresh, type OidcTokenCache } from "../oidc_token_cache.ts";
import type { ProfileConfig } from "../config/profile_config.ts";
import type { FetchedCredentials } from "../session_cache.ts";
import type { SsoClientOptions, SsoOidcClient } from "../aws/sso_oidc_client.ts";
import type { LoginResult } from "../sso_auth_code.ts";
import type { Env } from "./sts_access.ts";
import { importAtRunTime } from "../../lib/lazy_import.ts";

/**
 * How long a second process waits for one that runs a login: longer than a device code lives,
 * so the waiter normally finds the new token instead of opening its own tab.
 */
export const SSO_LOCK_TIMEOUT_MS = 15 * 60_000;
/** botocore tokens.py SSOTokenProvider._REFRESH_WINDOW: refresh with less than this left. */
export const REFRESH_WINDOW_MS = 15 * 60_000;
/** The AWS CLI's default scope for sso-session profiles (SSOTokenFetcherAuth). */
const SSO_SESSION_DEFAULT_SCOPES = ["sso:account:access"];
/** A registration is reused only with this much left (the AWS CLI's expiry window). */
const REGISTRATION_MIN_TTL_MS = 15 * 60_000;

const STDOUT_PROMPT = "Open the SSO authorization page in a browser (use Ctrl-C to abort)\n";
const BROWSER_PROMPT =
  "Opening the SSO authorization page in your default browser (use Ctrl-C to abort)\n";

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
  /** The AWS CLI's SSO cache directory (default `~/.aws/sso/cache`; null: not used). */
  cliCacheDir?: string | null;
  /** How long the authorization code flow waits for the browser (default 10 minutes). */
  callbackTimeoutMs?: number;
}

/** A stored token and where it came from. */
interface StoredToken extends OidcToken {
  source: "keystore" | "aws-cli";
}

interface TokenLookup {
  token: OidcToken;
  /** It came from a store (so a 401 means it went stale), rather than just issued. */
  stored: boolean;
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
    return await this.#roleCredentials();
  }

  /** `refused`: an access token the portal answered 401 for, not to be used again. */
  async #roleCredentials(refused?: string): Promise<FetchedCredentials> {
    const p = this.profile;
    const { token, stored } = await this.#oidcToken(refused);
    // Loaded only when a call is made: `credential_process` start-up does not pay for them.
    const [{ SsoClient }, { AwsServiceError }] = await Promise.all([
      importAtRunTime<typeof import("../aws/sso_client.ts")>("sts/aws/sso_client.ts"),
      importAtRunTime<typeof import("../aws/error.ts")>("sts/aws/error.ts"),
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
      if (
        refused === undefined && stored && err instanceof AwsServiceError && err.statusCode === 401
      ) {
        debug(`The stored OIDC token for ${p.ssoStartUrl} was refused (${err.code})`);
        return await this.#roleCredentials(token.accessToken);
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

  /** A stored token, else a refreshed one, else a new login (one at a time per start URL). */
  async #oidcToken(refused?: string): Promise<TokenLookup> {
    const cache = this.options.tokenCache;
    const startUrl = this.profile.ssoStartUrl;
    if (!cache) return { token: this.#issued(await this.#login([])), stored: false };
    const now = this.options.now ?? Date.now;
    const ready = this.#ready(await this.#storedTokens(), refused, now());
    if (ready) return { token: ready, stored: true };
    return await withLock(oidcKey(startUrl), async () => {
      // Another process may have refreshed or logged in while we waited for the lock.
      const tokens = await this.#storedTokens();
      const again = this.#ready(tokens, refused, now());
      if (again) return { token: again, stored: true };
      for (const candidate of tokens.filter((t) => canRefresh(t, now()))) {
        const refreshed = await this.#refresh(candidate);
        if (refreshed) {
          await this.#save(refreshed);
          return { token: refreshed, stored: false };
        }
      }
      // Refused, or nothing to refresh: a token with time left is still used, as botocore does.
      const usable = best(tokens, refused, now());
      if (usable) return { token: usable, stored: true };
      const token = this.#issued(await this.#login(tokens));
      await this.#save(token);
      return { token, stored: false };
    }, { timeoutMs: SSO_LOCK_TIMEOUT_MS, env: this.options.env, ...this.options.lock });
  }

  /** The longest-lived stored token if it needs no refresh yet. */
  #ready(tokens: StoredToken[], refused: string | undefined, now: number): OidcToken | undefined {
    const t = best(tokens, refused, now);
    if (!t) return undefined;
    const left = t.expiration.getTime() - now;
    return left >= REFRESH_WINDOW_MS || !canRefresh(t, now) ? t : undefined;
  }

  /** The keystore's token and the AWS CLI's, longest-lived first. */
  async #storedTokens(): Promise<StoredToken[]> {
    const [own, cli] = await Promise.all([
      this.options.tokenCache!.get(this.profile.ssoStartUrl),
      this.#cliToken(),
    ]);
    const tokens: StoredToken[] = [];
    if (own) tokens.push({ ...own, source: "keystore" });
    if (cli) tokens.push(cli);
    return tokens.sort((a, b) => b.expiration.getTime() - a.expiration.getTime());
  }

  async #cliCachePath(): Promise<string | undefined> {
    const { ssoCliCacheDir, ssoCliCacheFile } = await importAtRunTime<
      typeof import("../sso_cli_cache.ts")
    >("sts/sso_cli_cache.ts");
    const dir = this.options.cliCacheDir === undefined
      ? ssoCliCacheDir(this.options.env)
      : this.options.cliCacheDir;
    if (!dir) return undefined;
    const p = this.profile;
    return await ssoCliCacheFile(dir, { ssoSession: p.ssoSession, startUrl: p.ssoStartUrl });
  }

  /** The AWS CLI's cached token for this sso-session (or legacy start URL), if it is ours. */
  async #cliToken(): Promise<StoredToken | undefined> {
    const path = await this.#cliCachePath();
    if (!path) return undefined;
    const { readSsoCliToken } = await importAtRunTime<typeof import("../sso_cli_cache.ts")>(
      "sts/sso_cli_cache.ts",
    );
    const t = readSsoCliToken(path);
    if (!t) return undefined;
    if (t.startUrl !== "" && t.startUrl !== this.profile.ssoStartUrl) {
      debug(`Ignoring the AWS CLI's SSO cache ${path}: it is for another start URL`);
      return undefined;
    }
    debug(`Found the AWS CLI's SSO token in ${path}`);
    return {
      source: "aws-cli",
      accessToken: t.accessToken,
      expiresIn: Math.trunc((t.expiresAt.getTime() - Date.now()) / 1000),
      idToken: null,
      refreshToken: t.refreshToken ?? null,
      tokenType: "Bearer",
      expiration: t.expiresAt,
      ...(t.clientId && t.clientSecret && t.registrationExpiresAt
        ? {
          registration: {
            clientId: t.clientId,
            clientSecret: t.clientSecret,
            expiresAt: t.registrationExpiresAt,
            scopes: [],
            grantTypes: [],
          },
        }
        : {}),
    };
  }

  /** CreateToken with the refresh token; undefined when the refresh is refused (4xx). */
  async #refresh(t: StoredToken): Promise<OidcToken | undefined> {
    const [{ AwsServiceError }, oidc] = await Promise.all([
      importAtRunTime<typeof import("../aws/error.ts")>("sts/aws/error.ts"),
      this.#oidcClient(),
    ]);
    const registration = t.registration!;
    try {
      const created = await oidc.createToken({
        clientId: registration.clientId,
        clientSecret: registration.clientSecret,
        grantType: "refresh_token",
        refreshToken: t.refreshToken!,
      });
      debug(
        `Refreshed the OIDC access token for ${this.profile.ssoStartUrl} (from the ${
          t.source === "aws-cli" ? "AWS CLI's cache" : "keystore"
        }, expires in: ${created.expiresIn}s)`,
      );
      return this.#issued({
        // AWS rotates refresh tokens; when it does not, the old one stays valid.
        token: { ...created, refreshToken: created.refreshToken ?? t.refreshToken },
        registration,
      });
    } catch (err) {
      if (err instanceof AwsServiceError && err.statusCode >= 400 && err.statusCode < 500) {
        debug(
          `The refresh of the OIDC token for ${this.profile.ssoStartUrl} was refused (${err.code})`,
        );
        return undefined;
      }
      throw err;
    }
  }

  /** A token as stored: expiry from now, the registration kept with it. */
  #issued(result: LoginResult): OidcToken {
    const { token, registration } = result;
    const now = (this.options.now ?? Date.now)();
    return {
      accessToken: token.accessToken,
      expiresIn: token.expiresIn,
      idToken: token.idToken,
      refreshToken: token.refreshToken,
      tokenType: token.tokenType || "Bearer",
      expiration: new Date(now + token.expiresIn * 1000),
      registration,
    };
  }

  /** Stores a new token in the keystore and, when it exists or is asked for, the AWS CLI cache. */
  async #save(token: OidcToken): Promise<void> {
    const startUrl = this.profile.ssoStartUrl;
    try {
      await this.options.tokenCache!.put(startUrl, token);
    } catch (err) {
      // The token is good for this run; the next run only has to log in again.
      debug(`Could not cache the OIDC token for ${startUrl}: ${(err as Error).message}`);
    }
    const path = await this.#cliCachePath();
    if (!path) return;
    const { cliTokenOf, ssoCliTokenExists, writeSsoCliToken } = await importAtRunTime<
      typeof import("../sso_cli_cache.ts")
    >("sts/sso_cli_cache.ts");
    const shared = /^true$/i.test(this.options.env("AWS_VAULT_SSO_SHARED_CACHE") ?? "");
    if (!shared && !(await ssoCliTokenExists(path))) return;
    try {
      await writeSsoCliToken(path, cliTokenOf(startUrl, this.profile.ssoRegion, token));
      debug(`Updated the AWS CLI's SSO cache ${path}`);
    } catch (err) {
      debug(`Could not update the AWS CLI's SSO cache ${path}: ${(err as Error).message}`);
    }
  }

  /** A new token from the browser: the authorization code flow or the device code flow. */
  async #login(stored: StoredToken[]): Promise<LoginResult> {
    const p = this.profile;
    const oidc = await this.#oidcClient();
    const scopes = this.#scopes();
    const deviceReason = await this.#deviceCodeReason();
    const authCode = deviceReason === undefined;
    const now = (this.options.now ?? Date.now)();
    // Only our own registrations: the AWS CLI's file does not say how its client was registered.
    const registration = stored.filter((t) => t.source === "keystore")
      .map((t) => t.registration)
      .find((r): r is OidcClientRegistration =>
        !!r && r.expiresAt.getTime() - now > REGISTRATION_MIN_TTL_MS &&
        sameSet(r.scopes, scopes) && r.grantTypes.includes("authorization_code") === authCode
      );
    if (registration) debug(`Reusing the OIDC client registered for ${p.ssoStartUrl}`);
    const common = {
      oidc,
      startUrl: p.ssoStartUrl,
      scopes,
      registration,
      show: (url: string) => this.#showVerificationPage(url),
    };
    let result: LoginResult;
    if (authCode) {
      debug(`Logging in to ${p.ssoStartUrl} with the authorization code flow (PKCE)`);
      const { authorizationCodeLogin } = await importAtRunTime<
        typeof import("../sso_auth_code.ts")
      >("sts/sso_auth_code.ts");
      result = await authorizationCodeLogin({
        ...common,
        timeoutMs: this.options.callbackTimeoutMs,
      });
    } else {
      debug(`Logging in to ${p.ssoStartUrl} with the device code flow: ${deviceReason}`);
      const { deviceCodeLogin } = await importAtRunTime<typeof import("../sso_device_code.ts")>(
        "sts/sso_device_code.ts",
      );
      result = await deviceCodeLogin({
        ...common,
        sleep: this.options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms))),
        now: this.options.now ?? Date.now,
      });
    }
    debug(
      `Created new OIDC access token for ${p.ssoStartUrl} (expires in: ${result.token.expiresIn}s)`,
    );
    return result;
  }

  /** Why the device code flow is used, or undefined for the authorization code flow. */
  async #deviceCodeReason(): Promise<string | undefined> {
    const p = this.profile;
    // The AWS CLI uses the authorization code flow for sso-session profiles only.
    if (p.ssoSession === "") return "the profile has no sso_session";
    // The flag's default comes from AWS_VAULT_SSO_USE_DEVICE_CODE (cmd/export.ts), so that
    // `--no-use-device-code` overrides the variable.
    if (p.ssoUseDeviceCode) {
      return "asked for with --use-device-code or AWS_VAULT_SSO_USE_DEVICE_CODE";
    }
    const { browserUnavailableReason } = await importAtRunTime<
      typeof import("../../lib/browser.ts")
    >("lib/browser.ts");
    return browserUnavailableReason(this.options.env);
  }

  #scopes(): string[] {
    const p = this.profile;
    const scopes = p.ssoRegistrationScopes.split(",").map((s) => s.trim()).filter((s) => s);
    return scopes.length === 0 && p.ssoSession !== "" ? [...SSO_SESSION_DEFAULT_SCOPES] : scopes;
  }

  async #oidcClient(): Promise<SsoOidcClient> {
    const { SsoOidcClient } = await importAtRunTime<typeof import("../aws/sso_oidc_client.ts")>(
      "sts/aws/sso_oidc_client.ts",
    );
    return new SsoOidcClient(this.#clientOptions());
  }

  async #showVerificationPage(url: string): Promise<void> {
    const notify = this.options.notify ?? writeStderr;
    if (this.profile.ssoUseStdout) {
      notify(`${STDOUT_PROMPT}${url}\n`);
      return;
    }
    debug("Opening SSO authorization page in browser");
    notify(`${BROWSER_PROMPT}${url}\n`);
    try {
      const open = this.options.openBrowser ?? (await importAtRunTime<
        typeof import("../../lib/browser.ts")
      >("lib/browser.ts")).openBrowser;
      await open(url);
    } catch (err) {
      debug(`Failed to open browser: ${(err as Error).message}`);
    }
  }

  #clientOptions(): SsoClientOptions {
    return { profile: this.profile, env: this.options.env, ...this.options.client };
  }
}

/** The longest-lived token that has not expired and was not refused. */
function best(tokens: StoredToken[], refused: string | undefined, now: number) {
  return tokens.find((t) =>
    t.accessToken !== "" && t.accessToken !== refused && t.expiration.getTime() > now
  );
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function writeStderr(text: string): void {
  const bytes = new TextEncoder().encode(text);
  let written = 0;
  while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
}
