/**
 * The help renderer against kingpin v2.3.2 itself. tests/fixtures/kingpin_help/aws-vault-7.2.0.json
 * holds aws-vault v7.2.0's application, flag and command declarations (its main.go and cli/*.go);
 * the .txt files beside it were printed by kingpin for exactly those declarations (README.md
 * there). Our own declarations are then checked against aws-vault's, so that a help string cannot
 * drift from the one aws-vault users know.
 */
import { assertEquals } from "../tests/assert.ts";
import { commandModule, COMMANDS, GLOBAL_FLAGS } from "./app.ts";
import { defaultBackendName } from "../keystore/registry.ts";
import type { CommandModule } from "./command.ts";
import {
  type HelpCommand,
  type HelpModel,
  helpModel,
  kingpinModel,
  renderLongHelp,
  renderManPage,
  renderUsage,
} from "./help.ts";

const FIXTURES = new URL("../tests/fixtures/kingpin_help/", import.meta.url);

function kingpin(name: string): string {
  return Deno.readTextFileSync(new URL(name, FIXTURES));
}

/** aws-vault v7.2.0 as declared, with the backends and prompt drivers of a Linux desktop. */
const AWS_VAULT: HelpModel = JSON.parse(kingpin("aws-vault-7.2.0.json"));

Deno.test("help: --help and help <cmd> as kingpin prints them, for every command", () => {
  const m = kingpinModel(AWS_VAULT);
  assertEquals(renderUsage(m, undefined, 80), kingpin("app.txt"));
  for (const c of m.commands) assertEquals(renderUsage(m, c.name, 80), kingpin(`${c.name}.txt`));
});

Deno.test("help: wrapped to the terminal width as kingpin wraps", () => {
  const m = kingpinModel(AWS_VAULT);
  assertEquals(renderUsage(m, "exec", 120), kingpin("exec_120.txt"));
  assertEquals(renderUsage(m, "exec", 50), kingpin("exec_50.txt"));
});

Deno.test("help: --help-long and --help-man as kingpin prints them", () => {
  const m = kingpinModel(AWS_VAULT);
  assertEquals(renderLongHelp(m, undefined, 80), kingpin("long.txt"));
  assertEquals(renderLongHelp(m, "exec", 80), kingpin("exec_long.txt"));
  assertEquals(renderManPage(m), kingpin("man.txt"));
});

async function ourModel(backends: string[], prompts: string[]): Promise<HelpModel> {
  const commands = await Promise.all(COMMANDS.map(async (entry) => ({
    entry,
    module: (await import(`./${commandModule(entry)}.ts`)) as CommandModule,
  })));
  return helpModel({
    appName: "aws-vault",
    version: "v7.2.0",
    globalFlags: GLOBAL_FLAGS,
    commands,
    choices: { backends, defaultBackend: defaultBackendName(backends), prompts },
  });
}

/** What help shows of the visible flags, but where the fork added an environment variable. */
function shown(flags: HelpCommand["flags"]) {
  return flags.filter((f) => !f.hidden).map((f) => ({
    name: f.name,
    short: f.short,
    bool: f.kind === "bool",
    help: f.help,
    default: f.default,
  }));
}

Deno.test("help: every aws-vault command and flag reads as aws-vault's, in aws-vault's order", async () => {
  const ours = await ourModel(["secret-service", "kwallet", "pass", "file"], [
    "kdialog",
    "terminal",
    "zenity",
  ]);
  const theirs = kingpinModel(AWS_VAULT);
  const keep = (mine: HelpCommand["flags"], aws: HelpCommand["flags"]) =>
    shown(mine.filter((f) => aws.some((a) => a.name === f.name)));
  assertEquals(keep(ours.flags, theirs.flags), shown(theirs.flags));
  for (const command of theirs.commands) {
    const mine = ours.commands.find((c) => c.name === command.name);
    assertEquals(
      {
        help: mine?.help,
        hidden: mine?.hidden ?? false,
        flags: keep(mine?.flags ?? [], command.flags),
      },
      { help: command.help, hidden: command.hidden ?? false, flags: shown(command.flags) },
      command.name,
    );
  }
});

Deno.test("help: --backend's default and choices follow the machine", async () => {
  const m = await ourModel(["pass", "file"], ["terminal"]);
  const text = renderUsage(m, undefined, 80);
  assertEquals(
    text.split("\n").filter((l) => /^ {2}--(backend|prompt)=/.test(l)),
    [
      "  --backend=pass             Secret backend to use [pass file]",
      "  --prompt=PROMPT            Prompt driver to use [terminal] ($AWS_VAULT_PROMPT)",
    ],
  );
  // keyctl is offered first on Linux without a session bus, but never the default.
  const headless = renderUsage(
    await ourModel(["keyctl", "pass", "file"], ["terminal"]),
    undefined,
    80,
  );
  assertEquals(
    headless.split("\n").find((l) => l.startsWith("  --backend=")),
    "  --backend=pass             Secret backend to use [keyctl pass file]",
  );
});
