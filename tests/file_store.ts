/** The file backend in `dir` with `passphrase`, as a test or a benchmark fills it directly. */
import { openFileKeystore } from "../keystore/file.ts";
import type { Keystore } from "../keystore/keystore.ts";

export function openTestFileStore(dir: string, passphrase: string): Promise<Keystore> {
  return openFileKeystore({
    keychainName: "",
    secretServiceCollection: "",
    passDir: "",
    passCmd: "",
    passPrefix: "",
    fileDir: dir,
  }, { env: (n) => (n === "AWS_VAULT_FILE_PASSPHRASE" ? passphrase : undefined) });
}
