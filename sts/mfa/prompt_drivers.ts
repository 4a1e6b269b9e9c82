/**
 * MFA prompt drivers (aws-vault's prompt/ directory): `terminal` (always), `kdialog`, `osascript`,
 * `ykman` and `zenity` when their binary is on PATH, `wincredui` on Windows. Every driver shows
 * `Enter MFA code for <serial>: ` and returns the trimmed answer.
 */
import { UsageError, UserError } from "../../lib/errors.ts";
import { promptTerminal, terminalAvailable } from "../../lib/tty.ts";
import { findExecutable } from "../../lib/which.ts";
import { importAtRunTime } from "../../lib/lazy_import.ts";
import { availablePromptDrivers, type Env } from "./prompt_choice.ts";

const processEnv: Env = (name) => Deno.env.get(name);

/** The message every driver shows. */
export function mfaPromptMessage(mfaSerial: string): string {
  return `Enter MFA code for ${mfaSerial}: `;
}

export interface AutoSelectOptions {
  /** exec with --ecs-server/--ec2-server: the child owns the terminal while we refresh. */
  serverMode: boolean;
  /** Whether stdout is a terminal; computed when omitted. */
  stdoutIsTerminal?: boolean;
  env?: Env;
}

/**
 * aws-vault's choice when no driver is given: `terminal`, unless stdout is not a terminal or a
 * server mode is on; then the first non-terminal driver alphabetically, else `terminal`.
 */
export function defaultPromptDriver(opts: AutoSelectOptions): string {
  const stdoutIsTerminal = opts.stdoutIsTerminal ?? Deno.stdout.isTerminal();
  if (stdoutIsTerminal && !opts.serverMode) return "terminal";
  return availablePromptDrivers(opts.env).find((d) => d !== "terminal") ?? "terminal";
}

/** Asks for an MFA code with the named driver. */
export async function promptWithDriver(
  driver: string,
  mfaSerial: string,
  env: Env = processEnv,
): Promise<string> {
  const message = mfaPromptMessage(mfaSerial);
  switch (driver) {
    case "terminal":
      return await terminalPrompt(message, mfaSerial, env);
    case "osascript":
      return await runDriver("osascript", ["-e", osascriptProgram(message)], env);
    case "zenity":
      return await runDriver("zenity", ["--entry", "--title", "aws-vault", "--text", message], env);
    case "kdialog":
      return await runDriver("kdialog", ["--inputbox", message, "--title", "aws-vault"], env);
    case "ykman":
      return await runDriver("ykman", ykmanArgs(mfaSerial, env), env, "ykman: ");
    case "wincredui": {
      const { promptWincredui } = await importAtRunTime<typeof import("./prompt_wincredui.ts")>(
        "sts/mfa/prompt_wincredui.ts",
      );
      return (await promptWincredui(message, mfaSerial)).trim();
    }
    default:
      throw new UsageError(
        `--prompt value must be one of ${availablePromptDrivers(env).join(",")}, got '${driver}'`,
      );
  }
}

/** The osascript program aws-vault runs (the message quoted as Go's %q would). */
export function osascriptProgram(message: string): string {
  return `display dialog ${JSON.stringify(message)} default answer "" buttons {"OK", "Cancel"} ` +
    `default button 1\ntext returned of the result\nreturn result`;
}

/**
 * ykman's arguments: `[--device <YKMAN_OATH_DEVICE_SERIAL>] oath accounts code --single <name>`,
 * or `oath code` for ykman 1-3 (`AWS_VAULT_YKMAN_VERSION`); the account name is
 * `YKMAN_OATH_CREDENTIAL_NAME` or the MFA serial.
 */
export function ykmanArgs(mfaSerial: string, env: Env = processEnv): string[] {
  const args: string[] = [];
  const device = env("YKMAN_OATH_DEVICE_SERIAL");
  if (device) args.push("--device", device);
  const legacy = ["1", "2", "3"].includes(env("AWS_VAULT_YKMAN_VERSION") ?? "");
  args.push(...(legacy ? ["oath", "code"] : ["oath", "accounts", "code"]));
  args.push("--single", env("YKMAN_OATH_CREDENTIAL_NAME") || mfaSerial);
  return args;
}

async function terminalPrompt(message: string, mfaSerial: string, env: Env): Promise<string> {
  if (!(await terminalAvailable())) {
    const gui = availablePromptDrivers(env).filter((d) => d !== "terminal");
    const hint = gui.length > 0 ? gui.join("|") : "zenity|kdialog|osascript|ykman";
    throw new UserError(
      `cannot ask for the MFA code for ${mfaSerial}: no terminal is available. ` +
        `Use --mfa-token, set mfa_process in the profile, or use --prompt=<${hint}>`,
    );
  }
  return (await promptTerminal(message, { echo: true })).trim();
}

async function runDriver(
  binary: string,
  args: string[],
  env: Env,
  errorPrefix = `${binary}: `,
): Promise<string> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(findExecutable(binary, env) ?? binary, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).output();
  } catch (err) {
    throw new UserError(`${errorPrefix}${(err as Error).message}`);
  }
  if (!output.success) {
    throw new UserError(`${errorPrefix}exit status ${output.code}`);
  }
  return new TextDecoder().decode(output.stdout).trim();
}
