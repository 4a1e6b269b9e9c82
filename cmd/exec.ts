/**
 * `aws-vault exec <profile> [cmd [args...]]` (aws-vault's cli/exec.go): runs a command (or a
 * subshell) with the profile's credentials in its environment, or with a local ECS/EC2 credential
 * server.
 *
 * Deno cannot execve(2), so the child always runs as a subprocess (lib/child.ts) whose exit code we
 * pass through; aws-vault v7.2.0 loses non-zero codes in its subprocess mode (cli/exec.go
 * runSubProcess).
 */
import { UserError } from "../lib/errors.ts";
import { debug, isDebug } from "../lib/log.ts";
import type { ArgSpec, FlagSpec, ParsedFlags } from "./parser.ts";
import type { CommandContext } from "./command.ts";
import type { ServerExecOptions } from "../server/exec_modes.ts";
import { runChild } from "../lib/child.ts";
import {
  CREDENTIAL_FLAGS,
  exportCredentials,
  openCredentialsProvider,
  retrieveCredentials,
  SSO_FLAGS,
} from "./export.ts";
import { baseChildEnv, childCommand, withCredentials } from "./exec_env.ts";
import { resolveProfileArg } from "./profile_arg.ts";
import { importAtRunTime } from "../lib/lazy_import.ts";

export const flags: FlagSpec[] = [
  ...CREDENTIAL_FLAGS,
  {
    name: "json",
    short: "j",
    kind: "bool",
    hidden: true,
    help: "Output credentials in JSON that can be used by credential_process",
  },
  { name: "server", short: "s", kind: "bool", help: "Alias for --ecs-server" },
  {
    name: "ec2-server",
    kind: "bool",
    help: "Run a EC2 metadata server in the background for credentials",
  },
  {
    name: "ecs-server",
    kind: "bool",
    help: "Run a ECS credential server in the background for credentials " +
      "(the SDK or app must support AWS_CONTAINER_CREDENTIALS_FULL_URI)",
  },
  { name: "lazy", kind: "bool", help: "When using --ecs-server, lazily fetch credentials" },
  ...SSO_FLAGS,
  {
    name: "profile-env",
    kind: "bool",
    env: "AWS_VAULT_PROFILE_ENV",
    help: "Set AWS_PROFILE instead of injecting AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
  },
  {
    name: "no-ec2-proxy",
    kind: "bool",
    help:
      "With --ec2-server, do not start the root proxy on 169.254.169.254 (run `proxy` yourself)",
  },
];

export const args: ArgSpec[] = [
  { name: "profile", help: "Name of the profile (default: $AWS_PROFILE, else a picker)" },
  {
    // Parsed as one list (the command and its arguments); aws-vault declares two arguments.
    name: "cmd",
    help: "Command to execute, defaults to $SHELL, then its arguments",
    variadic: true,
    helpAs: [
      { name: "cmd", help: "Command to execute, defaults to $SHELL" },
      { name: "args", help: "Command arguments", variadic: true },
    ],
  },
];

export const EXEC_NESTED_MESSAGE =
  "running in an existing aws-vault subshell; 'exit' from the subshell or unset AWS_VAULT to force";

/** The mode flags after aliasing (`--server` is `--ecs-server`). */
export interface ExecModes {
  ecsServer: boolean;
  ec2Server: boolean;
  json: boolean;
  noSession: boolean;
  lazy: boolean;
  prompt: string;
}

export function execModes(flags: ParsedFlags, prompt: string): ExecModes {
  return {
    ecsServer: flags.bool("ecs-server") || flags.bool("server"),
    ec2Server: flags.bool("ec2-server"),
    json: flags.bool("json"),
    noSession: flags.bool("no-session"),
    lazy: flags.bool("lazy"),
    prompt,
  };
}

/**
 * aws-vault's flag checks, in its order (cli/exec.go ExecCommand). One deliberate difference:
 * aws-vault refuses `--prompt=terminal` with any server mode, although it fetches the credentials
 * (and so prompts) before the child starts. We refuse it only with `--lazy`, where the first prompt
 * would come while the child owns the terminal (issues #888, #1227).
 */
export function validateExecModes(m: ExecModes): void {
  const checks: Array<[boolean, string]> = [
    [m.ec2Server && m.ecsServer, "Can't use --ec2-server with --ecs-server"],
    [m.ec2Server && m.json, "Can't use --ec2-server with --json"],
    [m.ec2Server && m.noSession, "Can't use --ec2-server with --no-session"],
    [m.ecsServer && m.json, "Can't use --ecs-server with --json"],
    [m.ecsServer && m.noSession, "Can't use --ecs-server with --no-session"],
    [
      m.ecsServer && m.lazy && m.prompt === "terminal",
      "Can't use --prompt=terminal with --ecs-server --lazy. Specify a different prompt driver",
    ],
    [
      m.ec2Server && m.lazy && m.prompt === "terminal",
      "Can't use --prompt=terminal with --ec2-server --lazy. Specify a different prompt driver",
    ],
  ];
  for (const [failed, message] of checks) if (failed) throw new UserError(message);
}

export async function run(ctx: CommandContext): Promise<number> {
  if (Deno.env.get("AWS_VAULT")) throw new UserError(EXEC_NESTED_MESSAGE);
  await resolveProfileArg(ctx, { fromAwsProfile: true });
  const modes = execModes(ctx.flags, ctx.global.prompt);
  validateExecModes(modes);
  if (modes.json) {
    // Deprecated `exec --json`: exactly `export --format=json`.
    await exportCredentials(ctx, "json");
    return 0;
  }

  const session = await openCredentialsProvider(ctx, modes.noSession, await promptFor(modes));
  const profileName = ctx.args.profile;
  const { region, endpointUrl, ignoreConfiguredEndpointUrls } = session.profile;
  const env = baseChildEnv(
    Deno.env.toObject(),
    profileName,
    region,
    ignoreConfiguredEndpointUrls ? "" : endpointUrl,
  );
  const { command, args, subshell } = childCommand(ctx.rest, (n) => env[n]);
  const showHelpMessages = helpMessagesShown(subshell);
  const hint = `Starting subshell ${command}, use \`exit\` to exit the subshell`;

  if (modes.ecsServer || modes.ec2Server) {
    const servers = await importAtRunTime<typeof import("../server/exec_modes.ts")>(
      "server/exec_modes.ts",
    );
    const opts: ServerExecOptions = {
      profile: session.profile,
      provider: session.provider,
      lazy: modes.lazy,
      noEc2Proxy: ctx.flags.bool("no-ec2-proxy"),
      command,
      args,
      env,
      showHelpMessages,
    };
    if (subshell) helpMessage(hint, showHelpMessages);
    return modes.ecsServer
      ? await servers.execWithEcsServer(opts)
      : await servers.execWithEc2Server(opts);
  }

  const creds = await retrieveCredentials(session.provider, profileName);
  if (ctx.flags.bool("profile-env")) {
    // The ByteNess fork's --profile-env: the credentials were checked above, so a child that
    // reads the profile itself fails on its own config, not on ours. An SSO profile's SDK reads
    // its token from the AWS CLI's cache, so ours goes there.
    const { shareSsoToken } = await importAtRunTime<typeof import("../sts/sso_share.ts")>(
      "sts/sso_share.ts",
    );
    await shareSsoToken(session.profile, session.keystore);
    debug(`Setting subprocess env: AWS_PROFILE=${profileName}`);
    if (subshell) helpMessage(hint, showHelpMessages);
    return await runChild({ command, args, env: { ...env, AWS_PROFILE: profileName } });
  }
  const childEnv = withCredentials(env, creds);
  debug(
    "Setting subprocess env: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY" +
      (creds.sessionToken ? ", AWS_SESSION_TOKEN" : "") +
      (creds.expiration ? ", AWS_CREDENTIAL_EXPIRATION" : ""),
  );
  if (subshell) helpMessage(hint, showHelpMessages);
  return await runChild({ command, args, env: childEnv });
}

/**
 * The prompt driver: --prompt when given. With `--lazy` server modes the first MFA prompt comes
 * while the child owns the terminal, so the automatic choice avoids `terminal` as aws-vault's does
 * for every server mode (cli/exec.go); otherwise credentials are fetched before the child starts.
 */
async function promptFor(modes: ExecModes): Promise<string> {
  if (modes.prompt !== "" || !modes.lazy || !(modes.ecsServer || modes.ec2Server)) {
    return modes.prompt;
  }
  const { defaultPromptDriver } = await importAtRunTime<
    typeof import("../sts/mfa/prompt_drivers.ts")
  >("sts/mfa/prompt_drivers.ts");
  return defaultPromptDriver({ serverMode: true });
}

/**
 * As cli/exec.go does, hints go to stderr only for an interactive subshell (stdout a terminal)
 * without --debug and without AWS_VAULT_DISABLE_HELP_MESSAGE=1; otherwise to the debug log.
 */
export function helpMessagesShown(subshell: boolean): boolean {
  return subshell && !isDebug() && Deno.stdout.isTerminal() &&
    Deno.env.get("AWS_VAULT_DISABLE_HELP_MESSAGE") !== "1";
}

function helpMessage(message: string, shown: boolean): void {
  if (shown) Deno.stderr.writeSync(new TextEncoder().encode(message + "\n"));
  else debug(message);
}
