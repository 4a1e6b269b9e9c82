/**
 * The aws-vault application: global flags, the command table, help and version output, and the
 * mapping of errors to `aws-vault: error: ...` lines and exit codes.
 */
import { errorMessage, presentableMessage, UsageError, UserError } from "../lib/errors.ts";
import { debug, setDebug } from "../lib/log.ts";
import { importAtRunTime } from "../lib/lazy_import.ts";
import { printOut } from "./output.ts";
import type { CommandEntry, CommandModule, GlobalOptions } from "./command.ts";
import { type FlagSpec, HELP_COMMAND, parseArgs, type ParseResult } from "./parser.ts";

export const VERSION = "v7.2.0-deno.1";

/** Every command; each lives in cmd/<name>.ts and is imported only when it runs. */
export const COMMANDS: CommandEntry[] = [
  {
    name: "add",
    aliases: [],
    help: "Add credentials to the secure keystore.",
    errorPrefix: "add",
  },
  {
    name: "remove",
    aliases: ["rm"],
    help: "Remove credentials from the secure keystore.",
    errorPrefix: "remove",
  },
  {
    // The ByteNess fork's command (cli/migrate_backend.go), in its place after remove.
    name: "migrate-backend",
    module: "migrate_backend",
    aliases: [],
    help: "Migrate stored credentials between keyring backends.",
    errorPrefix: "migrate-backend",
  },
  {
    name: "list",
    aliases: ["ls"],
    help: "List profiles, along with their credentials and sessions.",
    errorPrefix: "list",
  },
  {
    name: "rotate",
    aliases: [],
    help: "Rotate credentials.",
    errorPrefix: "rotate",
  },
  {
    name: "exec",
    aliases: [],
    help: "Execute a command with AWS credentials.",
    errorPrefix: "exec",
  },
  {
    name: "export",
    aliases: [],
    help: "Export AWS credentials.",
    // aws-vault v7.2.0 says "exec" here by mistake; we use "export", as the maintained fork does.
    errorPrefix: "export",
  },
  {
    name: "clear",
    aliases: [],
    help: "Clear temporary credentials from the secure keystore.",
    errorPrefix: "clear",
  },
  {
    name: "login",
    aliases: [],
    help: "Generate a login link for the AWS Console.",
    errorPrefix: "login",
  },
  {
    name: "doctor",
    aliases: [],
    help: "Check the config, environment and keystore for problems.",
    errorPrefix: "doctor",
  },
  {
    name: "proxy",
    aliases: ["server"],
    help: "Start a proxy for the ec2 instance role server locally.",
    hidden: true,
    errorPrefix: "proxy",
  },
];

export const GLOBAL_FLAGS: FlagSpec[] = [
  { name: "debug", kind: "bool", help: "Show debugging output" },
  {
    name: "backend",
    kind: "string",
    env: "AWS_VAULT_BACKEND",
    // Validated by keystore/registry.ts against the backends available on this machine.
    help: "Secret backend to use",
    placeholder: "BACKEND",
    completeWith: "backends",
  },
  {
    name: "prompt",
    kind: "string",
    env: "AWS_VAULT_PROMPT",
    help: "Prompt driver to use",
    placeholder: "PROMPT",
    completeWith: "prompts",
  },
  {
    name: "keychain",
    kind: "string",
    env: "AWS_VAULT_KEYCHAIN_NAME",
    default: "aws-vault",
    help: "Name of macOS keychain to use, if it doesn't exist it will be created",
    placeholder: "KEYCHAIN",
  },
  {
    name: "secret-service-collection",
    kind: "string",
    env: "AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME",
    default: "awsvault",
    help: "Name of secret-service collection to use, if it doesn't exist it will be created",
    placeholder: "SECRET-SERVICE-COLLECTION",
  },
  {
    name: "pass-dir",
    kind: "string",
    env: "AWS_VAULT_PASS_PASSWORD_STORE_DIR",
    help: "Pass password store directory",
    placeholder: "PASS-DIR",
  },
  {
    name: "pass-cmd",
    kind: "string",
    env: "AWS_VAULT_PASS_CMD",
    help: "Name of the pass executable",
    placeholder: "PASS-CMD",
  },
  {
    name: "pass-prefix",
    kind: "string",
    env: "AWS_VAULT_PASS_PREFIX",
    help: "Prefix to prepend to the item path stored in pass",
    placeholder: "PASS-PREFIX",
  },
  {
    name: "file-dir",
    kind: "string",
    env: "AWS_VAULT_FILE_DIR",
    default: "~/.awsvault/keys/",
    help: 'Directory for the "file" password store',
    placeholder: "FILE-DIR",
  },
  {
    // From 99designs/aws-vault PR #1202: without a scope the keyctl backend never opens (#890).
    name: "keyctl-scope",
    kind: "enum",
    env: "AWS_VAULT_KEYCTL_SCOPE",
    default: "user",
    enumValues: () => ["user", "session", "process", "thread", "usersession"],
    help: "Scope of the kernel keyring used by the keyctl backend",
    placeholder: "KEYCTL-SCOPE",
  },
];

/** The file name (without .ts) of a command's module in cmd/. */
export function commandModule(entry: CommandEntry): string {
  return entry.module ?? entry.name;
}

function loadCommand(entry: CommandEntry): Promise<CommandModule> {
  return importSibling(commandModule(entry));
}

/** Imports cmd/<name>.ts without making Deno walk it at start-up (see lib/lazy_import.ts). */
function importSibling<T>(name: string): Promise<T> {
  return importAtRunTime<T>(`cmd/${name}.ts`);
}

function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name || c.aliases.includes(name));
}

/** The name the binary was invoked as; `aws-vault` when run from source by `deno`. */
export function invokedName(): string {
  const base = Deno.execPath().split(/[\\/]/).pop() ?? "aws-vault";
  const name = base.replace(/\.exe$/i, "");
  return name === "deno" ? "aws-vault" : name;
}

/** Runs the CLI and returns the exit code. Nothing is written to stdout except command output. */
export async function runApp(argv: string[]): Promise<number> {
  const appName = invokedName();
  const completion = await completionRequest(appName, argv);
  if (completion !== undefined) return completion;
  let entry: CommandEntry | undefined;
  try {
    // The parser needs the command's own flags, so load the module of every word before `--` that
    // names a command: normally one, more only when a flag's value or a profile is also a command
    // name. The parser decides which word is the command (`help <cmd>` included).
    const modules = new Map<string, CommandModule>();
    for (const [i, token] of argv.entries()) {
      if (token === "--") {
        // `aws-vault -- list` runs list, as kingpin does: the word after `--` may be the command.
        const next = findCommand(argv[i + 1] ?? "");
        if (modules.size === 0 && next) modules.set(argv[i + 1], await loadCommand(next));
        break;
      }
      const candidate = findCommand(token);
      if (candidate && !modules.has(token)) modules.set(token, await loadCommand(candidate));
    }
    const parsed = parseArgs(argv, {
      globalFlags: GLOBAL_FLAGS,
      commandSyntax: (name) => name === "help" ? HELP_COMMAND : modules.get(name),
      env: (name) => Deno.env.get(name),
    });
    if (!parsed.help && !parsed.version) await checkPromptDriver(parsed);
    entry = parsed.command ? findCommand(parsed.command) : undefined;
    if (parsed.version) {
      writeErr(`${VERSION}\n`);
      return 0;
    }
    if (parsed.help || !entry) {
      await printHelp(appName, parsed, modules);
      return 0;
    }
    const global = globalOptions(parsed);
    setDebug(global.debug);
    // aws-vault's first debug line (the Go binary names itself "aws-vault" here, whatever argv[0]).
    debug(`aws-vault ${VERSION}`);
    const module = modules.get(parsed.command!)!;
    const code = await module.run({
      appName,
      commandName: parsed.command!,
      global,
      flags: parsed.flags,
      args: parsed.args,
      rest: parsed.rest,
    });
    return code ?? 0;
  } catch (err) {
    // Never a secret, never a 100 KB profile name (lib/errors.ts).
    const message = presentableMessage(errorMessage(err), argv);
    if (err instanceof UsageError) {
      writeErr(`${appName}: error: ${message}, try --help\n`);
      return err.exitCode;
    }
    const prefix = entry ? `${entry.errorPrefix}: ` : "";
    writeErr(`${appName}: error: ${prefix}${message}\n`);
    if (!(err instanceof UserError) && Deno.env.get("AWS_VAULT_STACK") === "1") {
      writeErr(`${(err as Error).stack}\n`);
    }
    return err instanceof UserError ? err.exitCode : 1;
  }
}

/**
 * `--prompt`/`AWS_VAULT_PROMPT` is checked for every command before it runs, as aws-vault's
 * Validate hook does (cli/global.go): `--prompt value must be one of ..., got '...'` is a usage
 * error; `pass` gets its removal message without `, try --help` (kingpin.Fatalf). The module is
 * loaded only when a driver is named; it is in the bundle's entry half, as `AWS_VAULT_PROMPT` makes
 * every cached `credential_process` call run this check.
 */
async function checkPromptDriver(parsed: ParseResult): Promise<void> {
  const name = parsed.flags.string("prompt");
  if (name === "") return;
  const { validatePromptDriver } = await importAtRunTime<
    typeof import("../sts/mfa/prompt_choice.ts")
  >("sts/mfa/prompt_choice.ts");
  validatePromptDriver(name);
}

function globalOptions(parsed: ParseResult): GlobalOptions {
  const f = parsed.flags;
  return {
    debug: f.bool("debug"),
    backend: f.string("backend"),
    prompt: f.string("prompt"),
    keychain: f.string("keychain"),
    secretServiceCollection: f.string("secret-service-collection"),
    passDir: f.string("pass-dir"),
    passCmd: f.string("pass-cmd"),
    passPrefix: f.string("pass-prefix"),
    fileDir: f.string("file-dir"),
    keyctlScope: f.string("keyctl-scope"),
  };
}

/**
 * kingpin's help: usage on stderr (`--help`, `help [<cmd>]`, `<cmd> --help`, no command), the
 * long help and the man page on stdout. Every command module is loaded: the usage lines need their
 * flags and arguments.
 */
async function printHelp(
  appName: string,
  parsed: ParseResult,
  loaded: Map<string, CommandModule>,
): Promise<void> {
  const help: typeof import("./help.ts") = await importSibling("help");
  const commands = await Promise.all(COMMANDS.map(async (entry) => ({
    entry,
    module: loaded.get(entry.name) ?? await loadCommand(entry),
  })));
  const model = help.helpModel({
    appName,
    version: VERSION,
    globalFlags: GLOBAL_FLAGS,
    commands,
    choices: await help.machineChoices(),
  });
  const commandName = parsed.command === undefined
    ? undefined
    : (findCommand(parsed.command)?.name ?? parsed.command);
  if (parsed.helpFormat === "help-man") return await printOut(help.renderManPage(model));
  if (parsed.helpFormat === "help-long") {
    return await printOut(help.renderLongHelp(model, commandName, help.helpWidth(Deno.stdout)));
  }
  writeErr(help.renderUsage(model, commandName, help.helpWidth(Deno.stderr)));
}

/**
 * kingpin's hidden completion flags, before any parsing: `--completion-bash <words>` prints the
 * candidates for the last word, `--completion-script-<shell>` a script for the shell's rc file.
 * Completion never prints an error (a TAB must not spill messages into the command line). Returns
 * the exit code, or undefined when argv asks for neither.
 */
async function completionRequest(appName: string, argv: string[]): Promise<number | undefined> {
  const end = argv.indexOf("--");
  const options = end === -1 ? argv : argv.slice(0, end);
  const at = options.indexOf("--completion-bash");
  if (at !== -1) {
    try {
      const { completionAnswers }: typeof import("./completion.ts") = await importSibling(
        "completion",
      );
      const words = [...argv.slice(0, at), ...argv.slice(at + 1)];
      const answers = await completionAnswers(words, {
        commands: COMMANDS,
        globalFlags: GLOBAL_FLAGS,
        loadCommand,
      });
      // One candidate per line, no final newline, as kingpin prints them.
      await printOut(answers.join("\n"));
    } catch (err) {
      debug(`completion: ${errorMessage(err)}`);
    }
    return 0;
  }
  const shell = options.map((o) => /^--completion-script-(bash|zsh|fish|pwsh)$/.exec(o)?.[1])
    .find((s) => s !== undefined);
  if (shell === undefined) return undefined;
  const { completionScript }: typeof import("./completion_scripts.ts") = await importSibling(
    "completion_scripts",
  );
  await printOut(completionScript(shell as "bash" | "zsh" | "fish" | "pwsh", appName));
  return 0;
}

function writeErr(text: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(text));
}
