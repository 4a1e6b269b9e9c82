/**
 * `aws-vault migrate-backend --from <b> --to <b>`: the ByteNess fork's command
 * (cli/migrate_backend.go), with its flags, messages and summary. Master credentials only; each
 * copy is read back and compared before `--delete-source` removes the source (keystore/migrate.ts).
 * Both backends take their options from the global flags (`--file-dir`, `--pass-dir`,
 * `--keyctl-scope`...), so any two can be used together. Only profile names are printed.
 */
import { UsageError } from "../lib/errors.ts";
import type { Keystore } from "../keystore/keystore.ts";
import type { CommandContext } from "./command.ts";
import type { ArgSpec, FlagSpec } from "./parser.ts";
import { keystoreOptionsFrom } from "./open_keystore.ts";
import { printOut } from "./output.ts";
import * as registry from "../keystore/registry.ts";
import * as migrate from "../keystore/migrate.ts";
import { importAtRunTime } from "../lib/lazy_import.ts";

export const flags: FlagSpec[] = [
  {
    name: "from",
    kind: "string",
    help: "Source keyring backend.",
    placeholder: "FROM",
    completeWith: "backends",
  },
  {
    name: "to",
    kind: "string",
    help: "Destination keyring backend.",
    placeholder: "TO",
    completeWith: "backends",
  },
  {
    name: "profile",
    kind: "string",
    help: "Migrate only this profile.",
    placeholder: "PROFILE",
    completeWith: "profiles",
  },
  {
    name: "dry-run",
    kind: "bool",
    help: "Show what would be migrated without writing anything.",
  },
  {
    name: "overwrite",
    kind: "bool",
    help: "Overwrite destination credentials if they already exist.",
  },
  {
    name: "delete-source",
    kind: "bool",
    help: "Delete source credentials after successful destination verification.",
  },
];

export const args: ArgSpec[] = [];

interface Summary {
  copied: number;
  overwritten: number;
  skipped: number;
  deleted: number;
}

export async function run(ctx: CommandContext): Promise<number> {
  // Probed once for both flags (each probe may connect to the session bus or run programs).
  let probed: Promise<string[]> | undefined;
  const available = () => probed ??= registry.availableBackendNames();
  const from = await backendFlag(ctx, "from", available);
  const to = await backendFlag(ctx, "to", available);
  if (from === to) throw new Error("source and destination backends must differ");
  const options = keystoreOptionsFrom(ctx.global);

  const src = await open("source", from, () => registry.openKeystore(from, options));
  const profiles = migrate.migrationProfiles(await src.keys(), ctx.flags.string("profile"));

  if (profiles.length === 0) {
    await printOut(`No credentials found in source backend ${from}.\n`);
    return 0;
  }
  if (ctx.flags.bool("dry-run")) {
    await printOut(
      `Would migrate ${profiles.length} credential profile(s) from ${from} to ${to}:\n` +
        profiles.map((p) => `  ${p}\n`).join("") + "\nNo changes made.\n",
    );
    return 0;
  }

  const dst = await open("destination", to, () => registry.openKeystore(to, options));
  const summary: Summary = { copied: 0, overwritten: 0, skipped: 0, deleted: 0 };
  const migration = {
    overwrite: ctx.flags.bool("overwrite"),
    deleteSource: ctx.flags.bool("delete-source"),
  };
  for (const profile of profiles) {
    await printOut(`Migrating ${profile}... `);
    let result;
    try {
      result = await migrate.migrateOne(profile, src, dst, migration);
    } catch (err) {
      await printOut(`failed: ${(err as Error).message}\n`);
      if (!(err instanceof migrate.MigrationError) || err.copyFailed) {
        await printOut(
          "Migration stopped. Source credentials were not deleted for the failed profile.\n",
        );
      }
      throw err;
    }
    summary[result.outcome]++;
    if (result.deletedSource) summary.deleted++;
    await printOut(`${result.message}\n`);
  }
  await printOut(
    "\nMigration summary:\n" +
      `  copied: ${summary.copied}\n` +
      `  overwritten: ${summary.overwritten}\n` +
      `  skipped: ${summary.skipped}\n` +
      `  deleted from source: ${summary.deleted}\n`,
  );
  if (migration.deleteSource) await noteCachedItems(ctx.appName, from, src);
  return 0;
}

/**
 * `--from`/`--to`: required, and one of the backends available here (kingpin's required-flag
 * message; the enum message names the flag, as for --backend).
 */
async function backendFlag(
  ctx: CommandContext,
  name: string,
  available: () => Promise<string[]>,
): Promise<string> {
  const value = ctx.flags.string(name);
  if (!ctx.flags.given(name)) throw new UsageError(`required flag --${name} not provided`);
  const names = await available();
  if (!names.includes(value)) {
    throw new UsageError(`--${name} value must be one of ${names.join(",")}, got '${value}'`);
  }
  return value;
}

async function open(role: string, name: string, opener: () => Promise<Keystore>) {
  try {
    return await opener();
  } catch (err) {
    throw new Error(`open ${role} backend ${JSON.stringify(name)}: ${(err as Error).message}`);
  }
}

/**
 * Sessions and SSO tokens are caches and are not migrated (as in the fork); after
 * --delete-source, say that some are still in the source and how to remove them.
 */
async function noteCachedItems(appName: string, from: string, src: Keystore): Promise<void> {
  const { isMasterCredentialsKey } = await importAtRunTime<
    typeof import("../keystore/key_names.ts")
  >("keystore/key_names.ts");
  const cached = (await src.keys()).filter((k) => !isMasterCredentialsKey(k)).length;
  if (cached === 0) return;
  await printOut(
    `\n${cached} cached session(s) and SSO token(s) were not migrated and remain in ${from}; ` +
      `'${appName} --backend=${from} clear' removes them.\n`,
  );
}
