/**
 * The backends, in aws-vault's order of preference, each with a cheap availability probe and a
 * lazy opener (a backend's module, and any native library it binds, loads only when it is used).
 */
import { UsageError } from "../lib/errors.ts";
import type { Keystore, KeystoreOptions } from "./keystore.ts";

export interface BackendDefinition {
  name: string;
  /** Cheap: looks at the OS, environment variables or PATH; never opens the store. */
  available(): boolean | Promise<boolean>;
  open(options: KeystoreOptions): Promise<Keystore>;
}

export const BACKENDS: BackendDefinition[] = [
  {
    name: "wincred",
    available: () => Deno.build.os === "windows",
    open: async (o) => (await import("./wincred.ts")).openWincredKeystore(o),
  },
  {
    name: "keychain",
    available: () => Deno.build.os === "darwin",
    open: async (o) => (await import("./keychain.ts")).openKeychainKeystore(o),
  },
  {
    // Linux desktops: a session bus exists and libsecret is installed (no D-Bus round trip).
    name: "secret-service",
    available: async () => (await import("./session_bus.ts")).secretServiceAvailable(),
    open: async (o) => (await import("./secret_service.ts")).openSecretServiceKeystore(o),
  },
  {
    // A session bus exists and DISABLE_KWALLET != "1", as keyring decides.
    name: "kwallet",
    available: async () => (await import("./session_bus.ts")).kwalletAvailable(),
    open: async () => (await import("./kwallet.ts")).openKWalletKeystore(),
  },
  {
    // As aws-vault: offered everywhere but Windows; the binary is checked when opened.
    name: "pass",
    available: () => Deno.build.os !== "windows",
    open: async (o) => (await import("./pass.ts")).openPassKeystore(o),
  },
  {
    name: "file",
    available: () => true,
    open: async (o) => (await import("./file.ts")).openFileKeystore(o),
  },
];

export async function availableBackendNames(): Promise<string[]> {
  const names: string[] = [];
  for (const b of BACKENDS) if (await b.available()) names.push(b.name);
  return names;
}

/**
 * Opens the named backend, or the first available one when `name` is "".
 * An unknown or unavailable name is a usage error in kingpin's words.
 */
export async function openKeystore(name: string, options: KeystoreOptions): Promise<Keystore> {
  const available = await availableBackendNames();
  const chosen = name === "" ? available[0] : name;
  if (!available.includes(chosen)) {
    throw new UsageError(
      `enum value must be one of ${available.join(",")}, got '${chosen}' (--backend)`,
    );
  }
  return await BACKENDS.find((b) => b.name === chosen)!.open(options);
}
