/**
 * The "file" backend: one encrypted file per item in a directory (default `~/.awsvault/keys/`),
 * byte-compatible with 99designs/keyring as aws-vault v7.2.0 uses it. Each file is a compact JWE
 * (keystore/jwe.ts) of the item's Go JSON (keystore/item_json.ts); its name is the key with only
 * `%` and `/` percent-encoded (keystore/file_names.ts).
 *
 * Differences from aws-vault, all deliberate: writes are atomic (temp file + rename, where
 * aws-vault rewrites in place); a passphrase asked on the terminal is cached even when it is empty
 * (aws-vault asks again on every read); the prompt goes to the terminal, not stdin/stderr, so it
 * works under credential_process; a path that is a file is reported as such.
 */
import { debug } from "../lib/log.ts";
import { UserError } from "../lib/errors.ts";
import { decodeFileName, encodeFileName, sortUtf8 } from "./file_names.ts";
import { decodeItemJson, encodeItemJson } from "./item_json.ts";
import {
  decryptJwe,
  encryptJwe,
  JweFormatError,
  JweKeyUnwrapError,
  KEY_UNWRAP_FAILED,
} from "./jwe.ts";
import { type Item, ItemNotFoundError, type Keystore, type KeystoreOptions } from "./keystore.ts";
import { getEnv } from "../lib/secret_env.ts";
import { readRegularFileSync, UnreadableFileError } from "../lib/regular_file.ts";
import { randomHex, removeStaleTempFiles, writeFileAtomically } from "../lib/atomic_file.ts";
import { importAtRunTime } from "../lib/lazy_import.ts";

export const PASSPHRASE_ENV = "AWS_VAULT_FILE_PASSPHRASE";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Our temp files: `.<file name>.tmp-<12 hex>`; hidden from keys() and never a real item. */
const TEMP_FILE = /^\..*\.tmp-[0-9a-f]{12}$/;

/**
 * The largest item file we read. aws-vault's items are a few hundred bytes (an SSO token item a
 * few KB); anything near this is not an item, and reading it whole could exhaust memory.
 */
const ITEM_MAX_BYTES = 1024 * 1024;

/** What the backend takes from its surroundings; tests pass their own environment. */
export interface FileKeystoreEnv {
  /** Environment lookup (AWS_VAULT_FILE_PASSPHRASE, HOME); by default the process environment
   * plus the variables main.ts withheld from it (lib/secret_env.ts). */
  env?: (name: string) => string | undefined;
}

/** Passphrases asked on the terminal, per directory: at most one prompt per process and dir. */
const askedPassphrases = new Map<string, Promise<string>>();

/** Opens the file keyring. Nothing touches the disk until the first operation. */
export function openFileKeystore(
  options: KeystoreOptions,
  deps: FileKeystoreEnv = {},
): Promise<Keystore> {
  return Promise.resolve(new FileKeystore(options.fileDir, deps.env ?? getEnv));
}

class FileKeystore implements Keystore {
  readonly backend = "file";
  #dir?: string;
  #dirReady = false;

  constructor(
    private readonly configuredDir: string,
    private readonly env: (name: string) => string | undefined,
  ) {}

  async get(key: string): Promise<Item> {
    // Read first and look at the directory only when that fails: it saves a stat on the
    // credential_process path, and the outcomes are keyring's (a missing directory is created).
    const path = this.#path(key);
    let token: string;
    try {
      // Reads are sync on purpose: the first async file op costs ~0.8 ms of start-up.
      token = decoder.decode(readRegularFileSync(path, { maxBytes: ITEM_MAX_BYTES }));
    } catch (err) {
      await this.#ensureDir();
      if (err instanceof Deno.errors.NotFound) throw new ItemNotFoundError(key);
      if (err instanceof UnreadableFileError) throw new UserError(`keyring item ${err.message}`);
      throw new Error(`reading ${path}: ${osMessage(err)}`);
    }
    const passphrase = await this.#passphrase();
    let plaintext: Uint8Array;
    try {
      plaintext = await decryptJwe(token, passphrase);
    } catch (err) {
      if (err instanceof JweKeyUnwrapError) {
        throw new JweKeyUnwrapError(`${KEY_UNWRAP_FAILED} (wrong passphrase for ${path}?)`);
      }
      if (err instanceof JweFormatError) throw new JweFormatError(`${path}: ${err.message}`);
      throw err;
    }
    let item: Item;
    try {
      item = decodeItemJson(decoder.decode(plaintext));
    } catch {
      // Not the parser's message: V8 quotes the start of the bad input, which is decrypted data.
      throw new Error(`${path}: the decrypted item is not valid item JSON`);
    }
    debug(`[keyring] Read item ${JSON.stringify(key)} from ${path}`);
    return item;
  }

  async set(item: Item): Promise<void> {
    const dir = await this.#ensureDir();
    const path = this.#path(item.key);
    const passphrase = await this.#passphrase();
    const token = await encryptJwe(encoder.encode(encodeItemJson(item)), passphrase);
    removeStaleTempFiles(dir, TEMP_FILE);
    await writeAtomically(dir, path, encoder.encode(token));
    debug(`[keyring] Wrote item ${JSON.stringify(item.key)} to ${path}`);
  }

  async remove(key: string): Promise<void> {
    // Temp files left by a killed writer (issue 10) go with the next change to the store.
    removeStaleTempFiles(await this.#ensureDir(), TEMP_FILE);
    const path = this.#path(key);
    try {
      await Deno.remove(path);
    } catch (err) {
      // aws-vault shows Go's os.Remove error; keep its words so that scripts see the same text.
      if (err instanceof Deno.errors.NotFound) {
        throw new ItemNotFoundError(key, `remove ${path}: no such file or directory`);
      }
      throw new Error(`remove ${path}: ${osMessage(err)}`);
    }
    debug(`[keyring] Removed item ${JSON.stringify(key)} (${path})`);
  }

  async keys(): Promise<string[]> {
    const dir = await this.#ensureDir();
    const names: string[] = [];
    for (const entry of Deno.readDirSync(dir)) {
      if (!TEMP_FILE.test(entry.name)) names.push(entry.name);
    }
    // Go's os.ReadDir sorts by file name bytes.
    return sortUtf8(names).map(decodeFileName);
  }

  #path(key: string): string {
    const dir = this.#expandedDir();
    const name = encodeFileName(key);
    // Go's filepath.Join would clean these into the directory itself or its parent.
    if (name === "" || name === "." || name === ".." || name.includes("\0")) {
      throw new UserError(`invalid key for the file keyring: ${JSON.stringify(key)}`);
    }
    return `${dir}/${name}`;
  }

  /** The configured directory with `~/` expanded and trailing slashes dropped. */
  #expandedDir(): string {
    if (this.#dir !== undefined) return this.#dir;
    this.#dir = this.#shownDir().replace(/(.)\/+$/, "$1");
    return this.#dir;
  }

  /** The directory as keyring names it in messages: expanded, trailing slash kept. */
  #shownDir(): string {
    if (this.configuredDir === "") throw new UserError("No directory provided for file keyring");
    return expandTilde(this.configuredDir, this.env);
  }

  /** The directory, created (0700, with parents) when missing, as keyring's resolveDir does. */
  async #ensureDir(): Promise<string> {
    const dir = this.#expandedDir();
    if (this.#dirReady) return dir;
    let info: Deno.FileInfo | undefined;
    try {
      info = Deno.statSync(dir);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw new UserError(`${dir}: ${osMessage(err)}`);
    }
    if (info === undefined) {
      debug(`[keyring] Creating file keyring directory ${dir}`);
      try {
        await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
      } catch (err) {
        throw new UserError(`mkdir ${dir}: ${osMessage(err)}`);
      }
    } else if (!info.isDirectory) {
      throw new UserError(`${this.#shownDir()} is a file, not a directory`);
    }
    this.#dirReady = true;
    return dir;
  }

  /**
   * AWS_VAULT_FILE_PASSPHRASE when set (even to ""), else one terminal prompt per process.
   * Asked only when an item is read or written, never for keys() or remove().
   */
  async #passphrase(): Promise<string> {
    const fromEnv = this.env(PASSPHRASE_ENV);
    if (fromEnv !== undefined) return fromEnv;
    const dir = this.#shownDir();
    let pending = askedPassphrases.get(dir);
    if (!pending) {
      pending = askPassphrase(dir);
      askedPassphrases.set(dir, pending);
      // A failed prompt (no terminal) must not be remembered as an answer.
      pending.catch(() => askedPassphrases.delete(dir));
    }
    return await pending;
  }
}

async function askPassphrase(dir: string): Promise<string> {
  const { promptTerminal, terminalAvailable } = await importAtRunTime<
    typeof import("../lib/tty.ts")
  >("lib/tty.ts");
  if (!(await terminalAvailable())) {
    throw new UserError(
      `no terminal to ask for the passphrase of the file keyring ${JSON.stringify(dir)}; ` +
        `set ${PASSPHRASE_ENV}`,
    );
  }
  return await promptTerminal(`Enter passphrase to unlock ${JSON.stringify(dir)}: `, {
    echo: false,
  });
}

/** Replaces a leading `~/` with $HOME, as keyring's ExpandTilde (a bare `~` is left alone). */
export function expandTilde(path: string, env: (name: string) => string | undefined): string {
  if (!path.startsWith("~/")) return path;
  const home = env("HOME") ?? (Deno.build.os === "windows" ? env("USERPROFILE") : undefined);
  if (!home) throw new UserError(`cannot expand ${path}: $HOME is not defined`);
  return home.replace(/\/+$/, "") + path.slice(1);
}

/** Writes an item file atomically (lib/atomic_file.ts), 0600, under a temp name of ours. */
async function writeAtomically(dir: string, path: string, data: Uint8Array): Promise<void> {
  // Shortened so that a key near the 255-byte name limit still gets a valid temp name.
  const name = Array.from(path.slice(dir.length + 1)).slice(0, 40).join("");
  try {
    await writeFileAtomically(path, data, { tempPath: `${dir}/.${name}.tmp-${randomHex(6)}` });
  } catch (err) {
    throw new Error(`writing ${path}: ${osMessage(err)}`);
  }
}

/** The OS message without Deno's `(os error N)` and call-site suffixes. */
function osMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/ \(os error \d+\)/, "").replace(
    /: (readfile|open|remove|rename|stat|mkdir) '.*'$/,
    "",
  );
}
