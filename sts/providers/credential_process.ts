/**
 * credential_process as a credential source (aws-vault's vault/credentialprocessprovider.go): run
 * through the shell with stdin and stderr inherited; stdout parsed as JSON, field names matched
 * case-insensitively as Go does, `Version` and unknown fields ignored.
 *
 * Deliberate difference (aws-vault issue #1182): aws-vault requires all four of AccessKeyId,
 * SecretAccessKey, SessionToken and Expiration, so a process that returns long-term keys is
 * rejected. We require only AccessKeyId and SecretAccessKey, as the AWS SDKs do; output without
 * Expiration is treated as non-expiring keys and is not cached.
 */
import type { CredentialsProvider } from "../../lib/credentials.ts";
import { UserError } from "../../lib/errors.ts";
import { lookupFold, rfc3339Nano } from "../../keystore/go_json.ts";
import type { FetchedCredentials } from "../session_cache.ts";
import { runShellCommand } from "../../lib/shell_process.ts";

export class CredentialProcessProvider implements CredentialsProvider {
  constructor(readonly commandLine: string) {}

  async retrieve(): Promise<FetchedCredentials> {
    let stdout: string;
    try {
      stdout = await runShellCommand(this.commandLine, { stdin: "inherit" });
    } catch (err) {
      throw new UserError(`running command "${this.commandLine}": ${(err as Error).message}`);
    }
    return parseCredentialProcessOutput(this.commandLine, stdout);
  }
}

/** Parses credential_process JSON; errors use aws-vault's wording. */
export function parseCredentialProcessOutput(
  commandLine: string,
  stdout: string,
): FetchedCredentials {
  let raw: unknown;
  try {
    raw = JSON.parse(stdout);
  } catch {
    // Not the parser's message: it quotes the start of the output, which holds the secret key.
    throw new UserError(`invalid JSON format from command "${commandLine}": not valid JSON`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new UserError(`invalid JSON format from command "${commandLine}": not a JSON object`);
  }
  const obj = raw as Record<string, unknown>;
  const field = (name: string) => {
    const v = lookupFold(obj, name);
    return typeof v === "string" ? v : "";
  };
  const accessKeyId = field("AccessKeyId");
  const secretAccessKey = field("SecretAccessKey");
  const missing = [
    ...(accessKeyId === "" ? ["AccessKeyId"] : []),
    ...(secretAccessKey === "" ? ["SecretAccessKey"] : []),
  ];
  if (missing.length > 0) {
    throw new UserError(
      `JSON credential from command "${commandLine}" missing the following fields: [${
        missing.join(" ")
      }]`,
    );
  }
  const creds: FetchedCredentials = {
    accessKeyId,
    secretAccessKey,
    sessionToken: field("SessionToken"),
  };
  const accountId = field("AccountId");
  if (accountId !== "") creds.accountId = accountId;
  const expText = field("Expiration");
  if (expText !== "") {
    const expiration = new Date(expText);
    if (!/^\d{4}-\d\d-\d\dT/.test(expText) || Number.isNaN(expiration.getTime())) {
      throw new UserError(
        `invalid JSON format from command "${commandLine}": parsing time ${
          JSON.stringify(expText)
        } as RFC 3339 failed`,
      );
    }
    creds.expiration = expiration;
    // Keep the zone the process gave (as aws-vault stores it); normalise UTC values to Go's form.
    creds.expirationText = /Z$/i.test(expText) ? rfc3339Nano(expiration) : expText;
  }
  return creds;
}
