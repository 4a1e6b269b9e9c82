/**
 * `aws-vault remove <profile>` (alias `rm`): deletes the profile's master credentials after a y/N
 * confirmation on the terminal. Its sessions are kept, as in aws-vault (`clear` removes them);
 * the hidden legacy `--sessions-only` removes only the sessions.
 */
import type { CommandContext } from "./command.ts";
import type { ArgSpec, FlagSpec } from "./parser.ts";
import { openCommandKeystore } from "./open_keystore.ts";
import { printOut } from "./output.ts";
import { importAtRunTime } from "../lib/lazy_import.ts";

export const flags: FlagSpec[] = [
  { name: "force", short: "f", kind: "bool", help: "Force-remove the profile without a prompt" },
  {
    name: "sessions-only",
    short: "s",
    kind: "bool",
    hidden: true,
    help: "Only remove sessions, leave credentials intact",
  },
];

export const args: ArgSpec[] = [{ name: "profile", help: "Name of the profile", required: true }];

export async function run(ctx: CommandContext): Promise<number> {
  const profileName = ctx.args.profile;
  const keystore = await openCommandKeystore(ctx.global);

  if (ctx.flags.bool("sessions-only")) {
    const { SessionStore } = await importAtRunTime<typeof import("../sts/session_cache.ts")>(
      "sts/session_cache.ts",
    );
    const n = await new SessionStore(keystore).removeForProfile(profileName);
    await printOut(`Deleted ${n} sessions.\n`);
    return 0;
  }

  if (!ctx.flags.bool("force")) {
    const { promptTerminal } = await importAtRunTime<typeof import("../lib/tty.ts")>("lib/tty.ts");
    const question = `Delete credentials for profile ${JSON.stringify(profileName)}? (y|N) `;
    const answer = (await promptTerminal(question, { echo: true })).trim().toLowerCase();
    if (answer !== "y" && answer !== "yes") return 0;
  }

  // A missing item surfaces the backend's own error, as aws-vault shows it.
  await keystore.remove(profileName);
  await printOut("Deleted credentials.\n");
  return 0;
}
