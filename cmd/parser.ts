/**
 * A small command-line parser with kingpin's conventions (what aws-vault users are used to):
 * interspersed flags and positionals, `--` ends option parsing, `--flag=value` and `--flag value`,
 * `-x value`, `-xvalue` and grouped short bools (`-fn`), `--no-<bool>`, environment defaults, and
 * Go duration values. Kept dependency-free: every CommonJS parser costs 40-60 ms of start-up.
 */
import { UsageError, UserError } from "../lib/errors.ts";
import { parseDuration } from "../lib/duration.ts";

export type FlagKind = "bool" | "string" | "duration" | "enum";

export interface FlagSpec {
  /** Long name without the dashes. */
  name: string;
  short?: string;
  kind: FlagKind;
  help: string;
  /** Environment variable that supplies the default when the flag is absent (and non-empty). */
  env?: string;
  default?: string;
  /** Allowed values of an enum flag; a function so that it can be computed only when needed. */
  enumValues?: () => string[];
  hidden?: boolean;
  placeholder?: string;
  /** What shell completion offers for the value, when it is not an enum (cmd/completion.ts). */
  completeWith?: "backends" | "prompts" | "profiles";
}

export interface ArgSpec {
  name: string;
  help: string;
  required?: boolean;
  /** Collects this and every later positional (must be the last). */
  variadic?: boolean;
  /** How help shows this argument when it differs from how it is parsed (exec's cmd and args). */
  helpAs?: ArgSpec[];
}

/** What a command declares about its own flags and arguments. */
export interface CommandSyntax {
  flags: FlagSpec[];
  args: ArgSpec[];
}

/**
 * kingpin's own flags, which the parser answers itself (`--help`, and `--help-long`/`--help-man`,
 * which kingpin hides; `--version`): help and shell completion show them before the
 * application's.
 */
export const KINGPIN_FLAGS: FlagSpec[] = [
  {
    name: "help",
    kind: "bool",
    help: "Show context-sensitive help (also try --help-long and --help-man).",
  },
  { name: "version", kind: "bool", help: "Show application version." },
];

/** kingpin's `help [<command>...]`, the first command of every application (`help help` too). */
export const HELP_COMMAND: CommandSyntax & { name: string; help: string } = {
  name: "help",
  help: "Show help.",
  flags: [],
  args: [{ name: "command", help: "Show help on command.", variadic: true }],
};

/** Parsed flag values: typed accessors over what the user gave or the environment supplied. */
export class ParsedFlags {
  constructor(
    private readonly values: Map<string, string | boolean>,
    private readonly explicit: Set<string>,
  ) {}

  bool(name: string): boolean {
    return this.values.get(name) === true;
  }

  string(name: string): string {
    const v = this.values.get(name);
    return typeof v === "string" ? v : "";
  }

  /** Milliseconds; 0 when the flag was not given. Validated at parse time. */
  duration(name: string): number {
    const v = this.string(name);
    return v === "" ? 0 : parseDuration(v);
  }

  /** True if the flag was given on the command line (not from the environment or a default). */
  given(name: string): boolean {
    return this.explicit.has(name);
  }
}

export interface ParseResult {
  /** The command name as typed (an alias stays an alias); undefined if none was given. */
  command?: string;
  flags: ParsedFlags;
  /** Named positional arguments; a variadic argument is in `rest`. */
  args: Record<string, string>;
  rest: string[];
  help: boolean;
  /** `--help-long` or `--help-man` (with `help` set too); they win over `--help`, as in kingpin. */
  helpFormat?: "help-long" | "help-man";
  version: boolean;
}

export interface ParserOptions {
  globalFlags: FlagSpec[];
  /** Returns the syntax of a command (or undefined if there is no such command). */
  commandSyntax: (name: string) => CommandSyntax | undefined;
  env: (name: string) => string | undefined;
}

/**
 * Parses argv. The first positional is the command name; from then on the command's own flags are
 * recognised too. `help <cmd>` is turned into `<cmd> --help`.
 */
export function parseArgs(argv: string[], opts: ParserOptions): ParseResult {
  const values = new Map<string, string | boolean>();
  const explicit = new Set<string>();
  let flags = [...opts.globalFlags];
  let syntax: CommandSyntax | undefined;
  let command: string | undefined;
  let help = false;
  let helpFormat: ParseResult["helpFormat"];
  let version = false;
  const positionals: string[] = [];
  let onlyPositionals = false;

  const findLong = (name: string) => flags.find((f) => f.name === name);
  const findShort = (c: string) => flags.find((f) => f.short === c);

  const setValue = (flag: FlagSpec, raw: string | boolean, shown: string) => {
    if (flag.kind === "bool") {
      values.set(flag.name, raw === true || raw === "true");
    } else {
      validateValue(flag, String(raw), shown);
      values.set(flag.name, String(raw));
    }
    explicit.add(flag.name);
  };

  let helpMode = false;
  const positional = (token: string) => {
    if (command === undefined) {
      if (token === "help" && !helpMode) {
        // `help [<cmd>]` is `[<cmd>] --help`.
        helpMode = true;
        return;
      }
      syntax = opts.commandSyntax(token);
      if (!syntax) {
        const message = `expected command but got "${token}"`;
        // kingpin's help command reports this through FatalIfError, without `, try --help`.
        throw helpMode ? new UserError(message) : new UsageError(message);
      }
      command = token;
      flags = [...opts.globalFlags, ...syntax.flags];
      return;
    }
    positionals.push(token);
    // From a variadic argument on (exec's `<cmd> [<args>...]`) every word is the child's, as if
    // after `--`: `exec p aws s3 ls --recursive` works (kingpin rejects it: 99designs/aws-vault
    // #317, #611, #456). Flags before the profile and between it and the command stay ours.
    if (syntax?.args[positionals.length - 1]?.variadic) onlyPositionals = true;
  };

  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (onlyPositionals) {
      positional(token);
      continue;
    }
    if (token === "--") {
      onlyPositionals = true;
      continue;
    }
    if (token.startsWith("--")) {
      const eq = token.indexOf("=");
      const name = token.slice(2, eq === -1 ? undefined : eq);
      const inline = eq === -1 ? undefined : token.slice(eq + 1);
      if (name === "help" || name === "help-long" || name === "help-man") {
        help = true;
        if (name !== "help") helpFormat = name;
        continue;
      }
      if (name === "version") {
        version = true;
        continue;
      }
      const flag = findLong(name);
      if (!flag && name.startsWith("no-")) {
        const negated = findLong(name.slice(3));
        if (negated?.kind === "bool") {
          setValue(negated, false, token);
          continue;
        }
      }
      if (!flag) throw new UsageError(`unknown long flag '--${name}'`);
      if (flag.kind === "bool") {
        setValue(flag, inline === undefined ? true : inline, token);
      } else if (inline !== undefined) {
        setValue(flag, inline, `--${name}`);
      } else {
        if (i + 1 >= argv.length) throw new UsageError(`expected argument for flag '--${name}'`);
        setValue(flag, argv[++i], `--${name}`);
      }
      continue;
    }
    if (token.startsWith("-") && token.length > 1) {
      // Short flags: `-f`, `-fn` (grouped bools), `-d1h` or `-d 1h`.
      for (let j = 1; j < token.length; j++) {
        const c = token[j];
        if (c === "h" && !findShort("h")) {
          help = true;
          continue;
        }
        const flag = findShort(c);
        if (!flag) throw new UsageError(`unknown short flag '-${c}'`);
        if (flag.kind === "bool") {
          setValue(flag, true, `-${c}`);
          continue;
        }
        const rest = token.slice(j + 1);
        if (rest !== "") {
          setValue(flag, rest, `--${flag.name}`);
        } else {
          if (i + 1 >= argv.length) throw new UsageError(`expected argument for flag '-${c}'`);
          setValue(flag, argv[++i], `--${flag.name}`);
        }
        break;
      }
      continue;
    }
    positional(token);
  }
  if (helpMode) help = true;

  // Environment defaults, then declared defaults, for flags not given explicitly.
  for (const flag of flags) {
    if (explicit.has(flag.name)) continue;
    const fromEnv = flag.env ? opts.env(flag.env) : undefined;
    if (fromEnv !== undefined && fromEnv !== "") {
      if (flag.kind === "bool") {
        // strconv.ParseBool's true spellings, as kingpin reads them (1, t, true), and `yes`.
        values.set(flag.name, /^(1|t|true|yes)$/i.test(fromEnv));
      } else {
        validateValue(flag, fromEnv, `${flag.env} (--${flag.name})`);
        values.set(flag.name, fromEnv);
      }
    } else if (flag.default !== undefined) {
      values.set(flag.name, flag.kind === "bool" ? flag.default === "true" : flag.default);
    }
  }

  const args: Record<string, string> = {};
  const rest: string[] = [];
  if (syntax && !help && !version) assignPositionals(syntax.args, positionals, args, rest);
  return {
    command,
    flags: new ParsedFlags(values, explicit),
    args,
    rest,
    help,
    helpFormat,
    version,
  };
}

function validateValue(flag: FlagSpec, value: string, shown: string): void {
  if (flag.kind === "duration") {
    try {
      parseDuration(value);
    } catch (err) {
      throw new UsageError(`invalid value for ${shown}: ${(err as Error).message}`);
    }
  } else if (flag.kind === "enum" && flag.enumValues) {
    const allowed = flag.enumValues();
    if (!allowed.includes(value)) {
      throw new UsageError(
        `${shown} value must be one of ${allowed.join(",")}, got '${value}'`,
      );
    }
  }
}

function assignPositionals(
  specs: ArgSpec[],
  positionals: string[],
  args: Record<string, string>,
  rest: string[],
): void {
  let i = 0;
  for (const spec of specs) {
    if (spec.variadic) {
      rest.push(...positionals.slice(i));
      i = positionals.length;
      break;
    }
    if (i < positionals.length) {
      args[spec.name] = positionals[i++];
    } else if (spec.required) {
      throw new UsageError(`required argument '${spec.name}' not provided`);
    }
  }
  if (i < positionals.length) throw new UsageError(`unexpected ${positionals[i]}`);
}
