/**
 * Health probes of each backend for `aws-vault doctor`. A probe looks, it never acts: no item is
 * written, no collection or wallet created or unlocked, no daemon started, no passphrase asked.
 * Where a real command would prompt, the probe says so. The D-Bus backends are in probe_dbus.ts,
 * pass in probe_pass.ts.
 */
export type { ProbeResult } from "./probe_result.ts";
export { passItemDecrypts } from "./probe_pass.ts";
import { expandTilde, PASSPHRASE_ENV } from "./file.ts";
import { DEFAULT_COLLECTION } from "./secret_service.ts";
import { probeKWallet, probeSecretService } from "./probe_dbus.ts";
import { probePass } from "./probe_pass.ts";
import { type ProbeResult, result } from "./probe_result.ts";
import { findKeyring, KEYCTL_KEYRING_NAME, keyctlScope, openKeyutils } from "./keyctl.ts";
import type { KeystoreOptions } from "./keystore.ts";
import { terminalAvailable } from "../lib/tty.ts";

type Env = (name: string) => string | undefined;

/** Probes the named backend in `env` (doctor's view of the environment, withheld variables too). */
export async function probeBackend(
  name: string,
  options: KeystoreOptions,
  env: Env,
): Promise<ProbeResult> {
  switch (name) {
    case "secret-service":
      return await probeSecretService(options.secretServiceCollection || DEFAULT_COLLECTION, env);
    case "kwallet":
      return await probeKWallet(env);
    case "pass":
      return await probePass(options, env);
    case "file":
      return await probeFile(options, env);
    case "keychain":
      return probeKeychain(options, env);
    case "keyctl":
      return probeKeyctl(options);
    case "wincred":
      return result("ok", "Windows Credential Manager", "", { listable: true });
  }
  return result("fail", `unknown backend '${name}'`);
}

async function probeFile(options: KeystoreOptions, env: Env): Promise<ProbeResult> {
  let dir: string;
  try {
    // The directory the file backend opens, expanded as it expands it.
    dir = expandTilde(options.fileDir, env);
  } catch (err) {
    return result("fail", (err as Error).message, "set HOME or an absolute --file-dir");
  }
  let exists = false;
  try {
    if (!Deno.statSync(dir).isDirectory) {
      return result("fail", `${dir} is a file, not a directory`, `move it away or set --file-dir`);
    }
    exists = true;
  } catch {
    // Missing: the first write creates it; doctor does not.
  }
  // keys() and get() create a missing directory, so they are used only when it exists.
  const listing = exists ? { listable: true } : { keys: [] };
  const where = exists ? `directory ${dir}` : `directory ${dir} (not created yet)`;
  if (env(PASSPHRASE_ENV) !== undefined) {
    return result("ok", `${where}, passphrase from ${PASSPHRASE_ENV}`, "", {
      ...listing,
      readable: exists,
    });
  }
  // The file backend asks for the passphrase where lib/tty.ts finds a terminal.
  const terminal = await terminalAvailable();
  return result(
    terminal ? "warn" : "fail",
    terminal
      ? `${where}; ${PASSPHRASE_ENV} is not set, so the passphrase is asked on the terminal`
      : `${where}; ${PASSPHRASE_ENV} is not set and there is no terminal to ask for the passphrase`,
    `export ${PASSPHRASE_ENV} for scripts and credential_process`,
    listing,
  );
}

function probeKeychain(options: KeystoreOptions, env: Env): ProbeResult {
  const name = options.keychainName || "aws-vault";
  // keyring opens `<name>.keychain`; macOS keeps it as `<name>.keychain-db` since 10.12.
  const dir = `${env("HOME") ?? ""}/Library/Keychains`;
  const path = [`${dir}/${name}.keychain-db`, `${dir}/${name}.keychain`].find((p) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  });
  if (path !== undefined) {
    return result("ok", `keychain ${path} exists (items are not listed: that may prompt)`);
  }
  return result(
    "warn",
    `keychain '${name}' does not exist yet: the first 'aws-vault add' creates it and asks for ` +
      "its password",
    "run 'aws-vault add <profile>'",
  );
}

/**
 * keyctl: the library loads and the `aws-vault` keyring is searched for in the scope's keyring
 * with keyctl.ts's own search (not its opener, which would create the keyring).
 */
function probeKeyctl(options: KeystoreOptions): ProbeResult {
  let scope: string;
  let found: number | undefined;
  try {
    const named = keyctlScope(options);
    scope = named.scope;
    found = findKeyring(openKeyutils(), named.parent, KEYCTL_KEYRING_NAME, `the ${scope} keyring`);
  } catch (err) {
    return result(
      "fail",
      (err as Error).message,
      "check --keyctl-scope, libkeyutils1 (Debian/Ubuntu) or keyutils-libs, and the session's " +
        "keyrings (keyctl show)",
    );
  }
  const volatile = "keys live in kernel memory: a reboot (or the end of the scope) empties them";
  if (found !== undefined) {
    return result(
      "warn",
      `keyring '${KEYCTL_KEYRING_NAME}' found in the ${scope} keyring; ${volatile}`,
      "keep a copy of long-term keys elsewhere, or use a persistent backend",
      { listable: true, readable: true },
    );
  }
  return result(
    "warn",
    `no keyring '${KEYCTL_KEYRING_NAME}' in the ${scope} keyring yet (the first 'aws-vault add' creates it); ${volatile}`,
    "use a persistent backend unless you reload keys after each boot",
    { keys: [] },
  );
}
