/**
 * The pass backend's probe for `aws-vault doctor`: the program, the store's .gpg-id, a gpg secret
 * key for each id, and items decrypted by gpg in batch mode with pinentry disabled, so nothing
 * ever asks for a passphrase.
 */
import { findExecutable } from "../lib/which.ts";
import { passEntryName, resolvePassDir } from "./pass.ts";
import type { KeystoreOptions } from "./keystore.ts";
import { type ProbeResult, result } from "./probe_result.ts";

type Env = (name: string) => string | undefined;

export async function probePass(options: KeystoreOptions, env: Env): Promise<ProbeResult> {
  const passCmd = options.passCmd || "pass";
  if (findExecutable(passCmd, env) === undefined) {
    return result(
      "fail",
      `the pass program '${passCmd}' is not found`,
      "install pass (apt-get install pass) or set --pass-cmd",
    );
  }
  const dir = resolvePassDir(options.passDir, env);
  const gpgId = findGpgId(dir, options.passPrefix);
  if (gpgId === undefined) {
    return result(
      "fail",
      `no .gpg-id in the password store ${dir}: pass is not initialised`,
      "run 'pass init <gpg key id>'",
    );
  }
  const ids = Deno.readTextFileSync(gpgId).split("\n").map((l) => l.trim()).filter((l) =>
    l !== "" && !l.startsWith("#")
  );
  const gpg = findGpg(env);
  if (gpg === undefined) return result("fail", "gpg is not installed", "install gnupg");
  const missing: string[] = [];
  for (const id of ids) {
    const out = await new Deno.Command(gpg, {
      args: ["--batch", "--with-colons", "--list-secret-keys", id],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    if (!out.success) missing.push(id);
  }
  if (missing.length > 0) {
    return result(
      "fail",
      `no gpg secret key for ${missing.join(", ")} (from ${gpgId}): items cannot be decrypted`,
      "import the secret key (gpg --import) or re-init pass with a key you have",
    );
  }
  return result("ok", `store ${dir}, gpg secret key present for ${ids.join(", ")}`, "", {
    listable: true,
    readable: true,
  });
}

/** The gpg that pass runs: gpg2 when it is installed, else gpg (as the pass script picks). */
function findGpg(env: Env): string | undefined {
  return findExecutable("gpg2", env) ?? findExecutable("gpg", env);
}

/** pass uses the nearest .gpg-id from the entry's directory up to the store root. */
function findGpgId(dir: string, prefix: string): string | undefined {
  const parts = prefix.split("/").filter((p) => p !== "");
  for (let i = parts.length; i >= 0; i--) {
    const candidate = [dir, ...parts.slice(0, i), ".gpg-id"].join("/");
    try {
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch {
      // not at this level
    }
  }
  return undefined;
}

/**
 * Whether pass's entry for `key` decrypts without asking anything: gpg in batch mode with
 * pinentry disabled, so a key that needs its passphrase fails instead of prompting. The
 * plaintext goes nowhere.
 */
export async function passItemDecrypts(
  options: KeystoreOptions,
  key: string,
  env: Env,
): Promise<boolean> {
  const gpg = findGpg(env);
  if (gpg === undefined) return false;
  const file = `${resolvePassDir(options.passDir, env)}/${
    passEntryName(options.passPrefix, key)
  }.gpg`;
  const out = await new Deno.Command(gpg, {
    args: ["--batch", "--quiet", "--pinentry-mode", "error", "--decrypt", file],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).output();
  return out.success;
}
