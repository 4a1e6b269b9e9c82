/**
 * `aws-vault clear [profile]` (aws-vault's cli/clear.go): removes cached sessions (and SSO OIDC
 * tokens). Without a profile: legacy and expired sessions, then every session, then every OIDC
 * token. With a profile: its sessions and the OIDC token of its sso_start_url. aws-vault v7.2.0
 * never removes that token because of its `Has()` bug (it compares the URL with `oidc:`-prefixed
 * keys); we remove it, as the maintained fork does.
 */
import type { ArgSpec, FlagSpec } from "./parser.ts";
import type { CommandContext } from "./command.ts";
import { openCommandKeystore } from "./open_keystore.ts";
import * as configModule from "../sts/config/config.ts";
import { resolvedSsoStartUrl } from "../sts/config/profile_resolve.ts";
import { SessionStore } from "../sts/session_cache.ts";

export const flags: FlagSpec[] = [];

export const args: ArgSpec[] = [
  { name: "profile", help: "Name of the profile" },
];

export async function run(ctx: CommandContext): Promise<number> {
  const config = await configModule.loadConfigFile();
  const keystore = await openCommandKeystore(ctx.global);
  const store = new SessionStore(keystore);
  const profileName = ctx.args.profile ?? "";
  let removed: number;
  if (profileName === "") {
    removed = await store.removeAll();
    removed += await store.removeAllOidcTokens();
  } else {
    removed = await store.removeForProfile(profileName);
    const startUrl = resolvedSsoStartUrl(config, profileName);
    if (startUrl !== "" && await store.removeOidcToken(startUrl)) removed++;
  }
  console.log(`Cleared ${removed} sessions.`);
  return 0;
}
