/**
 * A temporary HOME for end-to-end tests against the fake AWS: a file-backend store holding a fake
 * user's long-term key under `profile`, and `config` as ~/.aws/config pointing at the fake.
 */
import { tempHome } from "../run_cli.ts";
import { type FakeAws, type FakeUserHandle, writeAwsConfig } from "./server.ts";
import { openTestFileStore } from "../file_store.ts";
import { masterCredentialsItem } from "../../keystore/credential_items.ts";

export interface FakeAwsHome {
  home: string;
  /** File backend + AWS_CONFIG_FILE + AWS_ENDPOINT_URL (the fake). */
  env: Record<string, string>;
  cleanup: () => Promise<void>;
}

export async function fakeAwsHome(
  fake: FakeAws,
  user: FakeUserHandle,
  profile: string,
  config: string,
): Promise<FakeAwsHome> {
  const { home, cleanup } = await tempHome();
  const keys = `${home}/keys`;
  const storeEnv = {
    AWS_VAULT_BACKEND: "file",
    AWS_VAULT_FILE_DIR: keys,
    AWS_VAULT_FILE_PASSPHRASE: "test-passphrase",
  };
  const store = await openTestFileStore(keys, storeEnv.AWS_VAULT_FILE_PASSPHRASE);
  await store.set(masterCredentialsItem(profile, user.credentials()));
  const awsEnv = await writeAwsConfig(home, fake, config);
  return { home, env: { ...storeEnv, ...awsEnv }, cleanup };
}
