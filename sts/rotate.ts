/**
 * The rotate flow (aws-vault's cli/rotate.go): create a new access key, wait until it works, store
 * it, clear the chain's sessions, delete the old key. Messages are aws-vault's; failures are not:
 * each one says which key is stored and which keys exist at IAM, and leaves a working key stored.
 *
 * Differences from aws-vault v7.2.0, on purpose:
 * - `--no-session` signs the IAM calls with the master keys it rotates (aws-vault reads the keys
 *   stored under the profile's own name, which fails when they live under the source profile).
 * - The new key is verified with sts:GetCallerIdentity (polled) before it replaces the old one.
 * - For a role profile the IAM user name comes from GetCallerIdentity on the master keys (any
 *   key may call it), not from iam:GetUser with the role's credentials, which IAM refuses.
 */
import type { Credentials } from "../lib/credentials.ts";
import { errorMessage, UserError } from "../lib/errors.ts";
import { debug, maskKey } from "../lib/log.ts";
import { masterCredentialsItem } from "../keystore/credential_items.ts";
import type { Keystore } from "../keystore/keystore.ts";
import { getCredentialsProvider } from "./chain.ts";
import type { AwsConfigFile } from "./config/config.ts";
import { resolveProfile } from "./config/profile_resolve.ts";
import type { ProfileBaseConfig, ProfileConfig } from "./config/profile_config.ts";
import { MasterCredentialsProvider } from "./providers/master.ts";
import { SessionStore } from "./session_cache.ts";
import { importAtRunTime } from "../lib/lazy_import.ts";

type Env = (name: string) => string | undefined;

export interface RotateRequest {
  config: AwsConfigFile;
  profileName: string;
  base: ProfileBaseConfig;
  keystore: Keystore;
  /** -n: sign the IAM calls with the master keys instead of a fresh session. */
  noSession: boolean;
  /** Where the progress lines go (stdout in the CLI). */
  print: (line: string) => void;
  env?: Env;
  timing?: Partial<RotateTiming>;
}

export interface RotateTiming {
  /** How long the new key may take to start working, and how often it is tried. */
  verifyTimeoutMs: number;
  verifyIntervalMs: number;
  /** Deleting the old key is retried this long, this often (aws-vault: 20 s, 2 s). */
  deleteTimeoutMs: number;
  deleteIntervalMs: number;
}

export const DEFAULT_ROTATE_TIMING: RotateTiming = {
  verifyTimeoutMs: 30_000,
  verifyIntervalMs: 1_500,
  deleteTimeoutMs: 20_000,
  deleteIntervalMs: 2_000,
};

/** aws-vault's FormatKeyForDisplay: 16 `*` and the last 4 characters. */
export function formatKeyForDisplay(accessKeyId: string): string {
  return "****************" + accessKeyId.slice(-4);
}

/**
 * The name the master keys are stored under: the profile's own, else its source_profile's (one
 * level only, as aws-vault).
 */
export function masterCredentialsNameFor(profile: ProfileConfig, keys: string[]): string {
  if (keys.includes(profile.name)) return profile.name;
  if (profile.sourceProfileName !== "" && keys.includes(profile.sourceProfileName)) {
    return profile.sourceProfileName;
  }
  throw new UserError(
    `Error determining credential name for '${profile.name}': No master credentials found`,
  );
}

/** The IAM user name in a user ARN (`arn:aws:iam::1:user/path/name` -> `name`). */
export function userNameFromArn(arn: string): string | undefined {
  const m = /^arn:[^:]+:iam::\d*:user\/(.+)$/.exec(arn);
  return m ? m[1].split("/").pop() : undefined;
}

export async function rotate(req: RotateRequest): Promise<void> {
  const env: Env = req.env ?? ((n) => Deno.env.get(n));
  const timing = { ...DEFAULT_ROTATE_TIMING, ...req.timing };
  const { print, keystore } = req;
  const profile = resolveProfile(req.config, req.profileName, req.base, env);
  const masterName = masterCredentialsNameFor(profile, await keystore.keys());

  print(
    req.noSession
      ? `Rotating credentials stored for profile '${masterName}' using master credentials (takes 10-20 seconds)`
      : `Rotating credentials stored for profile '${masterName}' using a session from profile '${profile.name}' (takes 10-20 seconds)`,
  );

  let oldCreds: Credentials;
  try {
    oldCreds = await new MasterCredentialsProvider(keystore, masterName).retrieve();
  } catch (err) {
    throw new UserError(
      `Error loading source credentials for '${masterName}': ${errorMessage(err)}`,
    );
  }
  const oldShown = formatKeyForDisplay(oldCreds.accessKeyId);
  debug(`Rotating access key ${maskKey(oldCreds.accessKeyId)}`);
  print("Creating a new access key");

  const iamCreds = req.noSession ? oldCreds : await sessionCredentials(req, env);
  const { StsClient } = await importAtRunTime<typeof import("./aws/sts_client.ts")>(
    "sts/aws/sts_client.ts",
  );
  const { IamClient } = await importAtRunTime<typeof import("./aws/iam_client.ts")>(
    "sts/aws/iam_client.ts",
  );
  const iam = new IamClient({ profile, credentials: iamCreds, env });

  const userName = profile.roleArn !== "" ? await iamUserName(profile, oldCreds, env) : undefined;

  let newCreds: Credentials;
  try {
    newCreds = await iam.createAccessKey(userName);
  } catch (err) {
    throw new UserError(
      `Error creating a new access key: ${errorMessage(err)}. ` +
        `Nothing was changed: the old access key ${oldShown} is still stored and active`,
    );
  }
  const newShown = formatKeyForDisplay(newCreds.accessKeyId);
  print(`Created new access key ${newShown}`);
  newCreds = {
    accessKeyId: newCreds.accessKeyId,
    secretAccessKey: newCreds.secretAccessKey,
    sessionToken: "",
  };

  // A new key takes a few seconds to work everywhere; storing it before that would leave the
  // user with a key that fails.
  const verifyError = await retry(timing.verifyTimeoutMs, timing.verifyIntervalMs, async () => {
    await new StsClient({ profile, credentials: newCreds, env }).getCallerIdentity();
  });
  if (verifyError) {
    const fate = await discardNewKey(iam, newCreds, userName);
    throw new UserError(
      `New access key ${newShown} did not work within ${timing.verifyTimeoutMs / 1000}s: ` +
        `${verifyError}. ${fate}. The old access key ${oldShown} is still stored and active`,
    );
  }

  try {
    await keystore.set(masterCredentialsItem(masterName, newCreds));
  } catch (err) {
    const fate = await discardNewKey(iam, newCreds, userName);
    throw new UserError(
      `Error storing new access key ${formatKeyForDisplay(newCreds.accessKeyId)}: ${
        errorMessage(err)
      }. ` +
        `${fate}. The old access key ${oldShown} is still stored and active`,
    );
  }

  const store = new SessionStore(keystore);
  for (let p: ProfileConfig | undefined = profile; p; p = p.sourceProfile) {
    try {
      const n = await store.removeForProfile(p.name);
      if (n > 0) print(`Deleted ${n} sessions for ${p.name}`);
    } catch (err) {
      debug(`Could not delete the sessions of ${p.name}: ${errorMessage(err)}`);
    }
  }

  print(`Deleting old access key ${oldShown}`);
  let attempts = 0;
  const deleteError = await retry(timing.deleteTimeoutMs, timing.deleteIntervalMs, async () => {
    attempts++;
    await iam.deleteAccessKey(oldCreds.accessKeyId, userName);
  });
  if (deleteError) {
    throw new UserError(
      `Can't delete old access key ${oldShown}: After ${attempts} attempts, last error: ${deleteError}. ` +
        `The new access key ${newShown} is stored and works; the old access key ${oldShown} ` +
        `is still active at IAM: delete it yourself`,
    );
  }
  print(`Deleted old access key ${oldShown}`);
  print("Finished rotating access key");
}

/** Fresh (uncached) credentials from the profile's chain, for the IAM calls. */
async function sessionCredentials(req: RotateRequest, env: Env): Promise<Credentials> {
  try {
    const { provider } = await getCredentialsProvider({
      config: req.config,
      profileName: req.profileName,
      base: req.base,
      keystore: req.keystore,
      noSession: false,
      disableCache: true,
      env,
    });
    return await provider.retrieve();
  } catch (err) {
    throw new UserError(`Error getting temporary credentials: ${errorMessage(err)}`);
  }
}

async function iamUserName(profile: ProfileConfig, master: Credentials, env: Env): Promise<string> {
  const { StsClient } = await importAtRunTime<typeof import("./aws/sts_client.ts")>(
    "sts/aws/sts_client.ts",
  );
  let arn: string;
  try {
    arn = (await new StsClient({ profile, credentials: master, env }).getCallerIdentity()).arn;
  } catch (err) {
    throw new UserError(`Error getting IAM username from session: ${errorMessage(err)}`);
  }
  const name = userNameFromArn(arn);
  if (!name) {
    throw new UserError(`Error getting IAM username from session: ${arn} is not an IAM user`);
  }
  debug(`Found IAM username '${name}'`);
  return name;
}

/** Deletes a new key that will not be used; says what became of it. */
async function discardNewKey(
  iam: { deleteAccessKey(id: string, userName?: string): Promise<unknown> },
  newCreds: Credentials,
  userName: string | undefined,
): Promise<string> {
  const shown = formatKeyForDisplay(newCreds.accessKeyId);
  try {
    await iam.deleteAccessKey(newCreds.accessKeyId, userName);
    return `The new access key ${shown} was deleted again`;
  } catch (err) {
    return `The new access key ${shown} exists at IAM but is not stored or used ` +
      `(deleting it failed: ${errorMessage(err)}); delete it yourself`;
  }
}

/** Runs `fn` until it succeeds or `timeoutMs` passes; returns the last error message, if any. */
async function retry(
  timeoutMs: number,
  intervalMs: number,
  fn: () => Promise<void>,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    try {
      await fn();
      return undefined;
    } catch (err) {
      if (Date.now() + intervalMs > deadline) return errorMessage(err);
      debug(`Retrying after: ${errorMessage(err)}`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}
