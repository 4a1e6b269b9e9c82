/**
 * `aws-vault add <profile>`: stores master credentials (from the terminal or the environment),
 * drops that profile's cached sessions, and adds an empty profile section to the config file.
 */
import { UserError } from "../lib/errors.ts";
import { debug } from "../lib/log.ts";
import type { CommandContext } from "./command.ts";
import type { ArgSpec, FlagSpec } from "./parser.ts";
import { openCommandKeystore } from "./open_keystore.ts";
import { printOut } from "./output.ts";
import { importAtRunTime } from "../lib/lazy_import.ts";

export const flags: FlagSpec[] = [
  {
    name: "env",
    kind: "bool",
    help: "Read the credentials from the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
  },
  {
    name: "add-config",
    kind: "bool",
    default: "true",
    help: "Add a profile to ~/.aws/config if one doesn't exist",
  },
];

export const args: ArgSpec[] = [{ name: "profile", help: "Name of the profile", required: true }];

export async function run(ctx: CommandContext): Promise<number> {
  const profileName = ctx.args.profile;
  const keystore = await openCommandKeystore(ctx.global);
  const configModule = await importAtRunTime<typeof import("../sts/config/config.ts")>(
    "sts/config/config.ts",
  );
  const config = await configModule.loadConfigFile();

  // Only the profile's own section counts, as in aws-vault (not include_profile or [default]).
  const sourceProfile = config.profileSection(profileName)?.values.get("source_profile") ?? "";
  if (sourceProfile !== "") {
    throw new UserError(
      `Your profile has a source_profile of ${sourceProfile}, adding credentials to ${profileName} won't have any effect`,
    );
  }

  const { accessKeyId, secretAccessKey } = ctx.flags.bool("env")
    ? credentialsFromEnv()
    : await credentialsFromTerminal();

  const [{ masterCredentialsItem }, { SessionStore }] = await Promise.all([
    importAtRunTime<typeof import("../keystore/credential_items.ts")>(
      "keystore/credential_items.ts",
    ),
    importAtRunTime<typeof import("../sts/session_cache.ts")>("sts/session_cache.ts"),
  ]);
  await keystore.set(
    masterCredentialsItem(profileName, { accessKeyId, secretAccessKey, sessionToken: "" }),
  );
  await printOut(`Added credentials to profile ${JSON.stringify(profileName)} in vault\n`);

  // Sessions made from the old keys would outlive them; aws-vault ignores errors here too.
  const removed = await new SessionStore(keystore).removeForProfile(profileName).catch((err) => {
    debug(`Removing sessions of ${profileName} failed: ${(err as Error).message}`);
    return 0;
  });
  if (removed > 0) await printOut(`Deleted ${removed} existing sessions.\n`);

  if (ctx.flags.bool("add-config") && !config.hasProfile(profileName)) {
    debug(`Adding profile ${profileName} to config at ${config.path}`);
    const { withLock } = await importAtRunTime<typeof import("../sts/lock.ts")>("sts/lock.ts");
    try {
      // Parallel `add`s each re-read and append under one cross-process lock; without it they
      // replaced each other's files and lost sections (issue 10).
      await withLock(
        await configModule.configLockName(config.path),
        () => configModule.addProfileSection(config, profileName),
        { holderDoes: `is editing ${config.path}` },
      );
    } catch (err) {
      throw new UserError(`Error adding profile: ${(err as Error).message}`);
    }
  }
  return 0;
}

function credentialsFromEnv(): { accessKeyId: string; secretAccessKey: string } {
  const accessKeyId = Deno.env.get("AWS_ACCESS_KEY_ID") ?? "";
  if (accessKeyId === "") throw new UserError("Missing value for AWS_ACCESS_KEY_ID");
  const secretAccessKey = Deno.env.get("AWS_SECRET_ACCESS_KEY") ?? "";
  if (secretAccessKey === "") throw new UserError("Missing value for AWS_SECRET_ACCESS_KEY");
  return { accessKeyId, secretAccessKey };
}

async function credentialsFromTerminal(): Promise<
  { accessKeyId: string; secretAccessKey: string }
> {
  const { promptTerminal } = await importAtRunTime<typeof import("../lib/tty.ts")>("lib/tty.ts");
  const accessKeyId = (await promptTerminal("Enter Access Key ID: ", { echo: true })).trim();
  // aws-vault would store empty answers; an accidental Enter should not replace good keys.
  if (accessKeyId === "") throw new UserError("Missing value for the Access Key ID");
  const secretAccessKey = (await promptTerminal("Enter Secret Access Key: ", { echo: false }))
    .trim();
  if (secretAccessKey === "") throw new UserError("Missing value for the Secret Access Key");
  return { accessKeyId, secretAccessKey };
}
