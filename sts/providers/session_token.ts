/** sts:GetSessionToken from long-term keys, with MFA when the profile has an mfa_serial. */
import type { Credentials, CredentialsProvider } from "../../lib/credentials.ts";
import { forgetMfaCode, getMfaToken } from "../mfa/mfa.ts";
import type { ProfileConfig } from "../config/profile_config.ts";
import { durationSeconds, type Env, logGenerated, newStsClient } from "./sts_access.ts";

export class SessionTokenProvider implements CredentialsProvider {
  constructor(
    readonly source: CredentialsProvider,
    readonly profile: ProfileConfig,
    /** ms: the chained or non-chained GetSessionToken duration. */
    readonly duration: number,
    readonly env: Env,
  ) {}

  async retrieve(): Promise<Credentials> {
    const sourceCreds = await this.source.retrieve();
    const serial = this.profile.mfaSerial;
    const tokenCode = serial ? await getMfaToken(serial, this.profile) : undefined;
    const sts = await newStsClient(this.profile, sourceCreds, this.env);
    try {
      const creds = await sts.getSessionToken({
        durationSeconds: durationSeconds(this.duration),
        serialNumber: serial || undefined,
        tokenCode,
      });
      logGenerated(creds, "GetSessionToken");
      return creds;
    } catch (err) {
      if (serial) forgetMfaCode(serial);
      throw err;
    }
  }
}
