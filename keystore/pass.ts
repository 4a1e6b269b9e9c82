/**
 * The "pass" backend: entries of the standard unix password manager, as 99designs/keyring writes
 * them. Entry `<prefix>/<key>` (cleaned like Go's filepath.Join) holds the Item JSON, encrypted by
 * pass with gpg. The JSON goes to `pass insert -m -f` on stdin and comes back from `pass show` on
 * stdout: secrets never appear in a child's argv. keys() walks the store directory for `*.gpg`.
 */
import { debug } from "../lib/log.ts";
import { findExecutable } from "../lib/which.ts";
import { compareUtf8 } from "./file_names.ts";
import { decodeItemJson, encodeItemJson } from "./item_json.ts";
import {
  type Item,
  ItemNotFoundError,
  type Keystore,
  type KeystoreOptions,
  KeystoreUnavailableError,
} from "./keystore.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The store directory: the configured one, else `$PASSWORD_STORE_DIR` (even when empty, as Go's
 * LookupEnv sees it; an empty value then means the current directory), else `~/.password-store`.
 * A leading `~/` is expanded, as aws-vault does.
 */
export function resolvePassDir(
  configured: string,
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): string {
  const home = env("HOME") ?? env("USERPROFILE") ?? "";
  let dir = configured;
  if (dir === "") {
    const fromEnv = env("PASSWORD_STORE_DIR");
    dir = fromEnv !== undefined ? fromEnv : `${home}/.password-store`;
  }
  if (dir === "~") return home;
  if (dir.startsWith("~/")) return home + dir.slice(1);
  return dir;
}

/**
 * `filepath.Join(prefix, key)` on unix: empty parts dropped, `//` collapsed, `.` and `..` resolved
 * lexically. aws-vault names pass entries this way, so `oidc:https://x/start` becomes
 * `oidc:https:/x/start`; we name them identically to share stores with it.
 */
export function passEntryName(prefix: string, key: string): string {
  return cleanPath([prefix, key].filter((p) => p !== "").join("/"));
}

function cleanPath(path: string): string {
  if (path === "") return "";
  const rooted = path.startsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = (rooted ? "/" : "") + out.join("/");
  return joined === "" ? "." : joined;
}

/**
 * The key for an entry found on disk. Because of the `//` collapse above, an OIDC key read back
 * from the file system has lost one slash after its URL scheme; we put it back, so that
 * `oidc:https://x.awsapps.com/start` round-trips (aws-vault lists `oidc:https:/x.awsapps.com/start`).
 * Only the scheme's `//` is restored: a URL with `//` elsewhere in its path still collapses.
 */
export function keyFromEntryPath(relative: string): string {
  return relative.replace(/^(oidc:[A-Za-z][A-Za-z0-9+.-]*:)\/(?!\/)/, "$1//");
}

/**
 * One line from a helper's stderr that explains a failure: the first line saying "failed", else
 * the first that reads like an error, else the first non-blank line. gpg's informational lines ("encrypted with ...", indented
 * user ids) are skipped.
 */
export function firstMeaningfulLine(stderr: string): string {
  const all = stderr.split(/\r?\n/).map((l) => l.trimEnd());
  const candidates = all.map((line, index) => ({ line, index })).filter(({ line }) =>
    line.trim() !== "" && !/^\s/.test(line) && !/^gpg: encrypted with /.test(line)
  );
  // gpg's own summary ("encryption failed: No public key") beats the steps that led to it.
  const chosen = candidates.find(({ line }) => /failed/i.test(line)) ??
    candidates.find(({ line }) =>
      /error|denied|unusable|invalid|cannot|can't|not |no such|must /i.test(line)
    ) ?? candidates[0];
  if (!chosen) return "";
  let line = chosen.line;
  // pass words some errors over several lines ("Error: You must run:" / "    pass init ...").
  if (line.endsWith(":")) {
    const rest = all.slice(chosen.index + 1, chosen.index + 3).map((l) => l.trim());
    line = [line, ...rest.filter((l) => l !== "")].join(" ");
  }
  return line.length > 300 ? line.slice(0, 297) + "..." : line;
}

interface PassResult {
  code: number;
  stdout: Uint8Array;
  stderr: string;
}

class PassKeystore implements Keystore {
  readonly backend = "pass";

  constructor(
    private readonly passCmd: string,
    private readonly dir: string,
    private readonly prefix: string,
  ) {}

  async get(key: string): Promise<Item> {
    const name = passEntryName(this.prefix, key);
    if (!(await this.entryExists(name))) throw new ItemNotFoundError(key);
    const result = await this.run(["show", name]);
    this.check(result, "show", name);
    try {
      return decodeItemJson(decoder.decode(result.stdout));
    } catch {
      // The parser's message would quote the decrypted text; say only what is wrong.
      throw new Error(`pass entry ${JSON.stringify(name)} does not hold a valid keyring item`);
    }
  }

  async set(item: Item): Promise<void> {
    const name = passEntryName(this.prefix, item.key);
    const result = await this.run(
      ["insert", "-m", "-f", name],
      encoder.encode(encodeItemJson(item)),
    );
    this.check(result, "insert", name);
  }

  async remove(key: string): Promise<void> {
    const name = passEntryName(this.prefix, key);
    if (!(await this.entryExists(name))) throw new ItemNotFoundError(key);
    const result = await this.run(["rm", "-f", name]);
    this.check(result, "rm", name);
  }

  async keys(): Promise<string[]> {
    const root = this.prefix === "" ? this.dir : `${this.dir}/${cleanPath(this.prefix)}`;
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(root);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return [];
      throw err;
    }
    if (!info.isDirectory) throw new Error(`${root} is not a directory`);
    const keys: string[] = [];
    await walk(root, "", keys);
    return keys.map(keyFromEntryPath);
  }

  private async entryExists(name: string): Promise<boolean> {
    try {
      await Deno.stat(`${this.dir}/${name}.gpg`);
      return true;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
        return false;
      }
      throw err;
    }
  }

  private async run(args: string[], stdin?: Uint8Array): Promise<PassResult> {
    debug(`[pass] ${this.passCmd} ${args[0]} ${args[args.length - 1]}`);
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(this.passCmd, {
        args,
        env: { PASSWORD_STORE_DIR: this.dir },
        stdin: stdin ? "piped" : "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) throw unavailable(this.passCmd);
      throw err;
    }
    if (stdin) {
      const writer = child.stdin.getWriter();
      try {
        await writer.write(stdin);
        await writer.close();
      } catch {
        // pass exited before reading stdin; its exit status and stderr say why.
      }
    }
    const out = await child.output();
    return { code: out.code, stdout: out.stdout, stderr: decoder.decode(out.stderr) };
  }

  private check(result: PassResult, command: string, name: string): void {
    if (result.code === 0) return;
    const reason = firstMeaningfulLine(result.stderr) || `exit status ${result.code}`;
    throw new Error(`pass ${command} ${JSON.stringify(name)} failed: ${reason}`);
  }
}

/** Go's filepath.Walk order: names sorted bytewise within each directory; symlinks not followed. */
async function walk(root: string, relative: string, keys: string[]): Promise<void> {
  const dir = relative === "" ? root : `${root}/${relative}`;
  const entries: Deno.DirEntry[] = [];
  for await (const entry of Deno.readDir(dir)) entries.push(entry);
  entries.sort((a, b) => compareUtf8(a.name, b.name));
  for (const entry of entries) {
    const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory) await walk(root, path, keys);
    else if (entry.name.endsWith(".gpg")) keys.push(path.slice(0, -4));
  }
}

function unavailable(passCmd: string): KeystoreUnavailableError {
  return new KeystoreUnavailableError(
    `The pass program is not available (${JSON.stringify(passCmd)} not found; see --pass-cmd)`,
  );
}

/** Opens the pass backend; fails with one line when the pass program cannot be found. */
export function openPassKeystore(options: KeystoreOptions): Promise<Keystore> {
  const passCmd = options.passCmd === "" ? "pass" : options.passCmd;
  if (findExecutable(passCmd) === undefined) return Promise.reject(unavailable(passCmd));
  return Promise.resolve(
    new PassKeystore(passCmd, resolvePassDir(options.passDir), options.passPrefix),
  );
}
