/**
 * Moving master credentials from one keystore to another, as the ByteNess fork's
 * `cli/migrate_backend.go` does: only master-credential keys (no sessions, no SSO tokens), each
 * copied, read back and compared before the source copy may be deleted.
 *
 * Every step is one atomic store operation, so a run killed at any point leaves each profile in
 * the source, the destination or both, never in neither; running again finishes the job (a
 * destination that already holds the same credentials lets `--delete-source` remove the source).
 */
import { sortUtf8 } from "./file_names.ts";
import { decodeMasterCredentials } from "./credential_items.ts";
import { isMasterCredentialsKey } from "./key_names.ts";
import type { Item, Keystore } from "./keystore.ts";

export type MigrationOutcome = "copied" | "overwritten" | "skipped";

export interface MigrationResult {
  outcome: MigrationOutcome;
  /** What the fork prints after `Migrating <profile>... `. */
  message: string;
  deletedSource: boolean;
}

export interface MigrationOptions {
  overwrite: boolean;
  deleteSource: boolean;
}

/** A failed step; `copyFailed` is false when only the source deletion failed. */
export class MigrationError extends Error {
  constructor(message: string, readonly copyFailed: boolean) {
    super(message);
    this.name = "MigrationError";
  }
}

/** Go's `%q` for the names in messages (close enough: JSON escapes the same characters). */
const quote = (s: string) => JSON.stringify(s);

/**
 * The master-credential profiles of `keys`, in Go's byte order; with `profile`, just that one,
 * which must be a master-credential key of the source.
 */
export function migrationProfiles(keys: string[], profile: string): string[] {
  const profiles = keys.filter(isMasterCredentialsKey);
  if (profile !== "") {
    if (profiles.includes(profile)) return [profile];
    throw new Error(`profile ${quote(profile)} not found in source backend`);
  }
  // Go's sort.Strings order.
  return sortUtf8(profiles);
}

function sameCredentials(a: Uint8Array, b: Uint8Array): boolean {
  const x = decodeMasterCredentials(a);
  const y = decodeMasterCredentials(b);
  return x.accessKeyId === y.accessKeyId && x.secretAccessKey === y.secretAccessKey &&
    x.sessionToken === y.sessionToken;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Runs `step`; a failure becomes `<what>: <cause>`. */
async function step<T>(what: string, work: () => Promise<T>, copyFailed = true): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw new MigrationError(`${what}: ${(err as Error).message}`, copyFailed);
  }
}

/** Copies one profile's master credentials from `src` to `dst`, verifies, then maybe deletes. */
export async function migrateOne(
  profile: string,
  src: Keystore,
  dst: Keystore,
  options: MigrationOptions,
): Promise<MigrationResult> {
  const q = quote(profile);
  const exists = (await step(`check destination profile ${q}`, () => dst.keys())).includes(profile);
  if (exists && !options.overwrite) {
    return await skipExisting(profile, src, dst, options.deleteSource);
  }

  const source = await step(`read source profile ${q}`, async () => {
    const item = await src.get(profile);
    decodeMasterCredentials(item.data); // "Invalid data in keyring: ..." before anything is written
    return item;
  });
  // The stored bytes are copied as they are (a fork item keeps its AccountID); the item around
  // them is the one aws-vault writes for master credentials (vault/credentialkeyring.go).
  const item: Item = {
    key: profile,
    data: source.data,
    label: `aws-vault (${profile})`,
    description: "",
    keychainNotTrustApplication: true,
    keychainNotSynchronizable: false,
  };
  await step(`write destination profile ${q}`, () => dst.set(item));
  const copy = await step(`verify destination profile ${q}`, () => dst.get(profile));
  if (!sameBytes(copy.data, source.data)) {
    throw new MigrationError(`verify destination profile ${q}: credential mismatch`, true);
  }

  let message = exists ? "overwritten, verified" : "copied, verified";
  if (options.deleteSource) {
    await step(`delete source profile ${q}`, () => src.remove(profile), false);
    message += ", deleted source";
  }
  return {
    outcome: exists ? "overwritten" : "copied",
    message,
    deletedSource: options.deleteSource,
  };
}

/**
 * The destination already has the profile and --overwrite was not given. With --delete-source,
 * a destination holding the same credentials (say, from a run that was interrupted before its
 * delete) counts as a verified copy, so the source copy goes; different credentials are left
 * alone on both sides.
 */
async function skipExisting(
  profile: string,
  src: Keystore,
  dst: Keystore,
  deleteSource: boolean,
): Promise<MigrationResult> {
  const skipped = "skipped, already exists in destination";
  if (!deleteSource) return { outcome: "skipped", message: skipped, deletedSource: false };
  const q = quote(profile);
  const source = await step(`read source profile ${q}`, () => src.get(profile));
  const copy = await step(`verify destination profile ${q}`, () => dst.get(profile));
  const same = await step(
    `verify destination profile ${q}`,
    () => Promise.resolve(sameCredentials(source.data, copy.data)),
  );
  if (!same) {
    return {
      outcome: "skipped",
      message: `${skipped} with different credentials, source kept`,
      deletedSource: false,
    };
  }
  await step(`delete source profile ${q}`, () => src.remove(profile), false);
  return {
    outcome: "skipped",
    message: `${skipped} with the same credentials, deleted source`,
    deletedSource: true,
  };
}
