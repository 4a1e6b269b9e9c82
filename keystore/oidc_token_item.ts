/**
 * aws-vault's SSO OIDC token item (`oidc:<start url>`), byte for byte: the Go JSON of
 * `OIDCTokenData{Token: ssooidc.CreateTokenOutput, Expiration: time.Time}`:
 *
 *   {"Token":{"AccessToken":"…","ExpiresIn":28800,"IdToken":null,"RefreshToken":null,
 *    "TokenType":"Bearer","ResultMetadata":{}},"Expiration":"2023-05-25T18:34:56.123+10:00"}
 *
 * `Expiration` is the local time of creation + ExpiresIn, in the local zone offset (Go's
 * time.Now() marshalled as RFC 3339 with fractional seconds). Label
 * `aws-vault oidc token for <start url> (expires <RFC 3339>)`, description `aws-vault oidc token`.
 *
 * We add one top-level field, `ClientRegistration` (the OIDC client the refresh token belongs to:
 * `{"ClientId","ClientSecret","ExpiresAt","Scopes","GrantTypes"}`), and fill `RefreshToken`.
 * aws-vault v7 still reads the item: Go's encoding/json ignores fields that match no struct field
 * (the name folds to neither `Token` nor `Expiration`), and `RefreshToken` is a `*string` in the
 * SDK's CreateTokenOutput.
 */
import { goJson, lookupFold, rfc3339Nano } from "./go_json.ts";
import type { Item } from "./keystore.ts";
import { oidcKey } from "./key_names.ts";

/** A cached SSO OIDC access token. */
export interface OidcToken {
  accessToken: string;
  /** Seconds: as issued when stored; recomputed from `expiration` when read (as aws-vault does). */
  expiresIn: number;
  idToken: string | null;
  refreshToken: string | null;
  tokenType: string;
  expiration: Date;
  /** The client registration that can refresh this token (absent in aws-vault's items). */
  registration?: OidcClientRegistration;
}

/** An SSO OIDC client (RegisterClient's answer and what was asked for). */
export interface OidcClientRegistration {
  clientId: string;
  clientSecret: string;
  /** When the client secret expires (clientSecretExpiresAt). */
  expiresAt: Date;
  /** The scopes registered; empty when unknown or none. */
  scopes: string[];
  /** The grant types registered; empty for a device-code client (RegisterClient's default). */
  grantTypes: string[];
}

/** The top-level field we add to aws-vault's item. */
const REGISTRATION_FIELD = "ClientRegistration";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The keystore item for `token`, under `oidc:<startUrl>`. */
export function oidcTokenItem(startUrl: string, token: OidcToken): Item {
  const data = goJson({
    Token: {
      AccessToken: token.accessToken,
      ExpiresIn: token.expiresIn,
      IdToken: token.idToken,
      RefreshToken: token.refreshToken,
      TokenType: token.tokenType,
      ResultMetadata: {},
    },
    Expiration: goLocalTime(token.expiration, true),
    ...(token.registration
      ? {
        [REGISTRATION_FIELD]: {
          ClientId: token.registration.clientId,
          ClientSecret: token.registration.clientSecret,
          ExpiresAt: rfc3339Nano(token.registration.expiresAt),
          Scopes: token.registration.scopes,
          GrantTypes: token.registration.grantTypes,
        },
      }
      : {}),
  });
  return {
    key: oidcKey(startUrl),
    data: encoder.encode(data),
    label: `aws-vault oidc token for ${startUrl} (expires ${goLocalTime(token.expiration, false)})`,
    description: "aws-vault oidc token",
    keychainNotTrustApplication: false,
    keychainNotSynchronizable: false,
  };
}

/**
 * Reads an OIDC token item (field names case-insensitive, unknown fields ignored, as Go reads
 * them). `expiresIn` is recomputed from `Expiration` at `now`; it is negative for an expired token.
 */
export function decodeOidcToken(data: Uint8Array, now = Date.now()): OidcToken {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(data));
  } catch {
    // Not the parser's message: it quotes the input, which holds the access token.
    throw new Error("Invalid data in keyring: not valid JSON");
  }
  const obj = asObject(raw);
  const token = asObject(obj && lookupFold(obj, "Token"));
  const expText = obj && lookupFold(obj, "Expiration");
  if (!obj || !token || typeof expText !== "string") {
    throw new Error("Invalid data in keyring: not an OIDC token");
  }
  const expiration = new Date(expText);
  if (!/^\d{4}-\d\d-\d\dT/.test(expText) || Number.isNaN(expiration.getTime())) {
    throw new Error(`Invalid data in keyring: bad Expiration ${JSON.stringify(expText)}`);
  }
  const text = (name: string) => {
    const v = lookupFold(token, name);
    return typeof v === "string" ? v : null;
  };
  return {
    accessToken: text("AccessToken") ?? "",
    expiresIn: Math.trunc((expiration.getTime() - now) / 1000),
    idToken: text("IdToken"),
    refreshToken: text("RefreshToken"),
    tokenType: text("TokenType") ?? "",
    expiration,
    ...decodeRegistration(obj),
  };
}

/** Our `ClientRegistration` field; a malformed one is ignored (the token stays usable). */
function decodeRegistration(
  obj: Record<string, unknown>,
): { registration?: OidcClientRegistration } {
  const reg = asObject(obj[REGISTRATION_FIELD]);
  if (!reg) return {};
  const expiresAt = typeof reg.ExpiresAt === "string" ? new Date(reg.ExpiresAt) : undefined;
  const strings = (v: unknown) =>
    Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];
  if (
    typeof reg.ClientId !== "string" || reg.ClientId === "" ||
    typeof reg.ClientSecret !== "string" || !expiresAt || Number.isNaN(expiresAt.getTime())
  ) {
    return {};
  }
  return {
    registration: {
      clientId: reg.ClientId,
      clientSecret: reg.ClientSecret,
      expiresAt,
      scopes: strings(reg.Scopes),
      grantTypes: strings(reg.GrantTypes),
    },
  };
}

/**
 * Go's RFC 3339 rendering of a time in the local zone: `2023-05-25T18:34:56.123+10:00`, `Z` when
 * the offset is zero, the fraction (trailing zeros trimmed) only with `withFraction`
 * (RFC3339Nano, as encoding/json writes times; time.RFC3339 for labels).
 */
export function goLocalTime(date: Date, withFraction: boolean): string {
  const offsetMin = -date.getTimezoneOffset();
  const local = new Date(date.getTime() + offsetMin * 60_000).toISOString(); // local fields, "Z"
  let text = local.slice(0, 19);
  if (withFraction) {
    const frac = local.slice(20, 23).replace(/0+$/, "");
    if (frac) text += `.${frac}`;
  }
  if (offsetMin === 0) return text + "Z";
  const sign = offsetMin < 0 ? "-" : "+";
  const abs = Math.abs(offsetMin);
  const hh = String(Math.trunc(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${text}${sign}${hh}:${mm}`;
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? v as Record<string, unknown>
    : undefined;
}
