/**
 * Helpers for the credentials-engine tests: a real file keystore in a temporary directory, a
 * config file parsed from text, and stored master keys, the same way the CLI stores them.
 */
import type { Credentials } from "../lib/credentials.ts";
import { masterCredentialsItem } from "../keystore/credential_items.ts";
import type { Keystore } from "../keystore/keystore.ts";
import { type AwsConfigFile, loadConfigFile } from "../sts/config/config.ts";
import { emptyBaseConfig, type ProfileBaseConfig } from "../sts/config/profile_config.ts";
import { type FakeAws, startFakeAws, writeAwsConfig } from "./fake_aws/server.ts";
import { tempHome } from "./run_cli.ts";
import { openTestFileStore } from "./file_store.ts";

export const TEST_PASSPHRASE = "engine-test-passphrase";

/** A file keystore in `dir` (default `<home>/.awsvault/keys`) with a known passphrase. */
export function fileKeystore(dir: string): Promise<Keystore> {
  return openTestFileStore(dir, TEST_PASSPHRASE);
}

/** The keystore the CLI opens in `home` with AWS_VAULT_BACKEND=file. */
export function homeKeystore(home: string): Promise<Keystore> {
  return fileKeystore(`${home}/.awsvault/keys`);
}

/** What every CLI test needs to use the file backend without prompts. */
export function fileBackendEnv(): Record<string, string> {
  return { AWS_VAULT_BACKEND: "file", AWS_VAULT_FILE_PASSPHRASE: TEST_PASSPHRASE };
}

export async function storeMasterKeys(
  keystore: Keystore,
  name: string,
  creds: Credentials,
): Promise<void> {
  await keystore.set(masterCredentialsItem(name, creds));
}

/** Writes `text` to `<dir>/config` and loads it as the CLI would. */
export async function configFromText(dir: string, text: string): Promise<AwsConfigFile> {
  const path = `${dir}/config`;
  await Deno.writeTextFile(path, text);
  return await loadConfigFile(path);
}

export function emptyBase(overrides: Partial<ProfileBaseConfig> = {}): ProfileBaseConfig {
  return emptyBaseConfig(overrides);
}

/** An environment with nothing in it but `vars` (tests never read the real one). */
export function envOf(vars: Record<string, string> = {}): (name: string) => string | undefined {
  return (name) => vars[name];
}

/** Dummy long-term keys (never sent anywhere). */
export function dummyKeys(suffix = "AAAA"): Credentials {
  return {
    accessKeyId: `AKIAEXAMPLE0000${suffix}`,
    secretAccessKey: "secret-" + suffix,
    sessionToken: "",
  };
}

/** A fake AWS, a temporary HOME with a config for it, and the file keystore the CLI will use. */
export interface FakeAwsSetup {
  fake: FakeAws;
  home: string;
  /** AWS_CONFIG_FILE, AWS_ENDPOINT_URL, the file backend, and `extraEnv`. */
  env: Record<string, string>;
  keystore: Keystore;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function fakeAwsSetup(
  config: (fake: FakeAws) => string,
  opts: { prepare?: (fake: FakeAws) => void; extraEnv?: Record<string, string> } = {},
): Promise<FakeAwsSetup> {
  const fake = await startFakeAws();
  opts.prepare?.(fake);
  const { home, cleanup } = await tempHome();
  const env = {
    ...(await writeAwsConfig(home, fake, config(fake))),
    ...fileBackendEnv(),
    ...opts.extraEnv,
  };
  return {
    fake,
    home,
    env,
    keystore: await homeKeystore(home),
    async [Symbol.asyncDispose]() {
      await fake.close();
      await cleanup();
    },
  };
}
