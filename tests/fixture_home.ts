/** A temporary HOME holding a copy of the file store and config written by aws-vault v7.2.0. */
import { FIXTURES, tempHome } from "./run_cli.ts";

export const FIXTURE_STORE = `${FIXTURES}/aws-vault-7.2.0-file-store`;

export interface FixtureHome {
  home: string;
  /** Variables that select the file backend holding the fixture keys. */
  env: Record<string, string>;
  cleanup: () => Promise<void>;
}

/** A temporary HOME with the fixture keys (writable copies) and the fixture's ~/.aws/config. */
export async function fixtureHome(config?: string): Promise<FixtureHome> {
  const { home, cleanup } = await tempHome();
  const keys = `${home}/keys`;
  await Deno.mkdir(keys, { mode: 0o700 });
  for await (const entry of Deno.readDir(`${FIXTURE_STORE}/keys`)) {
    await Deno.copyFile(`${FIXTURE_STORE}/keys/${entry.name}`, `${keys}/${entry.name}`);
    await Deno.chmod(`${keys}/${entry.name}`, 0o600);
  }
  await Deno.writeTextFile(
    `${home}/.aws/config`,
    config ?? await Deno.readTextFile(`${FIXTURE_STORE}/config-after-add`),
  );
  return {
    home,
    env: {
      AWS_VAULT_BACKEND: "file",
      AWS_VAULT_FILE_DIR: keys,
      AWS_VAULT_FILE_PASSPHRASE: "fixture-passphrase",
    },
    cleanup,
  };
}
