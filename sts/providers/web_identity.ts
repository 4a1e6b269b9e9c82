/**
 * sts:AssumeRoleWithWebIdentity (aws-vault's vault/assumerolewithwebidentityprovider.go): the token
 * is the raw content of web_identity_token_file or the raw stdout of web_identity_token_process
 * (neither is trimmed, as in aws-vault); the call is unsigned.
 */
import type { Credentials, CredentialsProvider } from "../../lib/credentials.ts";
import { UserError } from "../../lib/errors.ts";
import type { ProfileConfig } from "../config/profile_config.ts";
import { runShellCommand } from "../../lib/shell_process.ts";
import { readRegularFileSync } from "../../lib/regular_file.ts";
import {
  defaultRoleSessionName,
  durationSeconds,
  type Env,
  logGenerated,
  newStsClient,
} from "./sts_access.ts";

/** The largest web_identity_token_file we read. */
const TOKEN_FILE_MAX_BYTES = 1024 * 1024;

export class WebIdentityProvider implements CredentialsProvider {
  constructor(readonly profile: ProfileConfig, readonly env: Env) {}

  async retrieve(): Promise<Credentials> {
    const p = this.profile;
    const token = await webIdentityToken(p);
    const sts = await newStsClient(p, undefined, this.env);
    const creds = await sts.assumeRoleWithWebIdentity({
      roleArn: p.roleArn,
      roleSessionName: p.roleSessionName || defaultRoleSessionName(),
      durationSeconds: durationSeconds(p.assumeRoleDuration),
      webIdentityToken: token,
    });
    logGenerated(creds, "AssumeRoleWithWebIdentity");
    return creds;
  }
}

/** The web identity token from the file, else from the process. */
export async function webIdentityToken(p: ProfileConfig): Promise<string> {
  if (p.webIdentityTokenFile !== "") {
    try {
      // A token is a JWT of a few KB; a FIFO or a device here must not hang or flood us.
      const bytes = readRegularFileSync(p.webIdentityTokenFile, { maxBytes: TOKEN_FILE_MAX_BYTES });
      return new TextDecoder().decode(bytes);
    } catch (err) {
      throw new UserError(
        `unable to read file at ${p.webIdentityTokenFile}: ${(err as Error).message}`,
      );
    }
  }
  try {
    return await runShellCommand(p.webIdentityTokenProcess, { stdin: "null" });
  } catch (err) {
    throw new UserError(
      `running command "${p.webIdentityTokenProcess}": ${(err as Error).message}`,
    );
  }
}
