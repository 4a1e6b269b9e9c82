/**
 * aws-vault's provider chain (vault/vault.go), decision for decision as v7.2.0: which provider
 * serves a profile, when GetSessionToken is used or skipped, chained MFA, and which results are
 * cached. Building the chain reads the keystore's key list once and makes no AWS call; the
 * providers call AWS (and ask for MFA codes) only in retrieve().
 */
import type { Credentials, CredentialsProvider } from "../lib/credentials.ts";
import { UserError } from "../lib/errors.ts";
import { debug } from "../lib/log.ts";
import { formatDuration as formatDurationForLog } from "../lib/duration.ts";
import type { Keystore } from "../keystore/keystore.ts";
import type { AwsConfigFile } from "./config/config.ts";
import { resolveProfile } from "./config/profile_resolve.ts";
import type { ProfileBaseConfig, ProfileConfig } from "./config/profile_config.ts";
import type { SessionStore } from "./session_cache.ts";
import { isMasterCredentialsProvider, MasterCredentialsProvider } from "./providers/master.ts";
import type { Env } from "./providers/sts_access.ts";
import type { LockOptions } from "./lock.ts";
import { importAtRunTime } from "../lib/lazy_import.ts";
import type { SessionType } from "../keystore/key_names.ts";

/**
 * Imports sts/<module> only when a profile needs it (lib/lazy_import.ts: a literal import() would
 * make `deno run` walk the STS and SSO clients on every start).
 */
function load<T>(module: string): Promise<T> {
  return importAtRunTime<T>(`sts/${module}`);
}

/** AWS refuses role chaining (a role assumed with temporary credentials) beyond 1h. */
export const ROLE_CHAINING_MAXIMUM_MS = 3_600_000;

export interface CredentialsRequest {
  config: AwsConfigFile;
  profileName: string;
  base: ProfileBaseConfig;
  keystore: Keystore;
  /** --no-session: never use GetSessionToken. */
  noSession: boolean;
  /** rotate: never read or write cached sessions. */
  disableCache?: boolean;
  /** login: GetSessionToken is not used for this profile (its sources may still use it). */
  disableSessionsForProfile?: string;
  env?: Env;
}

export interface CredentialsChain {
  profile: ProfileConfig;
  provider: CredentialsProvider;
}

/** Resolves the profile and builds its provider chain (no AWS call yet). */
export async function getCredentialsProvider(req: CredentialsRequest): Promise<CredentialsChain> {
  const env: Env = req.env ?? ((n) => Deno.env.get(n));
  if (req.base.mfaPromptMethod !== "") {
    const { validatePromptDriver } = await load<typeof import("./mfa/prompt_choice.ts")>(
      "mfa/prompt_choice.ts",
    );
    validatePromptDriver(req.base.mfaPromptMethod, env);
  }
  const storedKeys = new Set(await req.keystore.keys());
  if (!req.config.hasProfile(req.profileName) && !storedKeys.has(req.profileName)) {
    throw new UserError(
      `profile ${req.profileName} not found in ${req.config.path} and no credentials stored for it`,
    );
  }
  const profile = resolveProfile(req.config, req.profileName, req.base, env);
  const builder = new ChainBuilder({
    keystore: req.keystore,
    storedKeys,
    disableSessions: req.noSession,
    disableCache: req.disableCache ?? false,
    disableSessionsForProfile: req.disableSessionsForProfile ?? "",
    env,
  });
  return { profile, provider: await builder.providerFor(profile) };
}

export interface ChainOptions {
  keystore: Keystore;
  /** Keys present in the keystore (read once per chain, shared with the session cache). */
  storedKeys: Set<string>;
  disableSessions: boolean;
  disableCache: boolean;
  disableSessionsForProfile: string;
  env: Env;
}

/**
 * aws-vault's TempCredentialsCreator: builds providers, remembering the chained MFA serial.
 * Each provider module is imported only when the chain uses it, so that the common paths (stored
 * keys with --no-session, a cached session) do not load STS, SSO and process-running code.
 */
export class ChainBuilder {
  /** The serial used by a GetSessionToken further down the chain being built. */
  private chainedMfa = "";
  private store?: SessionStore;

  constructor(readonly options: ChainOptions) {}

  /**
   * vault/vault.go GetProviderForProfile: stored/source path, else SSO, else web identity, else
   * credential_process.
   */
  async providerFor(top: ProfileConfig): Promise<CredentialsProvider> {
    // Down the source_profile chain to the profile whose credentials start it (stored keys, or no
    // source), then back up, wrapping each step. A loop, not recursion: a 3,000-deep chain
    // overflowed the stack (issue 10).
    const above: ProfileConfig[] = [];
    let p = top;
    while (!this.options.storedKeys.has(p.name) && p.sourceProfile) {
      above.push(p);
      p = p.sourceProfile;
    }
    let provider: CredentialsProvider;
    if (this.options.storedKeys.has(p.name)) {
      debug(`profile ${p.name}: using stored credentials`);
      provider = await this.withSession(
        p,
        new MasterCredentialsProvider(this.options.keystore, p.name),
      );
    } else {
      provider = await this.firstProvider(p);
    }
    for (let i = above.length - 1; i >= 0; i--) {
      provider = await this.withSession(above[i], provider);
    }
    return provider;
  }

  /** The credentials of a profile with neither stored keys nor a source profile. */
  private async firstProvider(p: ProfileConfig): Promise<CredentialsProvider> {
    if (p.ssoStartUrl !== "") {
      debug(`profile ${p.name}: using SSO role credentials`);
      return await this.sso(p);
    }
    if (p.webIdentityTokenFile !== "" || p.webIdentityTokenProcess !== "") {
      debug(`profile ${p.name}: using web identity`);
      return await this.cached(
        async () => {
          const { WebIdentityProvider } = await load<
            typeof import("./providers/web_identity.ts")
          >("providers/web_identity.ts");
          return new WebIdentityProvider(p, this.options.env);
        },
        "sts.AssumeRoleWithWebIdentity",
        p.name,
        "",
      );
    }
    if (p.credentialProcess !== "") {
      debug(`profile ${p.name}: using credential process`);
      return await this.cached(
        async () => {
          const { CredentialProcessProvider } = await load<
            typeof import("./providers/credential_process.ts")
          >("providers/credential_process.ts");
          return new CredentialProcessProvider(p.credentialProcess);
        },
        "credential_process",
        p.name,
        "",
      );
    }
    throw new UserError(`profile ${p.name}: credentials missing`);
  }

  /**
   * vault/vault.go getSourceCredWithSession: AssumeRole or GetSessionToken on top of the source
   * credentials.
   */
  private async withSession(
    p: ProfileConfig,
    source: CredentialsProvider,
  ): Promise<CredentialsProvider> {
    if (p.roleArn !== "") {
      const chainedMfa = p.mfaSerial !== "" && p.mfaSerial === this.chainedMfa;
      const serial = chainedMfa ? "" : p.mfaSerial;
      debug(`profile ${p.name}: using AssumeRole${mfaDetails(chainedMfa, serial)}`);
      const assumeRole = async () => {
        const { AssumeRoleProvider } = await load<typeof import("./providers/assume_role.ts")>(
          "providers/assume_role.ts",
        );
        return new AssumeRoleProvider(source, p, serial, this.options.env);
      };
      // aws-vault caches a role session only when it was made with MFA.
      return serial !== ""
        ? await this.cached(assumeRole, "sts.AssumeRole", p.name, serial)
        : await assumeRole();
    }

    if (isMasterCredentialsProvider(source)) {
      const reason = this.cannotUseGetSessionToken(p);
      if (reason === undefined) {
        this.chainedMfa = p.mfaSerial;
        debug(`profile ${p.name}: using GetSessionToken${mfaDetails(false, p.mfaSerial)}`);
        const duration = p.chainedFromProfile
          ? p.chainedGetSessionTokenDuration
          : p.nonChainedGetSessionTokenDuration;
        return await this.cached(
          async () => {
            const { SessionTokenProvider } = await load<
              typeof import("./providers/session_token.ts")
            >("providers/session_token.ts");
            return new SessionTokenProvider(source, p, duration, this.options.env);
          },
          "sts.GetSessionToken",
          p.name,
          p.mfaSerial,
        );
      }
      debug(`profile ${p.name}: skipping GetSessionToken because ${reason}`);
    }
    return source;
  }

  /** vault/vault.go canUseGetSessionToken: undefined when allowed, else aws-vault's reason. */
  cannotUseGetSessionToken(p: ProfileConfig): string | undefined {
    if (this.options.disableSessions) return "sessions are disabled";
    if (this.options.disableSessionsForProfile === p.name) {
      return "sessions are disabled for this profile";
    }
    const parent = p.chainedFromProfile;
    if (parent) {
      if (parent.mfaSerial === "") return `profile '${parent.name}' has no MFA serial defined`;
      if (p.mfaSerial === "") return `profile '${p.name}' has no MFA serial defined`;
      if (parent.mfaSerial !== p.mfaSerial) {
        return `MFA serial doesn't match profile '${parent.name}'`;
      }
      if (parent.assumeRoleDuration > ROLE_CHAINING_MAXIMUM_MS) {
        return `duration ${
          formatDurationForLog(parent.assumeRoleDuration)
        } in profile '${parent.name}' ` +
          `is greater than the AWS maximum ${
            formatDurationForLog(ROLE_CHAINING_MAXIMUM_MS)
          } for chaining MFA`;
      }
    }
    return undefined;
  }

  /**
   * vault/ssorolecredentialsprovider.go: SSO role credentials, cached as `sso.GetRoleCredentials`
   * with the start URL in the serial's place. Without the cache (rotate) the OIDC token is not
   * cached either, as upstream.
   */
  private async sso(p: ProfileConfig): Promise<CredentialsProvider> {
    const env = this.options.env;
    const { SSO_LOCK_TIMEOUT_MS, SsoRoleCredentialsProvider } = await load<
      typeof import("./providers/sso.ts")
    >("providers/sso.ts");
    if (this.options.disableCache) return new SsoRoleCredentialsProvider(p, { env });
    const { OidcTokenCache } = await load<typeof import("./oidc_token_cache.ts")>(
      "oidc_token_cache.ts",
    );
    const provider = new SsoRoleCredentialsProvider(p, {
      env,
      tokenCache: new OidcTokenCache(this.options.keystore),
    });
    return await this.cached(
      () => Promise.resolve(provider),
      "sso.GetRoleCredentials",
      p.name,
      p.ssoStartUrl,
      {
        env,
        // A waiter must outlast the other process's device flow (a person approving in a browser).
        timeoutMs: SSO_LOCK_TIMEOUT_MS,
      },
    );
  }

  /**
   * The session cache in front of the provider `make` builds. `make`, and so the import of the
   * provider's module with the STS client, MFA prompts or process-running code behind it, runs
   * only on a cache miss: a cached `credential_process` call loads none of that.
   */
  private async cached(
    make: () => Promise<CredentialsProvider>,
    type: SessionType,
    profileName: string,
    mfaSerial: string,
    lock: LockOptions = { env: this.options.env },
  ): Promise<CredentialsProvider> {
    if (this.options.disableCache) return await make();
    const { CachedSessionProvider, minTtlFromEnv, SessionStore } = await load<
      typeof import("./session_cache.ts")
    >("session_cache.ts");
    this.store ??= new SessionStore(this.options.keystore, [...this.options.storedKeys]);
    return new CachedSessionProvider({
      store: this.store,
      meta: { type, profileName, mfaSerial },
      provider: new DeferredProvider(make),
      minTtlMs: minTtlFromEnv(this.options.env),
      lock,
    });
  }
}

/** A provider built on its first retrieve() (see ChainBuilder.cached). */
export class DeferredProvider implements CredentialsProvider {
  private built?: Promise<CredentialsProvider>;

  constructor(private readonly make: () => Promise<CredentialsProvider>) {}

  /** The provider, built (and its module imported) on the first call. */
  provider(): Promise<CredentialsProvider> {
    return this.built ??= this.make();
  }

  async retrieve(): Promise<Credentials> {
    return await (await this.provider()).retrieve();
  }
}

function mfaDetails(chained: boolean, serial: string): string {
  if (chained) return " (chained MFA)";
  return serial !== "" ? " (with MFA)" : "";
}
