/**
 * The values aws-vault stores, byte for byte: master credentials (Go JSON of aws.Credentials) and
 * sessions (Go JSON of STS types.Credentials), wrapped in items with aws-vault's labels.
 */
import type { Credentials } from "../lib/credentials.ts";
import { goJson, lookupFold, rfc3339Nano } from "./go_json.ts";
import type { Item } from "./keystore.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function masterCredentialsItem(profileName: string, creds: Credentials): Item {
  const data = goJson({
    AccessKeyID: creds.accessKeyId,
    SecretAccessKey: creds.secretAccessKey,
    SessionToken: creds.sessionToken,
    Source: "",
    CanExpire: false,
    Expires: "0001-01-01T00:00:00Z",
  });
  return {
    key: profileName,
    data: encoder.encode(data),
    label: `aws-vault (${profileName})`,
    description: "",
    keychainNotTrustApplication: true,
    keychainNotSynchronizable: false,
  };
}

/** Reads master credentials; field names match case-insensitively, as Go's decoder does. */
export function decodeMasterCredentials(data: Uint8Array): Credentials {
  const raw = parseObject(data);
  return {
    accessKeyId: stringField(raw, "AccessKeyID"),
    secretAccessKey: stringField(raw, "SecretAccessKey"),
    sessionToken: stringField(raw, "SessionToken"),
  };
}

/**
 * A session item. `Expiration` is RFC 3339 with nanoseconds trimmed; `expirationText` lets a caller
 * keep the zone of a value it received (SSO and credential_process values keep theirs).
 */
export function sessionItem(
  key: string,
  profileName: string,
  creds: Credentials,
  expirationText?: string,
): Item {
  const expiration = creds.expiration ?? new Date(0);
  const expText = expirationText ?? rfc3339Nano(expiration);
  const data = goJson({
    AccessKeyId: creds.accessKeyId,
    Expiration: expText,
    SecretAccessKey: creds.secretAccessKey,
    SessionToken: creds.sessionToken,
  });
  return {
    key,
    data: encoder.encode(data),
    label: `aws-vault session for ${profileName} (expires ${expText.replace(/\.\d+/, "")})`,
    description: "aws-vault session",
    keychainNotTrustApplication: false,
    keychainNotSynchronizable: false,
  };
}

export function decodeSessionCredentials(data: Uint8Array): Credentials {
  const raw = parseObject(data);
  const exp = stringField(raw, "Expiration");
  const expiration = exp ? new Date(exp) : undefined;
  if (expiration && Number.isNaN(expiration.getTime())) {
    throw new Error(`Invalid data in keyring: bad Expiration ${JSON.stringify(exp)}`);
  }
  return {
    accessKeyId: stringField(raw, "AccessKeyId"),
    secretAccessKey: stringField(raw, "SecretAccessKey"),
    sessionToken: stringField(raw, "SessionToken"),
    expiration,
  };
}

function parseObject(data: Uint8Array): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(data));
  } catch {
    // Not the parser's message: V8 quotes the start of the bad input, which may be a secret.
    throw new Error("Invalid data in keyring: not valid JSON");
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new Error("Invalid data in keyring: not a JSON object");
  }
  return raw as Record<string, unknown>;
}

function stringField(raw: Record<string, unknown>, name: string): string {
  const v = lookupFold(raw, name);
  return typeof v === "string" ? v : "";
}
