/**
 * `aws-vault doctor [<profile>]` (our addition; aws-vault has only --debug): checks the config,
 * environment, keystore and profiles (sts/doctor/) and prints one line per check, grouped, or
 * JSON for scripts. Exits 1 when a check fails. It never prompts and never changes anything.
 */
import type { CommandContext } from "./command.ts";
import type { ArgSpec, FlagSpec } from "./parser.ts";
import { keystoreOptionsFrom } from "./open_keystore.ts";
import { printOut } from "./output.ts";
import { getEnv, WITHHELD_VARIABLES } from "../lib/secret_env.ts";
import {
  type CheckGroup,
  countByStatus,
  type DoctorReport,
  hasFailures,
} from "../sts/doctor/report.ts";
import { runDoctor } from "../sts/doctor/doctor.ts";

export const flags: FlagSpec[] = [
  {
    name: "online",
    kind: "bool",
    help: "Also check that each profile's STS endpoint answers, and the clock against it",
  },
  {
    name: "format",
    kind: "enum",
    default: "text",
    enumValues: () => ["text", "json"],
    help: "Output format. Valid values are text, json",
    placeholder: "FORMAT",
  },
];

export const args: ArgSpec[] = [
  { name: "profile", help: "Check only this profile (and its source profiles)" },
];

export async function run(ctx: CommandContext): Promise<number> {
  const report = await runDoctor({
    profile: ctx.args.profile ?? "",
    online: ctx.flags.bool("online"),
    backend: ctx.global.backend,
    promptDriver: ctx.global.prompt,
    keystoreOptions: keystoreOptionsFrom(ctx.global),
    environment: processEnvironment(),
  });
  const counts = countByStatus(report);
  if (ctx.flags.string("format") === "json") {
    await printOut(JSON.stringify({ ...report, summary: counts }, null, 2) + "\n");
  } else {
    await printOut(
      renderText(report) + `${counts.ok} ok, ${counts.warn} warn, ${counts.fail} fail\n`,
    );
  }
  return hasFailures(report) ? 1 : 0;
}

/** The environment as our own code sees it: with the variables main.ts withheld from children. */
function processEnvironment(): Record<string, string> {
  const vars = Deno.env.toObject();
  for (const name of WITHHELD_VARIABLES) {
    const value = getEnv(name);
    if (value !== undefined) vars[name] = value;
  }
  return vars;
}

/** One heading per group, one line per check: status, check, message and, unless ok, the fix. */
function renderText(report: DoctorReport): string {
  return report.groups.map((g) => `${heading(g)}\n${g.checks.map(line).join("")}\n`).join("");
}

function heading(g: CheckGroup): string {
  switch (g.kind) {
    case "profile":
      return `profile ${g.name}`;
    case "keystore":
      return g.name ? `keystore (${g.name})` : "keystore";
    case "config":
      return `config ${g.name}`;
    default:
      return g.kind;
  }
}

function line(c: { status: string; check: string; message: string; fix: string }): string {
  const fix = c.fix ? ` -> ${c.fix}` : "";
  return `  ${c.status.padEnd(4)}  ${c.check}: ${c.message}${fix}\n`;
}
