/**
 * aws-vault's key names. One flat namespace:
 *  - master credentials: the profile name verbatim;
 *  - sessions: `<type>,<b64url(profile)>,<b64url(mfa serial or start url)>,<unix expiry>`;
 *  - SSO OIDC tokens: `oidc:<start url>`;
 *  - legacy session formats, which are deleted on sight.
 */

export const OIDC_PREFIX = "oidc:";

/** The session types aws-vault caches, as they appear in key names. */
export type SessionType =
  | "sts.GetSessionToken"
  | "sts.AssumeRole"
  | "sts.AssumeRoleWithWebIdentity"
  | "sso.GetRoleCredentials"
  | "credential_process";

export interface SessionKey {
  type: string;
  profileName: string;
  /** The MFA serial, or the SSO start URL for sso.GetRoleCredentials; may be "". */
  mfaSerial: string;
  /** Expiry as Unix seconds. */
  expiration: number;
}

const SESSION_KEY = /^([^,]+),([^,]+),([^,]*),([0-9]{1,})$/;
// aws-vault v7's own patterns, exactly: anything broader would delete master credentials of a
// profile whose name merely starts with "session,".
const LEGACY_SESSION_KEYS = [
  /^session,[^,]+,[^,]*,[0-9]{2,}$/,
  /^session:[^ ]+:[^ ]*:[^:]+$/,
  /^.+? session \(\d+\)$/,
];

export function base64UrlEncode(text: string): string {
  // The native codec: btoa/atob cost ~1 ms of start-up on their first call.
  return new TextEncoder().encode(text).toBase64({ alphabet: "base64url", omitPadding: true });
}

export function base64UrlDecode(text: string): string {
  // Go's decoder rejects anything outside the URL alphabet (the native one alone would accept
  // `=` padding and spaces).
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error(`illegal base64url data: ${text}`);
  return new TextDecoder("utf-8", { fatal: true }).decode(
    Uint8Array.fromBase64(text, { alphabet: "base64url" }),
  );
}

/** The prefix `<type>,<P>,<M>,` that finds a session whatever its expiry. */
export function sessionKeyPrefix(type: string, profileName: string, mfaSerial: string): string {
  return `${type},${base64UrlEncode(profileName)},${base64UrlEncode(mfaSerial)},`;
}

export function formatSessionKey(key: SessionKey): string {
  return sessionKeyPrefix(key.type, key.profileName, key.mfaSerial) + String(key.expiration);
}

/** Parses a current-format session key; undefined for anything else. */
export function parseSessionKey(name: string): SessionKey | undefined {
  if (isLegacySessionKey(name)) return undefined;
  const m = SESSION_KEY.exec(name);
  if (!m) return undefined;
  try {
    return {
      type: m[1],
      profileName: base64UrlDecode(m[2]),
      mfaSerial: base64UrlDecode(m[3]),
      expiration: Number(m[4]),
    };
  } catch {
    return undefined;
  }
}

export function isSessionKey(name: string): boolean {
  return parseSessionKey(name) !== undefined;
}

export function isLegacySessionKey(name: string): boolean {
  return LEGACY_SESSION_KEYS.some((re) => re.test(name));
}

export function isOidcKey(name: string): boolean {
  return name.startsWith(OIDC_PREFIX);
}

export function oidcKey(startUrl: string): string {
  return OIDC_PREFIX + startUrl;
}

/** Master-credential keys: neither a session (current or legacy) nor an OIDC token. */
export function isMasterCredentialsKey(name: string): boolean {
  return !isSessionKey(name) && !isLegacySessionKey(name) && !isOidcKey(name);
}
