/**
 * The profile a command acts on now that its <profile> argument is optional, as in the ByteNess
 * fork (cli/exec.go, cli/login.go, cli/export.go, cli/rotate.go): the argument when given; for
 * exec and login, $AWS_PROFILE; otherwise the interactive picker when stdin and stderr are a
 * terminal. `export` never defaults to $AWS_PROFILE: a credential_process line without a profile
 * would call itself through the very profile the SDK is resolving.
 */
import { UsageError } from "../lib/errors.ts";
import { debug } from "../lib/log.ts";
import type { CommandContext } from "./command.ts";
import { importAtRunTime } from "../lib/lazy_import.ts";

export interface ProfileArgOptions {
  /** exec and login: an empty argument means $AWS_PROFILE. */
  fromAwsProfile: boolean;
  /** login: a command that can go on without a profile (credentials from the environment). */
  usableWithout?: () => boolean;
}

/** Fills `ctx.args.profile` (or leaves it "" where the command can do without). */
export async function resolveProfileArg(
  ctx: CommandContext,
  opts: ProfileArgOptions,
): Promise<void> {
  ctx.args.profile = await chooseProfile(ctx, opts);
}

async function chooseProfile(ctx: CommandContext, opts: ProfileArgOptions): Promise<string> {
  const given = ctx.args.profile ?? "";
  if (given !== "") return given;
  const fromEnv = opts.fromAwsProfile ? Deno.env.get("AWS_PROFILE") ?? "" : "";
  if (fromEnv !== "") {
    debug(`Using profile ${fromEnv} from AWS_PROFILE`);
    return fromEnv;
  }
  if (opts.usableWithout?.()) return "";
  if (Deno.stdin.isTerminal() && Deno.stderr.isTerminal()) {
    const [{ loadConfigFile }, { pickProfile }] = await Promise.all([
      importAtRunTime<typeof import("../sts/config/config.ts")>("sts/config/config.ts"),
      importAtRunTime<typeof import("./profile_picker.ts")>("cmd/profile_picker.ts"),
    ]);
    return await pickProfile((await loadConfigFile()).profileNames());
  }
  if (opts.usableWithout) return "";
  throw new UsageError("required argument 'profile' not provided");
}
