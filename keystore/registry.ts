/**
 * The backends, in aws-vault's order of preference, each with a cheap availability probe and a
 * lazy opener (a backend's module, and any native library it binds, loads only when it is used).
 */
import { UsageError } from "../lib/errors.ts";
import { importAtRunTime } from "../lib/lazy_import.ts";
import type { Keystore, KeystoreOptions } from "./keystore.ts";

export interface BackendDefinition {
  name: string;
  /** Cheap: the OS, environment variables, PATH, a socket connect; never opens the store. */
  available(): boolean | Promise<boolean>;
  /** False: offered in `--backend` but never chosen as the default. */
  autoSelect?: boolean;
  open(options: KeystoreOptions): Promise<Keystore>;
}

type SessionBus = typeof import("./session_bus.ts");

/** Imports a backend's module only when that backend is used (see lib/lazy_import.ts). */
function load<T>(module: string): Promise<T> {
  return importAtRunTime<T>(`keystore/${module}.ts`);
}

export const BACKENDS: BackendDefinition[] = [
  {
    name: "wincred",
    available: () => Deno.build.os === "windows",
    open: async (o) =>
      (await load<typeof import("./wincred.ts")>("wincred")).openWincredKeystore(o),
  },
  {
    name: "keychain",
    available: () => Deno.build.os === "darwin",
    open: async (o) =>
      (await load<typeof import("./keychain.ts")>("keychain")).openKeychainKeystore(o),
  },
  {
    // Linux desktops: libsecret is installed and the session bus socket accepts a connection.
    name: "secret-service",
    available: async () => (await load<SessionBus>("session_bus")).secretServiceAvailable(),
    open: async (o) =>
      (await load<typeof import("./secret_service.ts")>("secret_service"))
        .openSecretServiceKeystore(o),
  },
  {
    // The session bus socket accepts a connection and DISABLE_KWALLET != "1", as keyring decides.
    name: "kwallet",
    available: async () => (await load<SessionBus>("session_bus")).kwalletAvailable(),
    open: async () => (await load<typeof import("./kwallet.ts")>("kwallet")).openKWalletKeystore(),
  },
  {
    // Offered on Linux in aws-vault's position, but never the default: the kernel keyring is
    // emptied by a reboot, so a default there would lose credentials without a word. (aws-vault
    // picks it on Linux without a session bus and then fails: it never sets a scope, #890.)
    name: "keyctl",
    available: () => Deno.build.os === "linux",
    autoSelect: false,
    open: async (o) => (await load<typeof import("./keyctl.ts")>("keyctl")).openKeyctlKeystore(o),
  },
  {
    // As aws-vault: offered everywhere but Windows; the binary is checked when opened.
    name: "pass",
    available: () => Deno.build.os !== "windows",
    open: async (o) => (await load<typeof import("./pass.ts")>("pass")).openPassKeystore(o),
  },
  {
    name: "file",
    available: () => true,
    open: async (o) => (await load<typeof import("./file.ts")>("file")).openFileKeystore(o),
  },
];

export async function availableBackendNames(): Promise<string[]> {
  const names: string[] = [];
  for (const b of BACKENDS) if (await b.available()) names.push(b.name);
  return names;
}

/** The backend used without --backend: the first of `available` that may be chosen by default. */
export function defaultBackendName(available: string[]): string | undefined {
  return BACKENDS.find((b) => available.includes(b.name) && b.autoSelect !== false)?.name;
}

/**
 * Opens the named backend, or the first available one when `name` is "".
 * An unknown or unavailable name is a usage error in kingpin's words.
 */
export async function openKeystore(name: string, options: KeystoreOptions): Promise<Keystore> {
  // With --backend, probe only that backend; the full list is needed only for the default or
  // for the error message.
  const named = BACKENDS.find((b) => b.name === name);
  if (named && await named.available()) return await named.open(options);
  const available = await availableBackendNames();
  const fallback = defaultBackendName(available);
  if (name === "" && fallback) {
    return await BACKENDS.find((b) => b.name === fallback)!.open(options);
  }
  throw new UsageError(
    `--backend value must be one of ${available.join(",")}, got '${name}'`,
  );
}
