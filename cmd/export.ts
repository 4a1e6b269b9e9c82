/**
 * `aws-vault export <profile>` (aws-vault's cli/export.go): prints the profile's credentials as env
 * lines, export lines, credential_process JSON or an ini section.
 *
 * This runs once per AWS CLI call when used as `credential_process`, so it imports only the
 * formatter statically; config, keystore and provider chain load in parallel when run() starts.
 */
import { ConfigLoadError, errorMessage, UsageError, UserError } from "../lib/errors.ts";
import type { Credentials, CredentialsProvider } from "../lib/credentials.ts";
import type { ArgSpec, FlagSpec, ParsedFlags } from "./parser.ts";
import type { CommandContext, GlobalOptions } from "./command.ts";
import type { ProfileBaseConfig, ProfileConfig } from "../sts/config/profile_config.ts";
import type { Keystore } from "../keystore/keystore.ts";
import { openCommandKeystore } from "./open_keystore.ts";
import { EXPORT_FORMATS, type ExportFormat, formatCredentials } from "./export_formats.ts";
import { printOut, stdoutWasClosed } from "./output.ts";
import { importAtRunTime } from "../lib/lazy_import.ts";

/** Flags declared alike by exec, export and login (login orders them as aws-vault does). */
export const NO_SESSION_FLAG: FlagSpec = {
  name: "no-session",
  short: "n",
  kind: "bool",
  help: "Skip creating STS session with GetSessionToken",
};
export const REGION_FLAG: FlagSpec = {
  name: "region",
  kind: "string",
  help: "The AWS region",
  placeholder: "REGION",
};
export const MFA_TOKEN_FLAG: FlagSpec = {
  name: "mfa-token",
  short: "t",
  kind: "string",
  help: "The MFA token to use",
  placeholder: "MFA-TOKEN",
};
export const USE_DEVICE_CODE_FLAG: FlagSpec = {
  name: "use-device-code",
  kind: "bool",
  env: "AWS_VAULT_SSO_USE_DEVICE_CODE",
  help: "Use the SSO device code flow instead of the browser's authorization code flow",
};

/** The flags export shares with exec (same names, shorts and help as aws-vault). */
export const CREDENTIAL_FLAGS: FlagSpec[] = [
  {
    name: "duration",
    short: "d",
    kind: "duration",
    env: "AWS_VAULT_DURATION",
    help: "Duration of the temporary or assume-role session. Defaults to 1h",
    placeholder: "DURATION",
  },
  NO_SESSION_FLAG,
  REGION_FLAG,
  MFA_TOKEN_FLAG,
];

/** The SSO flags: after the command's own flags, where aws-vault declares `--stdout`. */
export const SSO_FLAGS: FlagSpec[] = [
  {
    name: "stdout",
    kind: "bool",
    env: "AWS_VAULT_STDOUT",
    help: "Print the SSO link to the terminal without automatically opening the browser",
  },
  USE_DEVICE_CODE_FLAG,
];

export const flags: FlagSpec[] = [
  ...CREDENTIAL_FLAGS,
  {
    name: "format",
    kind: "enum",
    default: "env",
    enumValues: () => [...EXPORT_FORMATS],
    help: `Format to output credentials. Valid formats: ${EXPORT_FORMATS.join(", ")}`,
    placeholder: "FORMAT",
  },
  ...SSO_FLAGS,
];

export const args: ArgSpec[] = [
  { name: "profile", help: "Name of the profile (default: a picker on a terminal)" },
];

/** aws-vault's nesting guard for export (exec words it with "running in ..."). */
export const EXPORT_NESTED_MESSAGE =
  "in an existing aws-vault subshell; 'exit' from the subshell or unset AWS_VAULT to force";

export async function run(ctx: CommandContext): Promise<number> {
  if (Deno.env.get("AWS_VAULT")) throw new UserError(EXPORT_NESTED_MESSAGE);
  if ((ctx.args.profile ?? "") === "") {
    // Only then: the credential_process path (a profile given) loads nothing more.
    const { resolveProfileArg } = await importAtRunTime<typeof import("./profile_arg.ts")>(
      "cmd/profile_arg.ts",
    );
    await resolveProfileArg(ctx, { fromAwsProfile: false });
  }
  await exportCredentials(ctx, ctx.flags.string("format") as ExportFormat);
  return 0;
}

/**
 * Retrieves the profile's credentials and writes them to stdout in `format` (also `exec --json`).
 */
export async function exportCredentials(ctx: CommandContext, format: ExportFormat): Promise<void> {
  // Checked first, so that nobody is asked for an MFA code for credentials that would be lost.
  if (stdoutWasClosed()) {
    throw new UserError("stdout is closed; not writing credentials to nowhere");
  }
  const session = await openCredentialsProvider(ctx, ctx.flags.bool("no-session"));
  const creds = await retrieveCredentials(session.provider, ctx.args.profile);
  const text = formatCredentials(format, ctx.args.profile, creds, session.profile.region);
  await printOut(text);
}

/** What exec and export need to get credentials for one profile. */
export interface CredentialsSession {
  profile: ProfileConfig;
  provider: CredentialsProvider;
  keystore: Keystore;
}

/**
 * The base profile config (the first layer of vault/config.go's resolution) from the shared
 * credential flags and --prompt.
 */
export function baseConfigFromFlags(
  flags: ParsedFlags,
  global: GlobalOptions,
  promptMethod = global.prompt,
): ProfileBaseConfig {
  return {
    region: flags.string("region"),
    mfaToken: flags.string("mfa-token"),
    mfaPromptMethod: promptMethod,
    duration: flags.duration("duration"),
    ssoUseStdout: flags.bool("stdout"),
    ssoUseDeviceCode: flags.bool("use-device-code"),
  };
}

/**
 * Loads the config, opens the keystore and builds the provider chain for `ctx.args.profile`.
 * Makes no AWS call yet (MFA prompts happen in retrieve()).
 */
export async function openCredentialsProvider(
  ctx: CommandContext,
  noSession: boolean,
  promptMethod = ctx.global.prompt,
): Promise<CredentialsSession> {
  // Started together: each is a separate module graph, and export's start-up time matters.
  const [configModule, chain] = await Promise.all([
    importAtRunTime<typeof import("../sts/config/config.ts")>("sts/config/config.ts"),
    importAtRunTime<typeof import("../sts/chain.ts")>("sts/chain.ts"),
  ]);
  const base = baseConfigFromFlags(ctx.flags, ctx.global, promptMethod);
  const config = await configModule.loadConfigFile();
  const keystore = await openCommandKeystore(ctx.global);
  try {
    const { profile, provider } = await chain.getCredentialsProvider({
      config,
      profileName: ctx.args.profile,
      base,
      keystore,
      noSession,
    });
    return { profile, provider, keystore };
  } catch (err) {
    // aws-vault's wording for a profile it cannot build a provider for. Usage errors (a bad
    // --prompt) keep kingpin's format.
    if (err instanceof UsageError || err instanceof ConfigLoadError) throw err;
    if (!(err instanceof UserError)) throw err;
    throw new UserError(`Error getting temporary credentials: ${err.message}`);
  }
}

/** provider.retrieve() with aws-vault's `Failed to get credentials for <profile>: ` prefix. */
export async function retrieveCredentials(
  provider: CredentialsProvider,
  profileName: string,
): Promise<Credentials> {
  try {
    return await provider.retrieve();
  } catch (err) {
    throw new UserError(`Failed to get credentials for ${profileName}: ${errorMessage(err)}`);
  }
}
