/**
 * `~/.aws/config` as aws-vault uses it: where it is, creating it when missing, which sections are
 * profiles and SSO sessions, and adding an empty profile section without touching the rest of the
 * file. Profile resolution lives in profile_resolve.ts, which builds on this module.
 */
import { UserError } from "../../lib/errors.ts";
import { debug } from "../../lib/log.ts";
import { fileKind, readRegularFileSync, UnreadableFileError } from "../../lib/regular_file.ts";
import {
  dirname,
  randomHex,
  removeStaleTempFiles,
  syncDirectory,
  writeFileAtomically,
} from "../../lib/atomic_file.ts";
import { type IniDocument, type IniSection, IniSyntaxError, parseIni } from "./ini.ts";

/**
 * The largest config we read: organisations generate tens of thousands of SSO profiles (20,000
 * take about 2 MB), so this leaves room while keeping a runaway file from filling memory.
 */
export const CONFIG_MAX_BYTES = 32 * 1024 * 1024;

/**
 * The keys aws-vault reads from a profile section; `[default]` counts as a profile only with one.
 */
export const PROFILE_KEYS = [
  "mfa_serial",
  "role_arn",
  "external_id",
  "region",
  "role_session_name",
  "duration_seconds",
  "source_profile",
  "include_profile",
  "sso_session",
  "sso_start_url",
  "sso_region",
  "sso_account_id",
  "sso_role_name",
  "web_identity_token_file",
  "web_identity_token_process",
  "sts_regional_endpoints",
  "session_tags",
  "transitive_session_tags",
  "source_identity",
  "credential_process",
  "mfa_process",
  "endpoint_url",
  "services",
  "ignore_configured_endpoint_urls",
];

/** `$AWS_CONFIG_FILE` (a leading `~/` expanded, as the AWS CLI does), else `<home>/.aws/config`. */
export function configFilePath(
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): string {
  return awsFilePath("AWS_CONFIG_FILE", "config", env);
}

/** `$AWS_SHARED_CREDENTIALS_FILE`, else `<home>/.aws/credentials`, found as the config is. */
export function credentialsFilePath(
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): string {
  return awsFilePath("AWS_SHARED_CREDENTIALS_FILE", "credentials", env);
}

function awsFilePath(
  variable: string,
  name: string,
  env: (name: string) => string | undefined,
): string {
  const explicit = env(variable);
  if (explicit) {
    return /^~[\\/]/.test(explicit) ? homeDir(env) + explicit.slice(1) : explicit;
  }
  return `${homeDir(env)}/.aws/${name}`;
}

function homeDir(env: (name: string) => string | undefined): string {
  const home = env("HOME") || (Deno.build.os === "windows" ? env("USERPROFILE") : undefined);
  if (!home) throw new UserError("cannot find the home directory: HOME is not set");
  return home;
}

/**
 * Sections by the name each kind is looked up by; the first section wins, as a linear search in
 * file order would find it. Built once per document, so that `list` and profile resolution stay
 * linear in the number of profiles (issue 10: `list` of 20,000 profiles took 13 s).
 */
interface SectionIndex {
  profiles: Map<string, IniSection>;
  ssoSessions: Map<string, IniSection>;
  services: Map<string, IniSection>;
}

/** A parsed config file. Keeps the bytes it was parsed from so that edits only append. */
export class AwsConfigFile {
  #doc: IniDocument;
  #index?: SectionIndex;

  constructor(readonly path: string, doc: IniDocument) {
    this.#doc = doc;
  }

  /**
   * Profile names in file order: `[profile x]` sections, and `[default]` when it sets at least one
   * key aws-vault reads. A name is listed once even if `[default]` and `[profile default]` both
   * exist.
   */
  profileNames(): string[] {
    const names = new Set<string>();
    for (const section of this.#doc.sections) {
      let name: string | undefined;
      if (section.name === "default") {
        if (PROFILE_KEYS.some((k) => (section.values.get(k) ?? "") !== "")) name = "default";
      } else if (profileNameOf(section.name) !== undefined) {
        name = profileNameOf(section.name);
      } else if (!isKnownNonProfileSection(section.name)) {
        debug(`Unrecognised ini file section: ${section.name || "DEFAULT"}`);
      }
      if (name !== undefined) names.add(name);
    }
    return [...names];
  }

  /** True if the file has the section aws-vault looks up for `name` (`[default]` for "default"). */
  hasProfile(name: string): boolean {
    return this.profileSection(name) !== undefined;
  }

  /** Names of the `[sso-session x]` sections, in file order. */
  ssoSessionNames(): string[] {
    const names: string[] = [];
    for (const s of this.#doc.sections) {
      const m = /^sso-session\s+(.+)$/.exec(s.name);
      if (m) names.push(m[1].trim());
    }
    return names;
  }

  /** The profile's own section: `[default]` for "default" (never `[profile default]`). */
  profileSection(name: string): IniSection | undefined {
    if (name === "default") return this.#doc.section("default");
    return this.#sections().profiles.get(name);
  }

  ssoSessionSection(name: string): IniSection | undefined {
    return this.#sections().ssoSessions.get(name);
  }

  servicesSection(name: string): IniSection | undefined {
    return this.#sections().services.get(name);
  }

  /** Replaces the parsed content after the file was rewritten. */
  replaceDocument(doc: IniDocument): void {
    this.#doc = doc;
    this.#index = undefined;
  }

  #sections(): SectionIndex {
    if (this.#index) return this.#index;
    const index: SectionIndex = {
      profiles: new Map(),
      ssoSessions: new Map(),
      services: new Map(),
    };
    const add = (map: Map<string, IniSection>, name: string, section: IniSection) => {
      if (!map.has(name)) map.set(name, section);
    };
    for (const s of this.#doc.sections) {
      const profile = profileNameOf(s.name);
      if (profile !== undefined) add(index.profiles, profile, s);
      else if (/^sso-session\s/.test(s.name)) add(index.ssoSessions, s.name.slice(12).trim(), s);
      else if (/^services\s/.test(s.name)) add(index.services, s.name.slice(9).trim(), s);
    }
    this.#index = index;
    return index;
  }
}

function profileNameOf(sectionName: string): string | undefined {
  const m = /^profile\s+(.+)$/.exec(sectionName);
  return m ? m[1].trim() : undefined;
}

function isKnownNonProfileSection(name: string): boolean {
  return name === "default" || /^(sso-session|services)\s/.test(name);
}

/**
 * Loads and parses the config file, creating it first when missing (the directory with mode 0700,
 * one level only, and an empty file), as aws-vault does for every command that reads it.
 */
export async function loadConfigFile(path: string = configFilePath()): Promise<AwsConfigFile> {
  await createIfMissing(path);
  debug(`Loading config file ${path}`);
  let bytes: Uint8Array;
  try {
    // Sync on purpose, as the checks below: the first async file op costs ~0.8 ms of start-up,
    // paid by every credential_process call.
    bytes = readConfigBytes(path);
  } catch (err) {
    throw new UserError(`Error loading config file ${path}: ${configReadMessage(path, err)}`);
  }
  return new AwsConfigFile(path, parseConfigBytes(path, bytes));
}

/**
 * The config's bytes: a regular file of at most CONFIG_MAX_BYTES, or the null device
 * (`AWS_CONFIG_FILE=/dev/null` means "no config" to the AWS CLI), which reads as empty.
 */
function readConfigBytes(path: string): Uint8Array {
  return readRegularFileSync(path, { maxBytes: CONFIG_MAX_BYTES, allowNullDevice: true });
}

/** The reason a read failed, without repeating the path the caller already names. */
function configReadMessage(path: string, err: unknown): string {
  const message = (err as Error).message;
  return err instanceof UnreadableFileError && message.startsWith(path + " ")
    ? message.slice(path.length + 1)
    : message;
}

function parseConfigBytes(path: string, bytes: Uint8Array): IniDocument {
  try {
    return parseIni(new TextDecoder().decode(bytes));
  } catch (err) {
    if (err instanceof IniSyntaxError) {
      throw new UserError(`Error parsing config file ${path}: ${err.message}`);
    }
    throw err;
  }
}

async function createIfMissing(path: string): Promise<void> {
  const dir = dirname(path);
  try {
    if (!exists(dir)) {
      await Deno.mkdir(dir, { mode: 0o700 });
      debug(`Config directory ${dir} created`);
    }
    if (!exists(path)) {
      // createNew: another process may create it at the same moment; that is fine.
      try {
        (await Deno.open(path, { write: true, createNew: true })).close();
        debug(`Config file ${path} created`);
      } catch (err) {
        if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
      }
    }
  } catch (err) {
    throw new UserError(`Error creating config file ${path}: ${(err as Error).message}`);
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/**
 * Appends an empty `[profile <name>]` (or `[default]`) section at the end of the file, leaving
 * every existing byte as it is (aws-vault rewrites the whole file through go-ini; we do not). The
 * file is re-read first so that edits made since it was loaded are kept; callers hold the config
 * lock (cmd/add.ts) so that parallel `add`s do not lose each other's sections. Returns false if
 * the section already exists.
 *
 * Only a regular file is edited: a symlinked config (dotfiles repositories) is edited at its
 * target, and anything else (the null device, a FIFO, a directory) is refused rather than replaced
 * by a regular file. A read-only config is refused too: someone made it so on purpose. The file is
 * replaced atomically with its mode and owner; when the owner cannot be kept (another user's file)
 * or the directory is not writable, the section is appended in place instead.
 */
export async function addProfileSection(file: AwsConfigFile, name: string): Promise<boolean> {
  if (file.hasProfile(name)) return false;
  const target = await realPath(file.path);
  const info = await Deno.stat(target);
  if (!info.isFile) {
    throw new UserError(`${file.path} is ${fileKind(info)}, not a regular file; not changing it`);
  }
  await checkWritable(file.path, target, info);
  const dir = dirname(target);
  const base = target.slice(dir.length + 1);
  removeStaleTempFiles(dir, configTempPattern(base));

  const current = readConfigBytes(target);
  const fresh = parseConfigBytes(file.path, current);
  if (new AwsConfigFile(file.path, fresh).hasProfile(name)) {
    file.replaceDocument(fresh);
    return false;
  }

  const text = new TextDecoder().decode(current);
  const nl = text.includes("\r\n") ? "\r\n" : "\n";
  // Separate the new section by one blank line, as go-ini does, without doubling an existing one.
  const endsWithNewline = /(\r\n|\n|\r)$/.test(text);
  let prefix: string;
  if (text.trim() === "") prefix = text === "" || endsWithNewline ? "" : nl;
  else if (!endsWithNewline) prefix = nl + nl;
  else {
    const lines = text.split(/\r\n|\n|\r/);
    prefix = lines[lines.length - 2].trim() === "" ? "" : nl;
  }
  const header = name === "default" ? "[default]" : `[profile ${name}]`;
  const addition = new TextEncoder().encode(prefix + header + nl);
  const updated = new Uint8Array(current.length + addition.length);
  updated.set(current);
  updated.set(addition, current.length);

  // A name that cannot survive the round trip (e.g. containing "]" or a newline) would corrupt the
  // file: refuse it before writing anything.
  let doc: IniDocument | undefined;
  try {
    doc = parseIni(new TextDecoder().decode(updated));
  } catch {
    doc = undefined;
  }
  if (!doc || !new AwsConfigFile(file.path, doc).hasProfile(name)) {
    throw new UserError(
      `cannot add profile ${
        JSON.stringify(name)
      } to ${file.path}: the name cannot be written as a section header`,
    );
  }
  try {
    await replaceConfig(target, info, updated, addition);
  } catch (err) {
    throw new UserError(`Error writing config file ${file.path}: ${(err as Error).message}`);
  }
  file.replaceDocument(doc);
  return true;
}

/** The lock name `add` holds while it edits the config at `path`. */
export async function configLockName(path: string): Promise<string> {
  return `config:${await realPath(path)}`;
}

async function realPath(path: string): Promise<string> {
  try {
    return await Deno.realPath(path);
  } catch {
    return path;
  }
}

/** Refuses a config without write permission bits, or one the OS will not let us open to write. */
async function checkWritable(shown: string, target: string, info: Deno.FileInfo): Promise<void> {
  if (info.mode !== null && (info.mode & 0o222) === 0) {
    throw new UserError(
      `${shown} is read-only (mode ${(info.mode & 0o777).toString(8).padStart(4, "0")}); ` +
        "not changing it",
    );
  }
  try {
    (await Deno.open(target, { write: true })).close();
  } catch (err) {
    throw new UserError(`${shown} is not writable: ${(err as Error).message}`);
  }
}

/** Our config temp files: `.<config name>.<8 hex>.tmp`. */
function configTempPattern(base: string): RegExp {
  return new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.[0-9a-f]{8}\\.tmp$`);
}

/**
 * Replaces the config with `data` atomically, keeping its mode and owner; appends `addition` in
 * place when that cannot be done (the file belongs to someone else and we are not root, or its
 * directory is not writable).
 */
async function replaceConfig(
  path: string,
  info: Deno.FileInfo,
  data: Uint8Array,
  addition: Uint8Array,
): Promise<void> {
  const uid = Deno.uid();
  const sameOwner = info.uid === null || uid === null ||
    (info.uid === uid && info.gid === Deno.gid());
  if (!sameOwner && uid !== 0) return await appendInPlace(path, addition);
  const dir = dirname(path);
  const base = path.slice(dir.length + 1);
  try {
    await writeFileAtomically(path, data, {
      tempPath: `${dir}/.${base}.${randomHex(4)}.tmp`,
      mode: info.mode ?? undefined,
      owner: sameOwner ? undefined : { uid: info.uid!, gid: info.gid! },
    });
  } catch (err) {
    if (!(err instanceof Deno.errors.PermissionDenied)) throw err;
    await appendInPlace(path, addition);
  }
}

async function appendInPlace(path: string, addition: Uint8Array): Promise<void> {
  const file = await Deno.open(path, { append: true });
  try {
    let written = 0;
    while (written < addition.length) written += await file.write(addition.subarray(written));
    await file.syncData();
  } finally {
    file.close();
  }
  syncDirectory(dirname(path));
}
