/**
 * Where MFA codes come from (aws-vault's vault/mfa.go): `--mfa-token` (the same code for every MFA
 * call of the process) > `mfa_process` (stdout, trimmed) > a prompt driver (`--prompt`,
 * `AWS_VAULT_PROMPT`, or auto-selected as prompt/prompt.go does). A code typed at a prompt is
 * remembered for a short while per serial, so one process never asks twice for the same device
 * (e.g. two roles with the same mfa_serial assumed with --no-session); a code AWS refused is
 * forgotten so that the next need asks again.
 */
import { debug } from "../../lib/log.ts";
import { UserError } from "../../lib/errors.ts";
import type { ProfileConfig } from "../config/profile_config.ts";
import { runShellCommand } from "../../lib/shell_process.ts";
import { importAtRunTime } from "../../lib/lazy_import.ts";

/** How long a prompted code is reused: about one TOTP window either side. */
const PROMPTED_CODE_REUSE_MS = 60_000;

const promptedCodes = new Map<string, { code: Promise<string>; at: number }>();
let forbiddenReason: string | undefined;

/**
 * From now on, any MFA code that would need a prompt fails with `reason` (the ECS/EC2 servers
 * call this once the child owns the terminal). `--mfa-token` and `mfa_process` still work: they
 * do not prompt.
 */
export function forbidMfaPrompts(reason: string): void {
  forbiddenReason = reason;
}

/** Drops a remembered code (call it when AWS refused the code). */
export function forgetMfaCode(mfaSerial: string): void {
  promptedCodes.delete(mfaSerial);
}

/** For tests: forget every remembered code and allow prompts again. */
export function resetMfaState(): void {
  promptedCodes.clear();
  forbiddenReason = undefined;
}

/** What decides how to get a code: the profile's MFA fields. */
export type MfaSettings = Pick<ProfileConfig, "mfaToken" | "mfaProcess" | "mfaPromptMethod">;

/** Gets a code for `mfaSerial` from the profile's sources. */
export async function getMfaToken(mfaSerial: string, settings: MfaSettings): Promise<string> {
  if (settings.mfaToken !== "") return settings.mfaToken;
  if (settings.mfaProcess !== "") {
    debug(`Getting MFA code for ${mfaSerial} from mfa_process`);
    try {
      return (await runShellCommand(settings.mfaProcess, { stdin: "null" })).trim();
    } catch (err) {
      throw new UserError(`process provider: ${(err as Error).message}`);
    }
  }
  const remembered = promptedCodes.get(mfaSerial);
  if (remembered && Date.now() - remembered.at < PROMPTED_CODE_REUSE_MS) {
    return await remembered.code;
  }
  if (forbiddenReason !== undefined) throw new UserError(forbiddenReason);
  const code = promptForCode(mfaSerial, settings.mfaPromptMethod);
  promptedCodes.set(mfaSerial, { code, at: Date.now() });
  try {
    return await code;
  } catch (err) {
    forgetMfaCode(mfaSerial);
    throw err;
  }
}

async function promptForCode(mfaSerial: string, method: string): Promise<string> {
  const drivers = await importAtRunTime<typeof import("./prompt_drivers.ts")>(
    "sts/mfa/prompt_drivers.ts",
  );
  const driver = method !== "" ? method : drivers.defaultPromptDriver({ serverMode: false });
  debug(`Using prompt driver: ${driver}`);
  return await drivers.promptWithDriver(driver, mfaSerial);
}
