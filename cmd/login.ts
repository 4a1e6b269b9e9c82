/**
 * `aws-vault login [profile]` (aws-vault's cli/login.go): makes an AWS console sign-in URL for the
 * profile (or the environment's credentials) and opens it in the browser, or prints it with
 * `--stdout`. The federation flow is in sts/console_login.ts. Unlike exec/export, login does not
 * refuse to run inside an aws-vault subshell (AWS_VAULT is not checked), as in aws-vault.
 */
import { UserError } from "../lib/errors.ts";
import type { ArgSpec, FlagSpec } from "./parser.ts";
import type { CommandContext } from "./command.ts";
import { openCommandKeystore } from "./open_keystore.ts";
import {
  baseConfigFromFlags,
  MFA_TOKEN_FLAG,
  NO_SESSION_FLAG,
  REGION_FLAG,
  USE_DEVICE_CODE_FLAG,
} from "./export.ts";
import { printOut } from "./output.ts";
import { resolveProfileArg } from "./profile_arg.ts";
import { loadConfigFile } from "../sts/config/config.ts";
import { consoleLoginUrl, environmentAccessKeyId } from "../sts/console_login.ts";
import { importAtRunTime } from "../lib/lazy_import.ts";

export const flags: FlagSpec[] = [
  {
    name: "duration",
    short: "d",
    kind: "duration",
    env: "AWS_VAULT_DURATION",
    help: "Duration of the assume-role or federated session. Defaults to 1h",
    placeholder: "DURATION",
  },
  NO_SESSION_FLAG,
  {
    name: "auto-logout",
    short: "a",
    kind: "bool",
    env: "AWS_VAULT_AUTO_LOGOUT",
    help: "Auto logout when starting a new login",
  },
  MFA_TOKEN_FLAG,
  {
    name: "path",
    kind: "string",
    help: "The AWS service you would like access",
    placeholder: "PATH",
  },
  REGION_FLAG,
  {
    name: "stdout",
    short: "s",
    kind: "bool",
    env: "AWS_VAULT_STDOUT",
    help: "Print login URL to stdout instead of opening in default browser",
  },
  USE_DEVICE_CODE_FLAG,
];

export const args: ArgSpec[] = [
  {
    name: "profile",
    help: "Name of the profile (default: $AWS_PROFILE). If none given, credentials will be " +
      "sourced from env vars",
  },
];

export async function run(ctx: CommandContext): Promise<number> {
  await resolveProfileArg(ctx, {
    fromAwsProfile: true,
    usableWithout: () => environmentAccessKeyId((n) => Deno.env.get(n)) !== "",
  });
  const stdout = ctx.flags.bool("stdout");
  // login's --region, --mfa-token, --duration and --stdout mean what they mean for export.
  const base = baseConfigFromFlags(ctx.flags, ctx.global);
  const url = await consoleLoginUrl({
    config: await loadConfigFile(),
    profileName: ctx.args.profile ?? "",
    base,
    openKeystore: () => openCommandKeystore(ctx.global),
    noSession: ctx.flags.bool("no-session"),
    path: ctx.flags.string("path"),
    autoLogout: ctx.flags.bool("auto-logout"),
  });

  if (stdout) {
    await printOut(url + "\n");
    return 0;
  }
  const { openBrowser } = await importAtRunTime<typeof import("../lib/browser.ts")>(
    "lib/browser.ts",
  );
  try {
    await openBrowser(url);
  } catch (err) {
    // aws-vault prints the URL (sign-in token included) so that it can be pasted by hand; we
    // keep that, since the token is what the user needs at that point. It lasts 15 minutes.
    throw new UserError(`Failed to open ${url}: ${(err as Error).message}`);
  }
  return 0;
}
