/**
 * The output formats of `aws-vault export` (aws-vault's cli/export.go), byte for byte: `env`,
 * `export-env`, `json` (the credential_process Version 1 document) and `ini` (go-ini output).
 * Pure functions: no I/O.
 */
import { type Credentials, iso8601 } from "../lib/credentials.ts";
import { goHtmlEscape } from "../keystore/go_json.ts";

export const EXPORT_FORMATS = ["env", "export-env", "json", "ini"] as const;
export type ExportFormat = typeof EXPORT_FORMATS[number];

/** Renders `creds` of `profileName` in `format`; `region` is "" when none was resolved. */
export function formatCredentials(
  format: ExportFormat,
  profileName: string,
  creds: Credentials,
  region: string,
): string {
  switch (format) {
    case "env":
      return envLines(creds, region).map((l) => `${l}\n`).join("");
    case "export-env":
      return envLines(creds, region).map((l) => `export ${l}\n`).join("");
    case "json":
      return credentialProcessJson(creds);
    case "ini":
      return iniSection(profileName, creds, region);
  }
}

/** `NAME=value` lines in aws-vault's order; session token, expiration and region only when set. */
export function envLines(creds: Credentials, region: string): string[] {
  const lines = [
    `AWS_ACCESS_KEY_ID=${creds.accessKeyId}`,
    `AWS_SECRET_ACCESS_KEY=${creds.secretAccessKey}`,
  ];
  if (creds.sessionToken) lines.push(`AWS_SESSION_TOKEN=${creds.sessionToken}`);
  if (creds.expiration) lines.push(`AWS_CREDENTIAL_EXPIRATION=${iso8601(creds.expiration)}`);
  if (region) lines.push(`AWS_REGION=${region}`, `AWS_DEFAULT_REGION=${region}`);
  return lines;
}

/**
 * The credential_process document as Go's json.MarshalIndent writes aws-vault's struct: 2-space
 * indent, fields in declaration order, `omitempty` on SessionToken and Expiration, and a final
 * newline. `AccountId` (read by botocore's process provider, botocore/credentials.py) is our
 * addition, last, and only when the account is known.
 */
export function credentialProcessJson(creds: Credentials): string {
  const doc: Record<string, unknown> = {
    Version: 1,
    AccessKeyId: creds.accessKeyId,
    SecretAccessKey: creds.secretAccessKey,
  };
  if (creds.sessionToken) doc.SessionToken = creds.sessionToken;
  if (creds.expiration) doc.Expiration = iso8601(creds.expiration);
  if (creds.accountId) doc.AccountId = creds.accountId;
  return goHtmlEscape(JSON.stringify(doc, null, 2)) + "\n";
}

/**
 * A credentials-file style section, as go-ini writes it with aws-vault's `PrettyFormat = false`.
 */
export function iniSection(profileName: string, creds: Credentials, region: string): string {
  const entries: Array<[string, string]> = [
    ["aws_access_key_id", creds.accessKeyId],
    ["aws_secret_access_key", creds.secretAccessKey],
    ["aws_session_token", creds.sessionToken],
    ["aws_credential_expiration", creds.expiration ? iso8601(creds.expiration) : ""],
    ["region", region],
  ];
  const lines = [`[${profileName}]`];
  for (const [key, value] of entries) {
    if (value !== "") lines.push(`${key}=${goIniValue(value)}`);
  }
  return lines.map((l) => `${l}\n`).join("");
}

/**
 * go-ini's value quoting: newline or backtick -> `"""v"""`; otherwise `#` or `;` -> backticks;
 * otherwise leading/trailing white space -> double quotes.
 */
export function goIniValue(value: string): string {
  if (/[\n`]/.test(value)) return `"""${value}"""`;
  if (/[#;]/.test(value)) return "`" + value + "`";
  if (value.trim().length !== value.length) return `"${value}"`;
  return value;
}
