/** Help text in kingpin's layout (usage, flags, args, commands), written to stderr by app.ts. */
import type { CommandEntry, CommandModule } from "./command.ts";
import type { ArgSpec, FlagSpec } from "./parser.ts";

export async function renderAppHelp(
  appName: string,
  commands: CommandEntry[],
  globalFlags: FlagSpec[],
): Promise<string> {
  const lines = [
    `usage: ${appName} [<flags>] <command> [<args> ...]`,
    "",
    "A vault for securely storing and accessing AWS credentials in development environments.",
    "",
    "Flags:",
    ...flagLines(globalFlags, await backendHelp()),
    "",
    "Commands:",
    "  help [<command>...]",
    "    Show help.",
    "",
  ];
  for (const c of commands) {
    lines.push(
      `  ${c.name}${c.aliases.length ? ` (${c.aliases.join(", ")})` : ""}`,
      `    ${c.help}`,
      "",
    );
  }
  return lines.join("\n");
}

export async function renderCommandHelp(
  appName: string,
  entry: CommandEntry,
  module: CommandModule,
  globalFlags: FlagSpec[],
): Promise<string> {
  const argUsage = module.args.map(argSyntax).join(" ");
  const lines = [
    `usage: ${appName} ${entry.name} [<flags>]${argUsage ? " " + argUsage : ""}`,
    "",
    entry.help,
    "",
    "Flags:",
    ...flagLines([...globalFlags, ...module.flags], await backendHelp()),
    "",
  ];
  if (module.args.length) {
    lines.push("Args:");
    for (const a of module.args) lines.push(`  ${argSyntax(a).padEnd(26)}${a.help}`);
    lines.push("");
  }
  return lines.join("\n");
}

/** The --backend help lists only the backends available on this machine, as aws-vault's does. */
async function backendHelp(): Promise<string> {
  const { availableBackendNames } = await import("../keystore/registry.ts");
  return `Secret backend to use [${(await availableBackendNames()).join(" ")}]`;
}

function argSyntax(a: ArgSpec): string {
  const base = `<${a.name}>${a.variadic ? "..." : ""}`;
  return a.required ? base : `[${base}]`;
}

function flagLines(flags: FlagSpec[], backendText: string): string[] {
  const rows: [string, string][] = [["      --help", "Show context-sensitive help."]];
  if (flags.some((f) => f.name === "debug")) {
    rows.push(["      --version", "Show application version."]);
  }
  for (const f of flags) {
    if (f.hidden) continue;
    const short = f.short ? `-${f.short}, ` : "    ";
    const value = f.kind === "bool" ? "" : `=${f.placeholder ?? f.name.toUpperCase()}`;
    const neg = f.kind === "bool" && f.default === "true" ? "[no-]" : "";
    let help = f.name === "backend" ? backendText : f.help;
    if (f.env) help += ` ($${f.env})`;
    rows.push([`  ${short}--${neg}${f.name}${value}`, help]);
  }
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  return rows.map(([l, r]) => l.padEnd(width) + r);
}
