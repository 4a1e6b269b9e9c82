/**
 * The AWS CLI's SSO token cache, `~/.aws/sso/cache/<sha1>.json`, as botocore writes and reads it
 * (botocore/utils.py SSOTokenLoader and SSOTokenFetcher, botocore/tokens.py SSOTokenProvider) and
 * as the AWS SDKs read it (the JavaScript SDK's `fromSSO`, Go's ssocreds):
 *
 *   {"startUrl": "...", "region": "eu-west-1", "accessToken": "...",
 *    "expiresAt": "2024-01-01T12:00:00Z", "refreshToken": "...", "clientId": "...",
 *    "clientSecret": "...", "registrationExpiresAt": "2024-03-01T12:00:00Z"}
 *
 * The file name is the SHA-1 (hex) of the `sso-session` name, or of the start URL for a profile
 * with `sso_start_url` of its own ("legacy"). Times are ISO-8601 UTC ending in `Z`, without
 * fractions (botocore's `%Y-%m-%dT%H:%M:%SZ`). The refresh token is only usable together with the
 * client (`clientId`, `clientSecret`) that it was issued to.
 *
 * This module only reads and writes the files; when to use them is the SSO provider's business.
 * `exec` can use it to put a token where the SDKs look for it.
 */
import { debug } from "../lib/log.ts";
import { parseJsonObject } from "../lib/json_object.ts";
import type { OidcToken } from "../keystore/oidc_token_item.ts";
import { randomHex, writeFileAtomically } from "../lib/atomic_file.ts";
import { readRegularFileSync } from "../lib/regular_file.ts";

/** botocore writes well under 4 KiB; anything far larger is not a token file. */
const MAX_FILE_BYTES = 64 * 1024;

/** A token in the AWS CLI's cache. */
export interface SsoCliToken {
  startUrl: string;
  region: string;
  accessToken: string;
  expiresAt: Date;
  refreshToken?: string;
  clientId?: string;
  clientSecret?: string;
  registrationExpiresAt?: Date;
}

/** Which cache file: sso-session profiles by session name, legacy profiles by start URL. */
export interface SsoCliCacheKey {
  /** The profile's `sso_session`, or "" for a legacy profile. */
  ssoSession: string;
  startUrl: string;
}

/** `~/.aws/sso/cache` (botocore expands `~`: HOME, else USERPROFILE), or undefined without one. */
export function ssoCliCacheDir(
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): string | undefined {
  const home = env("HOME") || env("USERPROFILE");
  return home ? `${home}/.aws/sso/cache` : undefined;
}

/** The cache file for `key` in `dir`: `<sha1 hex>.json`. */
export async function ssoCliCacheFile(dir: string, key: SsoCliCacheKey): Promise<string> {
  const input = key.ssoSession !== "" ? key.ssoSession : key.startUrl;
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(input));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  return `${dir}/${hex}.json`;
}

/**
 * Reads a cache file. Undefined when it does not exist, or (logged with --debug) when it is not a
 * token botocore could use: `accessToken` and a valid `expiresAt` are required, as in
 * SSOTokenLoader; the registration fields count only when all of them are there.
 */
export function readSsoCliToken(path: string): SsoCliToken | undefined {
  let text: string;
  try {
    text = readText(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      debug(`Cannot read the AWS CLI's SSO cache ${path}: ${(err as Error).message}`);
    }
    return undefined;
  }
  const raw = parseJsonObject(text);
  const expiresAt = raw && isoTime(raw.expiresAt);
  if (!raw || typeof raw.accessToken !== "string" || raw.accessToken === "" || !expiresAt) {
    debug(`Ignoring the AWS CLI's SSO cache ${path}: not a token`);
    return undefined;
  }
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const token: SsoCliToken = {
    startUrl: str(raw.startUrl) ?? "",
    region: str(raw.region) ?? "",
    accessToken: raw.accessToken,
    expiresAt,
  };
  const refreshToken = str(raw.refreshToken);
  const clientId = str(raw.clientId);
  const clientSecret = str(raw.clientSecret);
  const registrationExpiresAt = isoTime(raw.registrationExpiresAt);
  if (refreshToken && clientId && clientSecret && registrationExpiresAt) {
    Object.assign(token, { refreshToken, clientId, clientSecret, registrationExpiresAt });
  }
  return token;
}

/** Whether the cache file exists (a broken one counts: it is the AWS CLI's, and we replace it). */
export async function ssoCliTokenExists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes `token` to `path` in the AWS CLI's format: the fields of the file already there are
 * kept (other tools' fields, and the registration when `token` brings no refresh token of its
 * own, so the file's refresh token stays usable), ours replace theirs. Atomic (a temporary file
 * in the same directory, mode 0600, renamed over the old one), creating the directory (0700).
 */
export async function writeSsoCliToken(path: string, token: SsoCliToken): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf("/"));
  let existing: Record<string, unknown> = {};
  try {
    existing = parseJsonObject(readText(path)) ?? {};
  } catch {
    // No file yet, or unreadable: written from scratch.
  }
  const out: Record<string, unknown> = {
    ...existing,
    startUrl: token.startUrl,
    region: token.region,
    accessToken: token.accessToken,
    expiresAt: formatSsoCliTime(token.expiresAt),
  };
  if (token.refreshToken && token.clientId && token.clientSecret && token.registrationExpiresAt) {
    out.refreshToken = token.refreshToken;
    out.clientId = token.clientId;
    out.clientSecret = token.clientSecret;
    out.registrationExpiresAt = formatSsoCliTime(token.registrationExpiresAt);
  }
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFileAtomically(path, new TextEncoder().encode(JSON.stringify(out)), {
    tempPath: `${dir}/.aws-vault-${randomHex(8)}.tmp`,
    mode: 0o600,
  });
}

/** The file's text: a regular file of bounded size (not a FIFO or a device), lib/regular_file.ts. */
function readText(path: string): string {
  return new TextDecoder().decode(readRegularFileSync(path, { maxBytes: MAX_FILE_BYTES }));
}

/** Our keystore token in the AWS CLI's terms; the refresh token only with its registration. */
export function cliTokenOf(startUrl: string, region: string, token: OidcToken): SsoCliToken {
  const reg = token.registration;
  return {
    startUrl,
    region,
    accessToken: token.accessToken,
    expiresAt: token.expiration,
    ...(token.refreshToken && reg
      ? {
        refreshToken: token.refreshToken,
        clientId: reg.clientId,
        clientSecret: reg.clientSecret,
        registrationExpiresAt: reg.expiresAt,
      }
      : {}),
  };
}

/** botocore's `%Y-%m-%dT%H:%M:%SZ`: UTC, whole seconds, `Z`. */
export function formatSsoCliTime(date: Date): string {
  return date.toISOString().slice(0, 19) + "Z";
}

/** An ISO-8601 time with a zone (botocore parses with dateutil; the SDKs with Date). */
function isoTime(v: unknown): Date | undefined {
  if (typeof v !== "string" || !/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(v)) return undefined;
  // "...Z", "+00:00" and "UTC" all occur in the wild; the last is not something Date reads.
  const d = new Date(v.replace(/UTC$/, "Z"));
  return Number.isNaN(d.getTime()) ? undefined : d;
}
