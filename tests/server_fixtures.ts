/**
 * Shared set-up for the credential-server tests: a temporary HOME whose file store holds a fake
 * user's long-term key, and a Deno child script that reports what it got from the server.
 */
import { tempHome } from "./run_cli.ts";
import { type FakeAws, type FakeUserHandle, writeAwsConfig } from "./fake_aws/server.ts";
import { openFileKeystore } from "../keystore/file.ts";
import { masterCredentialsItem } from "../keystore/credential_items.ts";

export interface ServerHome {
  home: string;
  /** File backend + AWS_CONFIG_FILE + AWS_ENDPOINT_URL (the fake). */
  env: Record<string, string>;
  cleanup: () => Promise<void>;
}

/** A temp HOME whose file store holds `user`'s key under `profile`, with `config` as ~/.aws/config. */
export async function serverHome(
  fake: FakeAws,
  user: FakeUserHandle,
  profile: string,
  config: string,
): Promise<ServerHome> {
  const { home, cleanup } = await tempHome();
  const keys = `${home}/keys`;
  const storeEnv = {
    AWS_VAULT_BACKEND: "file",
    AWS_VAULT_FILE_DIR: keys,
    AWS_VAULT_FILE_PASSPHRASE: "server-test-passphrase",
  };
  const store = await openFileKeystore({
    keychainName: "aws-vault",
    secretServiceCollection: "awsvault",
    passDir: "",
    passCmd: "",
    passPrefix: "",
    fileDir: keys,
  }, { env: (n) => ({ ...storeEnv, HOME: home } as Record<string, string>)[n] });
  await store.set(masterCredentialsItem(profile, user.credentials()));
  const awsEnv = await writeAwsConfig(home, fake, config);
  return { home, env: { ...storeEnv, ...awsEnv }, cleanup };
}

/** `deno eval <script>` as a child command line for `exec ... -- <argv>`. */
export function denoEval(script: string): string[] {
  return [Deno.execPath(), "eval", "--quiet", script];
}

/** Waits until `path` exists (a child's "I am ready" marker). */
export async function waitForFile(path: string, timeoutMs = 15_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await Deno.stat(path).then(() => true, () => false)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}
