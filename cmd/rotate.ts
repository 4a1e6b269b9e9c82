/**
 * `aws-vault rotate [-n] <profile>` (aws-vault's cli/rotate.go): rotates the profile's stored
 * access key.
 */
import type { ArgSpec, FlagSpec } from "./parser.ts";
import type { CommandContext } from "./command.ts";
import { openCommandKeystore } from "./open_keystore.ts";
import { emptyBaseConfig } from "../sts/config/profile_config.ts";
import { resolveProfileArg } from "./profile_arg.ts";
import { loadConfigFile } from "../sts/config/config.ts";
import { rotate } from "../sts/rotate.ts";

export const flags: FlagSpec[] = [
  {
    name: "no-session",
    short: "n",
    kind: "bool",
    help: "Use master credentials, no session or role used",
  },
];

export const args: ArgSpec[] = [
  { name: "profile", help: "Name of the profile (default: a picker on a terminal)" },
];

export async function run(ctx: CommandContext): Promise<number> {
  await resolveProfileArg(ctx, { fromAwsProfile: false });
  const config = await loadConfigFile();
  const keystore = await openCommandKeystore(ctx.global);
  await rotate({
    config,
    profileName: ctx.args.profile,
    base: emptyBaseConfig({ mfaPromptMethod: ctx.global.prompt }),
    keystore,
    noSession: ctx.flags.bool("no-session"),
    print: (line) => console.log(line),
  });
  return 0;
}
