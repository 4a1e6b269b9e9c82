/**
 * The STS calls aws-vault makes: GetSessionToken, AssumeRole, AssumeRoleWithWebIdentity
 * (unsigned), GetFederationToken and GetCallerIdentity. The endpoint comes from the profile and
 * the environment (endpoints.ts); the region from the profile.
 */
import type { Credentials } from "../../lib/credentials.ts";
import { queryAws, type QueryRequest } from "./query.ts";
import { resolveEndpoint } from "./endpoints.ts";
import type { ProfileConfig } from "../config/profile_config.ts";
import { textAt, type XmlElement } from "./xml.ts";

/** Options shared by StsClient and IamClient. */
export interface AwsClientOptions {
  profile: ProfileConfig;
  /** Credentials that sign the requests (not needed for AssumeRoleWithWebIdentity). */
  credentials?: Credentials;
  /** Environment lookup; default Deno.env. */
  env?: (name: string) => string | undefined;
  /** An explicit endpoint that beats every configured one. */
  endpointUrl?: string;
  /** Per-attempt timeout in ms (default 30 s). */
  timeoutMs?: number;
  /** Pause before the single retry in ms (default 300). */
  retryDelayMs?: number;
}

export interface GetSessionTokenInput {
  durationSeconds: number;
  serialNumber?: string;
  tokenCode?: string;
}

export interface AssumeRoleInput {
  roleArn: string;
  roleSessionName: string;
  durationSeconds: number;
  externalId?: string;
  serialNumber?: string;
  tokenCode?: string;
  tags?: Record<string, string>;
  transitiveTagKeys?: string[];
  sourceIdentity?: string;
}

export interface AssumeRoleWithWebIdentityInput {
  roleArn: string;
  roleSessionName: string;
  durationSeconds?: number;
  webIdentityToken: string;
}

export interface GetFederationTokenInput {
  name: string;
  durationSeconds: number;
  policy: string;
}

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

export class StsClient {
  constructor(readonly options: AwsClientOptions) {}

  async getSessionToken(input: GetSessionTokenInput): Promise<Credentials> {
    const result = await this.#call("GetSessionToken", {
      DurationSeconds: input.durationSeconds,
      SerialNumber: input.serialNumber,
      TokenCode: input.tokenCode,
    });
    return credentialsFrom(result);
  }

  async assumeRole(input: AssumeRoleInput): Promise<Credentials> {
    const params: QueryRequest["params"] = {
      RoleArn: input.roleArn,
      RoleSessionName: input.roleSessionName,
      DurationSeconds: input.durationSeconds,
      ExternalId: input.externalId,
      SerialNumber: input.serialNumber,
      TokenCode: input.tokenCode,
      SourceIdentity: input.sourceIdentity,
    };
    Object.entries(input.tags ?? {}).forEach(([key, value], i) => {
      params[`Tags.member.${i + 1}.Key`] = key;
      params[`Tags.member.${i + 1}.Value`] = value;
    });
    (input.transitiveTagKeys ?? []).forEach((key, i) => {
      params[`TransitiveTagKeys.member.${i + 1}`] = key;
    });
    const result = await this.#call("AssumeRole", params);
    return credentialsFrom(result, textAt(result, "AssumedRoleUser", "Arn"));
  }

  /** Unsigned, as the SDK sends it: the token is the proof of identity. */
  async assumeRoleWithWebIdentity(input: AssumeRoleWithWebIdentityInput): Promise<Credentials> {
    const result = await this.#call("AssumeRoleWithWebIdentity", {
      RoleArn: input.roleArn,
      RoleSessionName: input.roleSessionName,
      DurationSeconds: input.durationSeconds,
      WebIdentityToken: input.webIdentityToken,
    }, false);
    return credentialsFrom(result, textAt(result, "AssumedRoleUser", "Arn"));
  }

  async getFederationToken(input: GetFederationTokenInput): Promise<Credentials> {
    const result = await this.#call("GetFederationToken", {
      Name: input.name,
      DurationSeconds: input.durationSeconds,
      Policy: input.policy,
    });
    return credentialsFrom(result, textAt(result, "FederatedUser", "Arn"));
  }

  async getCallerIdentity(): Promise<CallerIdentity> {
    const result = await this.#call("GetCallerIdentity", {});
    return {
      account: textAt(result, "Account"),
      arn: textAt(result, "Arn"),
      userId: textAt(result, "UserId"),
    };
  }

  #call(action: string, params: QueryRequest["params"], signed = true): Promise<XmlElement> {
    const o = this.options;
    if (signed && !o.credentials) {
      throw new Error(`STS ${action}: no credentials to sign the request with`);
    }
    return queryAws({
      service: "sts",
      action,
      params,
      endpoint: resolveEndpoint("sts", o.profile, { env: o.env, endpointUrl: o.endpointUrl }),
      credentials: signed ? o.credentials : undefined,
      timeoutMs: o.timeoutMs,
      retryDelayMs: o.retryDelayMs,
    });
  }
}

/** `<Credentials>` of an STS result as our Credentials (the account taken from an ARN if given). */
export function credentialsFrom(result: XmlElement, arn = ""): Credentials {
  const expiration = textAt(result, "Credentials", "Expiration");
  const creds: Credentials = {
    accessKeyId: textAt(result, "Credentials", "AccessKeyId"),
    secretAccessKey: textAt(result, "Credentials", "SecretAccessKey"),
    sessionToken: textAt(result, "Credentials", "SessionToken"),
  };
  if (!creds.accessKeyId || !creds.secretAccessKey) {
    throw new Error("STS answer has no credentials");
  }
  if (expiration) {
    const date = new Date(expiration);
    if (Number.isNaN(date.getTime())) {
      throw new Error(`STS answer has an invalid Expiration "${expiration}"`);
    }
    creds.expiration = date;
  }
  const account = /^arn:[\w-]+:(?:sts|iam)::(\d{12}):/.exec(arn)?.[1];
  if (account) creds.accountId = account;
  return creds;
}
