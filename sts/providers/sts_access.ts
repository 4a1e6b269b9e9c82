/**
 * What the STS-calling providers share: a lazily imported STS client (its module, with SigV4 and
 * XML parsing, loads only when a call is actually made) and aws-vault's defaults.
 */
import type { Credentials } from "../../lib/credentials.ts";
import { debug, maskKey } from "../../lib/log.ts";
import { formatDuration } from "../../lib/duration.ts";
import type { ProfileConfig } from "../config/profile_config.ts";
import { importAtRunTime } from "../../lib/lazy_import.ts";

export type Env = (name: string) => string | undefined;

/** An STS client for `profile` (region and endpoint), signing with `credentials` if given. */
export async function newStsClient(
  profile: ProfileConfig,
  credentials: Credentials | undefined,
  env: Env,
) {
  const { StsClient } = await importAtRunTime<typeof import("../aws/sts_client.ts")>(
    "sts/aws/sts_client.ts",
  );
  return new StsClient({ profile, credentials, env });
}

/** aws-vault's default RoleSessionName: the current UTC time in Unix nanoseconds, in decimal. */
export function defaultRoleSessionName(): string {
  const micros = BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1000));
  return String(micros * 1000n);
}

/** Whole seconds, as aws-vault sends DurationSeconds (`int32(d.Seconds())`). */
export function durationSeconds(ms: number): number {
  return Math.trunc(ms / 1000);
}

/** The debug line aws-vault writes after each STS call. */
export function logGenerated(creds: Credentials, api: string): void {
  const left = creds.expiration ? creds.expiration.getTime() - Date.now() : 0;
  debug(
    `Generated credentials ${maskKey(creds.accessKeyId)} using ${api}, expires in ${
      formatDuration(left)
    }`,
  );
}
