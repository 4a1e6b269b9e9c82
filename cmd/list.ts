/**
 * `aws-vault list` (alias `ls`): profiles from the config with their stored credentials and cached
 * sessions, in aws-vault's tabwriter table. Only key names are enumerated, so nothing is
 * decrypted and the file backend never asks for its passphrase.
 */
import { formatDuration } from "../lib/duration.ts";
import {
  isMasterCredentialsKey,
  isOidcKey,
  OIDC_PREFIX,
  parseSessionKey,
  type SessionKey,
} from "../keystore/key_names.ts";
import { ssoStartUrlsByProfile } from "../sts/config/sso_start_urls.ts";
import type { CommandContext } from "./command.ts";
import type { ArgSpec, FlagSpec } from "./parser.ts";
import { openCommandKeystore } from "./open_keystore.ts";
import { renderTable } from "./tab_writer.ts";
import { printOut } from "./output.ts";
import { type AwsConfigFile, loadConfigFile } from "../sts/config/config.ts";

export const flags: FlagSpec[] = [
  { name: "profiles", kind: "bool", help: "Show only the profile names" },
  { name: "sessions", kind: "bool", help: "Show only the session names" },
  { name: "credentials", kind: "bool", help: "Show only the profiles with stored credential" },
];

export const args: ArgSpec[] = [];

export async function run(ctx: CommandContext): Promise<number> {
  const keystore = await openCommandKeystore(ctx.global);
  const config = await loadConfigFile();

  const keys = await keystore.keys();
  const credentialNames = keys.filter(isMasterCredentialsKey);
  const oidcUrls = keys.filter(isOidcKey).map((k) => k.slice(OIDC_PREFIX.length));
  const sessions = keys.map(parseSessionKey).filter((s): s is SessionKey => s !== undefined);
  const now = Date.now();

  // --credentials, then --profiles, then --sessions, as aws-vault checks them.
  if (ctx.flags.bool("credentials")) return await printLines(credentialNames);
  if (ctx.flags.bool("profiles")) return await printLines(config.profileNames());
  if (ctx.flags.bool("sessions")) {
    return await printLines([
      ...oidcUrls.map((u) => OIDC_PREFIX + u),
      ...sessions.map((s) => sessionLabel(s, now)),
    ]);
  }

  await printOut(renderTable(tableRows(config, credentialNames, oidcUrls, sessions, now), {
    minWidth: 25,
    padding: 2,
  }));
  return 0;
}

/**
 * The table: every config profile with its credential and sessions, then stored credentials
 * without a profile row, then sessions and OIDC tokens not shown yet.
 */
export function tableRows(
  config: AwsConfigFile,
  credentialNames: string[],
  oidcUrls: string[],
  sessions: SessionKey[],
  now: number,
): string[][] {
  const rows = [["Profile", "Credentials", "Sessions"], ["=======", "===========", "========"]];
  const profileNames = config.profileNames();
  const profileSet = new Set(profileNames);
  const credentialSet = new Set(credentialNames);
  const storedOidc = new Set(oidcUrls);
  // Linear in profiles, keys and chain lengths: 20,000 profiles took 13 s when each row searched
  // every list and resolved its profile from scratch (issue 10).
  const startUrls = storedOidc.size > 0 ? ssoStartUrlsByProfile(config) : new Map<string, string>();
  const sessionsByProfile = new Map<string, SessionKey[]>();
  for (const s of sessions) {
    const list = sessionsByProfile.get(s.profileName);
    if (list) list.push(s);
    else sessionsByProfile.set(s.profileName, [s]);
  }
  const shownSessions = new Set<SessionKey>();
  const shownOidc = new Set<string>();

  for (const profileName of profileNames) {
    const labels: string[] = [];
    // aws-vault v7.2.0 never shows a token here (its OIDC Has() looks up the wrong key); we show
    // the token of the profile's own start URL, as the maintained fork does.
    const startUrl = startUrls.get(profileName) ?? "";
    if (startUrl !== "" && storedOidc.has(startUrl)) {
      labels.push(OIDC_PREFIX + startUrl);
      shownOidc.add(startUrl);
    }
    for (const s of sessionsByProfile.get(profileName) ?? []) {
      labels.push(sessionLabel(s, now));
      shownSessions.add(s);
    }
    rows.push([
      profileName,
      credentialSet.has(profileName) ? profileName : "-",
      labels.length > 0 ? labels.join(", ") : "-",
    ]);
  }
  for (const name of credentialNames) {
    if (!profileSet.has(name)) rows.push(["-", name, "-"]);
  }
  for (const url of oidcUrls) {
    if (!shownOidc.has(url)) rows.push(["-", "-", OIDC_PREFIX + url]);
  }
  for (const s of sessions) {
    if (!shownSessions.has(s)) rows.push(["-", "-", sessionLabel(s, now)]);
  }
  return rows;
}

/**
 * `<Type>:<time to expiry truncated to seconds>`, e.g. `sts.GetSessionToken:59m59s`, or
 * `<Type>:expired`. aws-vault prints a negative time for an expired session (`-3m10s`), which
 * users read as a bug (99designs #125, #320, #359). `list` only reads key names, so it deletes
 * nothing: the next command that reads or writes sessions removes expired ones.
 */
export function sessionLabel(session: SessionKey, now: number): string {
  const remainingMs = session.expiration * 1000 - now;
  if (remainingMs <= 0) return `${session.type}:expired`;
  return `${session.type}:${formatDuration(Math.trunc(remainingMs / 1000) * 1000)}`;
}

async function printLines(lines: string[]): Promise<number> {
  await printOut(lines.map((l) => l + "\n").join(""));
  return 0;
}
