/** The keystore conformance suite for the encrypted file backend, in a temporary directory. */
import { runKeystoreConformance } from "./keystore_conformance.ts";
import { openTestFileStore } from "./file_store.ts";

runKeystoreConformance("file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aws-vault-file-store-" });
  const passphrase = "conformance passphrase";
  const keystore = await openTestFileStore(`${dir}/keys`, passphrase);
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
