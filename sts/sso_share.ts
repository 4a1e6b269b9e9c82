/**
 * `exec --profile-env` for SSO profiles (the ByteNess fork's vault.SyncOIDCTokenToStandardCache):
 * the child resolves AWS_PROFILE itself, and for an SSO profile its SDK looks for the token in the
 * AWS CLI's cache, `~/.aws/sso/cache`. After the chain has made sure our token is valid, it is
 * copied there (atomically, 0600), so the child needs no `aws sso login`.
 */
import { debug } from "../lib/log.ts";
import type { Keystore } from "../keystore/keystore.ts";
import type { ProfileConfig } from "./config/profile_config.ts";
import { OidcTokenCache } from "./oidc_token_cache.ts";
import { cliTokenOf, ssoCliCacheDir, ssoCliCacheFile, writeSsoCliToken } from "./sso_cli_cache.ts";

/** The profile of the chain that signs in with SSO (itself or a source profile), if any. */
function ssoProfileOf(profile: ProfileConfig): ProfileConfig | undefined {
  for (let p: ProfileConfig | undefined = profile; p; p = p.sourceProfile) {
    if (p.ssoStartUrl !== "") return p;
  }
  return undefined;
}

/**
 * Writes the SSO token that `profile` uses to the AWS CLI's cache; returns the file written, or
 * undefined when the profile does not use SSO or no live token is stored.
 */
export async function shareSsoToken(
  profile: ProfileConfig,
  keystore: Keystore,
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): Promise<string | undefined> {
  const sso = ssoProfileOf(profile);
  if (!sso) return undefined;
  const token = await new OidcTokenCache(keystore).get(sso.ssoStartUrl);
  if (!token || token.expiration.getTime() <= Date.now()) {
    debug(`No live SSO token for ${sso.ssoStartUrl} to share with the AWS CLI's cache`);
    return undefined;
  }
  const dir = ssoCliCacheDir(env);
  if (!dir) return undefined;
  const path = await ssoCliCacheFile(dir, {
    ssoSession: sso.ssoSession,
    startUrl: sso.ssoStartUrl,
  });
  await writeSsoCliToken(path, cliTokenOf(sso.ssoStartUrl, sso.ssoRegion, token));
  debug(`Wrote the SSO token for ${sso.ssoStartUrl} to ${path} for the child's SDK`);
  return path;
}
