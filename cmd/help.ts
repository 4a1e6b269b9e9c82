/**
 * Help text exactly as kingpin v2.3.2 (aws-vault v7.2.0's parser) prints it: its default usage
 * template for `--help`, `help <cmd>` and `<cmd> --help`, its long-help template for `--help-long`
 * and its man-page template for `--help-man` (kingpin's templates.go and usage.go). Descriptions
 * are wrapped as Go's go/doc.ToText wraps them (cmd/text_wrap.ts). Imported only to print help.
 */
import type { CommandEntry, CommandModule } from "./command.ts";
import { type ArgSpec, type FlagSpec, HELP_COMMAND, KINGPIN_FLAGS } from "./parser.ts";
import { wrapText } from "./text_wrap.ts";
import { importAtRunTime } from "../lib/lazy_import.ts";

export interface HelpCommand {
  name: string;
  help: string;
  hidden?: boolean;
  flags: FlagSpec[];
  args: ArgSpec[];
}

/** What the help templates read: kingpin's ApplicationModel. */
export interface HelpModel {
  name: string;
  help: string;
  version: string;
  /** Every application flag, `--help` and `--version` first, as kingpin orders them. */
  flags: FlagSpec[];
  /** The `help` command first, then the commands in the order they were declared. */
  commands: HelpCommand[];
}

const APP_HELP =
  "A vault for securely storing and accessing AWS credentials in development environments.";

/** Values that only this machine knows: the flag descriptions list them, as aws-vault's do. */
export interface MachineChoices {
  backends: string[];
  /** The backend used without --backend (keystore/registry.ts defaultBackendName). */
  defaultBackend: string | undefined;
  prompts: string[];
}

/** Looks up the backends and prompt drivers available here (cheap probes, no store opened). */
export async function machineChoices(): Promise<MachineChoices> {
  const [registry, { availablePromptDrivers }] = await Promise.all([
    importAtRunTime<typeof import("../keystore/registry.ts")>("keystore/registry.ts"),
    importAtRunTime<typeof import("../sts/mfa/prompt_choice.ts")>("sts/mfa/prompt_choice.ts"),
  ]);
  const backends = await registry.availableBackendNames();
  return {
    backends,
    defaultBackend: registry.defaultBackendName(backends),
    prompts: availablePromptDrivers(),
  };
}

/**
 * The model of the whole application. `--backend` is an enum whose default is the first available
 * backend, and both `--backend` and `--prompt` list the available choices in their description
 * (Go's `%v` of a string slice), as aws-vault's cli/global.go declares them.
 */
export function helpModel(opts: {
  appName: string;
  version: string;
  globalFlags: FlagSpec[];
  commands: { entry: CommandEntry; module: CommandModule }[];
  choices: MachineChoices;
}): HelpModel {
  const { backends, defaultBackend, prompts } = opts.choices;
  const globals = opts.globalFlags.map((f): FlagSpec => {
    if (f.name === "backend") {
      return {
        ...f,
        kind: "enum",
        // The backend a command would use; aws-vault shows its first, which on Linux without a
        // session bus is keyctl, a backend we never choose by default.
        default: defaultBackend,
        help: `${f.help} [${backends.join(" ")}]`,
      };
    }
    if (f.name === "prompt") return { ...f, help: `${f.help} [${prompts.join(" ")}]` };
    return f;
  });
  return kingpinModel({
    name: opts.appName,
    help: APP_HELP,
    version: opts.version,
    flags: globals,
    commands: opts.commands.map(({ entry, module }) => ({
      name: entry.name,
      help: entry.help,
      hidden: entry.hidden,
      flags: module.flags,
      args: module.args.flatMap((a) => a.helpAs ?? [a]),
    })),
  });
}

/** An application as declared, with what kingpin adds: `--help`, `--version` and `help`. */
export function kingpinModel(app: HelpModel): HelpModel {
  return {
    ...app,
    flags: [...KINGPIN_FLAGS, ...app.flags],
    commands: [HELP_COMMAND, ...app.commands],
  };
}

/** kingpin's width: $COLUMNS when Go's Atoi reads it, else the terminal's width, else 80. */
export function helpWidth(stream: { isTerminal(): boolean }): number {
  const columns = Deno.env.get("COLUMNS") ?? "";
  if (/^[+-]?\d+$/.test(columns)) return Number(columns);
  if (stream.isTerminal()) {
    try {
      return Deno.consoleSize().columns;
    } catch {
      // Not a console after all.
    }
  }
  return 80;
}

/** `--help`, `help [<cmd>]`, `<cmd> --help` (kingpin's DefaultUsageTemplate). */
export function renderUsage(model: HelpModel, commandName: string | undefined, width: number) {
  const command = model.commands.find((c) => c.name === commandName);
  let out = command
    ? `usage: ${model.name} ${command.name}${usageTail(command, width)}`
    : `usage: ${model.name}${usageTail({ ...model, args: [] }, width, true)}`;
  out += "\n\n";
  out += sections(model, command, width);
  if (!command) out += `Commands:\n${commandList(model, width, false)}\n`;
  return out;
}

/** `--help-long`: the application's usage with every command and its flags (LongHelpTemplate). */
export function renderLongHelp(model: HelpModel, commandName: string | undefined, width: number) {
  const command = model.commands.find((c) => c.name === commandName);
  return `usage: ${model.name}${usageTail({ ...model, args: [] }, width, true)}\n` +
    sections(model, command, width) +
    `Commands:\n${commandList(model, width, true)}\n`;
}

/** `--help-man`: a roff man page (kingpin's ManPageTemplate). */
export function renderManPage(model: HelpModel): string {
  let out = `.TH ${model.name} 1 ${model.version} ""\n.SH "NAME"\n${model.name}\n` +
    `.SH "SYNOPSIS"\n.TP\n\\fB${model.name}${commandSyntax(model.flags, [])}` +
    ` <command> [<args> ...]\\fR\n\n.SH "DESCRIPTION"\n${model.help}\n.SH "OPTIONS"\n` +
    manFlags(model.flags) + `.SH "COMMANDS"\n`;
  for (const c of model.commands) {
    if (c.hidden) continue;
    out += `.SS\n\\fB${c.name}${commandSyntax(c.flags, c.args)}\\fR\n.PP\n${c.help}\n` +
      manFlags(c.flags);
  }
  return out;
}

/** After `usage: <name> [<cmd>]`: the syntax, then the wrapped description (FormatUsage). */
function usageTail(
  c: { flags: FlagSpec[]; args: ArgSpec[]; help: string },
  width: number,
  hasCommands = false,
): string {
  const syntax = commandSyntax(c.flags, c.args) + (hasCommands ? " <command> [<args> ...]" : "");
  return `${syntax}\n${c.help ? `\n${wrapped(c.help, width, 0)}` : ""}`;
}

/** The Flags: and Args: sections of the selected context (application flags, then command's). */
function sections(model: HelpModel, command: HelpCommand | undefined, width: number): string {
  let out = "";
  const flags = command ? [...model.flags, ...command.flags] : model.flags;
  if (flags.length) out += `Flags:\n${twoColumns(flagRows(flags), 2, 2, width)}\n`;
  const args = command?.args ?? [];
  if (args.length) out += `Args:\n${twoColumns(argRows(args), 2, 2, width)}\n`;
  return out;
}

function commandList(model: HelpModel, width: number, long: boolean): string {
  let out = "";
  for (const c of model.commands) {
    if (c.hidden) continue;
    out += `${c.name}${commandSyntax(c.flags, c.args)}\n${wrapped(c.help, width, 4)}\n`;
    if (long) {
      const rows = flagRows(c.flags);
      out += `${rows.length ? twoColumns(rows, 4, 2, width) : ""}\n`;
    }
  }
  return out;
}

/** ` [<flags>] <profile> [<cmd>] [<args>...]` (FormatCommand; hidden flags count, as in kingpin). */
function commandSyntax(flags: FlagSpec[], args: ArgSpec[]): string {
  let out = flags.length ? " [<flags>]" : "";
  for (const a of args) {
    const name = `<${a.name}>${a.variadic ? "..." : ""}`;
    out += a.required ? ` ${name}` : ` [${name}]`;
  }
  return out;
}

function flagRows(flags: FlagSpec[]): [string, string][] {
  const haveShort = flags.some((f) => f.short);
  return flags.filter((f) => !f.hidden).map((f) => {
    const name = f.kind === "bool" ? `[no-]${f.name}` : f.name;
    const prefix = f.short ? `-${f.short}, ` : haveShort ? "    " : "";
    const value = f.kind === "bool" ? "" : `=${placeholder(f)}`;
    return [`${prefix}--${name}${value}`, f.env ? `${f.help} ($${f.env})` : f.help];
  });
}

/** kingpin's FormatPlaceHolder: the default (quoted for plain strings), else the name upper-cased. */
function placeholder(f: FlagSpec): string {
  if (f.default !== undefined) return f.kind === "string" ? JSON.stringify(f.default) : f.default;
  return f.placeholder ?? f.name.toUpperCase();
}

function argRows(args: ArgSpec[]): [string, string][] {
  return args.map((a) => [a.required ? `<${a.name}>` : `[<${a.name}>]`, a.help]);
}

function manFlags(flags: FlagSpec[]): string {
  let out = "";
  for (const f of flags) {
    if (f.hidden) continue;
    const value = f.kind === "bool" ? "" : `=${placeholder(f)}`;
    out += `.TP\n\\fB${f.short ? `-${f.short}, ` : ""}--${f.name}${value}\\fR\n${f.help}\n`;
  }
  return out;
}

/** kingpin's `Wrap`: the text wrapped to width - indent, every line indented. */
function wrapped(text: string, width: number, indent: number): string {
  const pad = " ".repeat(indent);
  return wrapText(text, width - indent).map((l) => `${pad}${l}\n`).join("");
}

/**
 * kingpin's formatTwoColumns: the first column as wide as its longest entry under 30 characters;
 * a longer entry gets its description on the next line (after the padding, kept as trailing
 * spaces, as kingpin prints them).
 */
function twoColumns(rows: [string, string][], indent: number, padding: number, width: number) {
  let s = 0;
  for (const [left] of rows) if (left.length > s && left.length < 30) s = left.length;
  const indentText = " ".repeat(indent);
  const offset = " ".repeat(s + padding);
  let out = "";
  for (const [left, right] of rows) {
    const lines = wrapText(right, width - s - padding - indent);
    if (lines.length === 0) lines.push("");
    out += indentText + left.padEnd(s) + " ".repeat(padding);
    if (left.length >= 30) out += `\n${indentText}${offset}`;
    out += `${lines[0]}\n`;
    for (const line of lines.slice(1)) out += `${indentText}${offset}${line}\n`;
  }
  return out;
}
