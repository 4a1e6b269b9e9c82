/** The keystore conformance suite for the encrypted file backend, in a temporary directory. */
import { runKeystoreConformance } from "./keystore_conformance.ts";
import { openFileKeystore } from "../keystore/file.ts";

runKeystoreConformance("file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aws-vault-file-store-" });
  const passphrase = "conformance passphrase";
  const env: Record<string, string> = { AWS_VAULT_FILE_PASSPHRASE: passphrase, HOME: dir };
  const keystore = await openFileKeystore({
    keychainName: "aws-vault",
    secretServiceCollection: "awsvault",
    passDir: "",
    passCmd: "",
    passPrefix: "",
    fileDir: `${dir}/keys`,
  }, { env: (name) => env[name] });
  return {
    keystore,
    cleanup: () => Deno.remove(dir, { recursive: true }),
    cliEnv: {
      AWS_VAULT_BACKEND: "file",
      AWS_VAULT_FILE_DIR: `${dir}/keys`,
      AWS_VAULT_FILE_PASSPHRASE: passphrase,
    },
  };
});
