/** Opens the keystore named by the global flags (`--backend` and the per-backend options). */
import type { Keystore, KeystoreOptions } from "../keystore/keystore.ts";
import type { GlobalOptions } from "./command.ts";
import { importAtRunTime } from "../lib/lazy_import.ts";

/** The KeystoreOptions that the global flags describe. */
export function keystoreOptionsFrom(global: GlobalOptions): KeystoreOptions {
  return {
    keychainName: global.keychain,
    secretServiceCollection: global.secretServiceCollection,
    passDir: global.passDir,
    passCmd: global.passCmd,
    passPrefix: global.passPrefix,
    fileDir: global.fileDir,
    keyctlScope: global.keyctlScope,
  };
}

/** Opens `--backend` (or the first available backend); the registry is loaded lazily. */
export async function openCommandKeystore(global: GlobalOptions): Promise<Keystore> {
  const { openKeystore } = await importAtRunTime<typeof import("../keystore/registry.ts")>(
    "keystore/registry.ts",
  );
  return await openKeystore(global.backend, keystoreOptionsFrom(global));
}
