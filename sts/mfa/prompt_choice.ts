/**
 * Which MFA prompt drivers exist here, and the check of a `--prompt`/`AWS_VAULT_PROMPT` value (aws-vault's
 * prompt.Available() and the Validate hook of cli/global.go). Apart from the drivers themselves
 * (sts/mfa/prompt_drivers.ts) because every command runs the check when a driver is named, a cached
 * `credential_process` call included: this module is small and in the release bundle's entry half
 * (scripts/bundle.ts HOT_MODULES).
 */
import { UsageError, UserError } from "../../lib/errors.ts";
import { findExecutable } from "../../lib/which.ts";

/** The drivers that run an external program, with the binary each needs. */
export const BINARY_DRIVERS: Record<string, string> = {
  kdialog: "kdialog",
  osascript: "osascript",
  ykman: "ykman",
  zenity: "zenity",
};

export const PASS_REMOVED_MESSAGE =
  "--prompt=pass (or AWS_VAULT_PROMPT=pass) has been removed from aws-vault as using TOTPs " +
  "without a dedicated device goes against security best practices. If you wish to continue " +
  "using pass, add `mfa_process = pass otp <your mfa_serial>` to profiles in your " +
  "~/.aws/config file.";

export type Env = (name: string) => string | undefined;
const processEnv: Env = (name) => Deno.env.get(name);

/** Whether driver `name` can be used on this machine (its binary on PATH, where it needs one). */
function driverAvailable(name: string, env: Env): boolean {
  if (name === "terminal") return true;
  if (name === "wincredui") return Deno.build.os === "windows";
  const binary = BINARY_DRIVERS[name];
  return binary !== undefined && findExecutable(binary, env) !== undefined;
}

/** The drivers usable on this machine, sorted alphabetically as aws-vault lists them. */
export function availablePromptDrivers(env: Env = processEnv): string[] {
  const names = ["terminal", "wincredui", ...Object.keys(BINARY_DRIVERS)];
  return names.filter((n) => driverAvailable(n, env)).sort();
}

/**
 * Checks a `--prompt`/`AWS_VAULT_PROMPT` value ("" means auto-select). Throws a UsageError in
 * kingpin's enum wording, or a UserError with aws-vault's removal message for `pass` (printed
 * through kingpin.Fatalf, so without `, try --help`). Only the named driver is looked up on PATH;
 * the whole list only for the error.
 */
export function validatePromptDriver(name: string, env: Env = processEnv): void {
  if (name === "") return;
  if (name === "pass") throw new UserError(PASS_REMOVED_MESSAGE);
  if (driverAvailable(name, env)) return;
  const available = availablePromptDrivers(env).join(",");
  throw new UsageError(`--prompt value must be one of ${available}, got '${name}'`);
}
