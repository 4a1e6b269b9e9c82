/**
 * sts:AssumeRole with the source credentials (aws-vault's vault/assumeroleprovider.go):
 * role_session_name (default: Unix nanoseconds), duration, external_id, MFA, session tags,
 * transitive tag keys, source identity.
 */
import type { Credentials, CredentialsProvider } from "../../lib/credentials.ts";
import { forgetMfaCode, getMfaToken } from "../mfa/mfa.ts";
import type { ProfileConfig } from "../config/profile_config.ts";
import {
  defaultRoleSessionName,
  durationSeconds,
  type Env,
  logGenerated,
  newStsClient,
} from "./sts_access.ts";

export class AssumeRoleProvider implements CredentialsProvider {
  constructor(
    readonly source: CredentialsProvider,
    readonly profile: ProfileConfig,
    /** The serial to send: the profile's, or "" after chained-MFA clearing. */
    readonly mfaSerial: string,
    readonly env: Env,
  ) {}

  async retrieve(): Promise<Credentials> {
    const sourceCreds = await this.source.retrieve();
    const p = this.profile;
    const tokenCode = this.mfaSerial ? await getMfaToken(this.mfaSerial, p) : undefined;
    const sts = await newStsClient(p, sourceCreds, this.env);
    try {
      const creds = await sts.assumeRole({
        roleArn: p.roleArn,
        roleSessionName: p.roleSessionName || defaultRoleSessionName(),
        durationSeconds: durationSeconds(p.assumeRoleDuration),
        externalId: p.externalId || undefined,
        serialNumber: this.mfaSerial || undefined,
        tokenCode,
        tags: Object.keys(p.sessionTags).length > 0 ? p.sessionTags : undefined,
        transitiveTagKeys: p.transitiveSessionTags.length > 0 ? p.transitiveSessionTags : undefined,
        sourceIdentity: p.sourceIdentity || undefined,
      });
      logGenerated(creds, "AssumeRole");
      return creds;
    } catch (err) {
      if (this.mfaSerial) forgetMfaCode(this.mfaSerial);
      throw err;
    }
  }
}
