/**
 * Keystores as a test or a benchmark opens them directly: options with every backend's field
 * empty unless given, and the file backend in a directory with a known passphrase.
 */
import { openFileKeystore } from "../keystore/file.ts";
import type { Keystore, KeystoreOptions } from "../keystore/keystore.ts";

/** KeystoreOptions with every field empty except those in `fields`. */
export function keystoreOptions(fields: Partial<KeystoreOptions> = {}): KeystoreOptions {
  return {
    keychainName: "",
    secretServiceCollection: "",
    passDir: "",
    passCmd: "",
    passPrefix: "",
    fileDir: "",
    ...fields,
  };
}

export function openTestFileStore(dir: string, passphrase: string): Promise<Keystore> {
  return openFileKeystore(keystoreOptions({ fileDir: dir }), {
    env: (n) => (n === "AWS_VAULT_FILE_PASSPHRASE" ? passphrase : undefined),
  });
}
