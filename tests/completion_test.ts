/**
 * kingpin's hidden completion flags through the CLI: `--completion-bash <words>` answers on stdout
 * (commands, flags, enum values, profile names filtered by the word typed), never an error, and
 * reads the config only when a profile is being completed.
 */
import { assert, assertEquals } from "./assert.ts";
import {
  baseEnv,
  cliCommand,
  type CliResult,
  runCli,
  runCommand,
  withTempHome,
} from "./run_cli.ts";
import { COMMANDS, GLOBAL_FLAGS } from "../cmd/app.ts";
import type { FlagSpec } from "../cmd/parser.ts";
import { flags as execFlags } from "../cmd/exec.ts";
import { flags as listFlags } from "../cmd/list.ts";

const CONFIG = `[default]
region = us-east-1

[profile prod]
region = eu-west-1

[profile prod-admin]
source_profile = prod

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start

[profile dev]
`;
const PROFILES = ["default", "prod", "prod-admin", "dev"];

/** What the declarations say is offered: visible commands and flags, kingpin's own first. */
const visible = (flags: FlagSpec[]) => flags.filter((f) => !f.hidden).map((f) => `--${f.name}`);
const COMMAND_NAMES = ["help", ...COMMANDS.filter((c) => !c.hidden).map((c) => c.name)];
const GLOBAL = ["--help", "--version", ...visible(GLOBAL_FLAGS)];
const EXEC_FLAGS = visible(execFlags);
const LIST_FLAGS = visible(listFlags);

Deno.test("completion: aws-vault's commands and flags are among those offered, in its order", () => {
  const inOrder = (all: string[], some: string[]) => all.filter((x) => some.includes(x));
  const commands = ["help", "add", "remove", "list", "rotate", "exec", "export", "clear", "login"];
  assertEquals(inOrder(COMMAND_NAMES, commands), commands);
  const globals = ["--help", "--version", "--debug", "--backend", "--prompt", "--keychain"];
  assertEquals(inOrder(GLOBAL, globals), globals);
  const exec = ["--duration", "--no-session", "--region", "--mfa-token", "--server", "--lazy"];
  assertEquals(inOrder(EXEC_FLAGS, exec), exec);
});

async function withHome(
  config: string | undefined,
  fn: (home: string) => Promise<void>,
): Promise<void> {
  await withTempHome(async (home) => {
    if (config !== undefined) await Deno.writeTextFile(`${home}/.aws/config`, config);
    await fn(home);
  });
}

async function complete(
  home: string,
  words: string[],
  env: Record<string, string> = {},
): Promise<CliResult & { answers: string[] }> {
  const r = await runCli(["--completion-bash", ...words], { home, env });
  return { ...r, answers: r.stdout === "" ? [] : r.stdout.split("\n") };
}

/** Runs every case at once and reports all mismatches together. */
async function expectAnswers(home: string, cases: [string[], string[]][]): Promise<void> {
  const results = await Promise.all(cases.map(([words]) => complete(home, words)));
  const wrong = cases.flatMap(([words, expected], i) => {
    const r = results[i];
    const ok = r.code === 0 && r.stderr === "" &&
      JSON.stringify(r.answers) === JSON.stringify(expected);
    return ok ? [] : [`${JSON.stringify(words)} -> ${JSON.stringify(r)}`];
  });
  assertEquals(wrong, []);
}

Deno.test("completion: commands, then profile names for every <profile>, filtered", async () => {
  await withHome(CONFIG, async (home) => {
    await expectAnswers(home, [
      [[], COMMAND_NAMES],
      [[""], COMMAND_NAMES],
      [["ex"], ["exec", "export"]],
      // A complete word counts as typed (aws-vault's zsh and fish scripts send no empty word).
      [["exec"], PROFILES],
      [["exec", ""], PROFILES],
      [["exec", "pr"], ["prod", "prod-admin"]],
      [["exec", "prod"], ["prod", "prod-admin"]],
      [["exec", "prod-admin"], []],
      [["exec", "prod", ""], []],
      [["rm", "d"], ["default", "dev"]],
      [["remove", ""], PROFILES],
      [["rotate", ""], PROFILES],
      [["export", ""], PROFILES],
      [["clear", ""], PROFILES],
      [["login", ""], PROFILES],
      [["add", ""], PROFILES],
      [["ls", ""], []],
      [["help", ""], COMMAND_NAMES.slice(1)],
      [["doctor", ""], PROFILES],
      [["help", "exec", ""], []],
      [["frob", ""], []],
      // Flags before and between the words are skipped, with their values.
      [["--debug", "exec", "-n", "--region", "eu-west-1", "-d", "1h", "pr"], [
        "prod",
        "prod-admin",
      ]],
      [["--backend=file", "exec", "-d1h", ""], PROFILES],
      [["exec", "--", "pr"], ["prod", "prod-admin"]],
      [["exec", "prod", "--", ""], []],
    ]);
  });
});

Deno.test("completion: flags (a command's, then the global ones) and enum values", async () => {
  await withHome(CONFIG, async (home) => {
    const [help, prompts] = await Promise.all([
      runCli(["--help"], { home }),
      complete(home, ["--prompt", ""]),
    ]);
    // The backends offered are those --help lists.
    const backends = /Secret backend to use \[([a-z -]+)\]/.exec(help.stderr)![1].split(" ");
    assert(backends.includes("file"), help.stderr);
    assert(prompts.answers.includes("terminal"), prompts.stdout);
    await expectAnswers(home, [
      [["--"], GLOBAL],
      [["-"], GLOBAL],
      [["--de"], ["--debug"]],
      [["exec", "--"], [...EXEC_FLAGS, ...GLOBAL]],
      [["exec", "--re"], ["--region"]],
      [["list", "--"], [...LIST_FLAGS, ...GLOBAL]],
      [["--backend", ""], backends],
      [["--backend"], backends],
      [["exec", "--backend", "fi"], ["file"]],
      [["--backend=fi"], ["--backend=file"]],
      // bash splits --backend=fi into three words.
      [["--backend", "=", "fi"], ["file"]],
      [["--backend", "=", ""], backends],
      [["--backend", "file", ""], COMMAND_NAMES],
      [["export", "--format", ""], ["env", "export-env", "json", "ini"]],
      [["export", "--format", "e"], ["env", "export-env"]],
      [["export", "--format=j"], ["--format=json"]],
      [["--prompt", ""], prompts.answers],
      [["migrate-backend", "--from", ""], backends],
      [["migrate-backend", "--to=f"], ["--to=file"]],
      [["migrate-backend", "--profile", "p"], ["prod", "prod-admin"]],
      // A flag with a free value: nothing to offer.
      [["exec", "--region", ""], []],
      [["exec", "-d", ""], []],
      [["exec", "--duration=", ""], PROFILES],
      [["--debug="], []],
    ]);
  });
});

Deno.test("completion: never an error, whatever the words or the config", async () => {
  await withHome("[profile a]\nthis is not ini\n", async (home) => {
    const broken = await complete(home, ["exec", ""]);
    assertEquals([broken.code, broken.stdout, broken.stderr], [0, "", ""]);
    const odd = await Promise.all([
      complete(home, ["--bogus", "exec", "--nope", "-X", "", "=", ""]),
      complete(home, ["exec", "--", "--", "-"]),
      complete(home, ["--completion-bash", "--help", ""]),
    ]);
    for (const r of odd) assertEquals([r.code, r.stderr], [0, ""], JSON.stringify(r));
  });
  await withHome(undefined, async (home) => {
    await Deno.mkdir(`${home}/.aws/config`);
    const dir = await complete(home, ["exec", ""]);
    assertEquals([dir.code, dir.stdout, dir.stderr], [0, "", ""]);
  });
});

Deno.test("completion: a missing config gives no profiles and is not created", async () => {
  await withHome(undefined, async (home) => {
    const r = await complete(home, ["exec", ""]);
    assertEquals([r.code, r.stdout, r.stderr], [0, "", ""]);
    const exists = await Deno.stat(`${home}/.aws/config`).then(() => true, () => false);
    assertEquals(exists, false);
  });
});

Deno.test("completion: the config is read only when a profile is completed", async () => {
  await withHome(CONFIG, async (home) => {
    // Deno refuses every access to ~/.aws: a completion that touched the config would fail, and
    // completion prints nothing at all when anything fails.
    const [exe, run, ...rest] = cliCommand();
    const denied = async (words: string[]) => {
      const args = [run, `--deny-read=${home}/.aws`, ...rest, "--completion-bash", ...words];
      return (await runCommand(exe, args, { env: baseEnv(home), cwd: home })).stdout;
    };
    const cases = [["ex"], ["exec", "--"], ["--backend", ""], ["export", "--format", ""]];
    const [free, allowed] = await Promise.all([
      Promise.all(cases.map(denied)),
      Promise.all(cases.map((words) => complete(home, words))),
    ]);
    assertEquals(free, allowed.map((r) => r.stdout));
    assert(free.every((out) => out !== ""));

    // The control: completing a profile does read it.
    const profiles = await Promise.all([denied(["exec", ""]), complete(home, ["exec", ""])]);
    assertEquals([profiles[0], profiles[1].answers], ["", PROFILES]);
  });
});

Deno.test("completion: --completion-script-<shell> prints a script on stdout", async () => {
  await withHome(CONFIG, async (home) => {
    const shells = ["bash", "zsh", "fish", "pwsh"];
    const results = await Promise.all(
      shells.map((s) => runCli([`--completion-script-${s}`], { home })),
    );
    results.forEach((r, i) => {
      assertEquals([r.code, r.stderr], [0, ""], shells[i]);
      assert(
        r.stdout.includes("aws-vault --completion-bash") ||
          r.stdout.includes("--completion-bash"),
        shells[i],
      );
    });
    // kingpin accepts its flags anywhere before `--`.
    const late = await runCli(["exec", "--completion-script-bash"], { home });
    assertEquals(late.stdout, results[0].stdout);
  });
});

Deno.test("completion: the word lists aws-vault's own completion scripts send are answered", async () => {
  // aws-vault's contrib/completions scripts (installed by Homebrew and distribution packages)
  // each send `--completion-bash` the words typed so far in their own way: bash the words after
  // the program up to and including the one under the cursor (empty when nothing is typed yet);
  // zsh the same words unquoted, so an empty word under the cursor is dropped; fish the finished
  // words only. A word typed in full counts as finished, as in kingpin, so each way is answered.
  await withHome(CONFIG, async (home) => {
    await expectAnswers(home, [
      [["exec", ""], PROFILES], // bash, nothing typed after exec
      [["exec"], PROFILES], // zsh and fish, the same line
      [["exec", "prod-"], ["prod-admin"]], // bash and zsh, a partial profile
      [["exec", "dev"], []], // zsh and fish after a whole profile: the command comes next
      [["ex"], ["exec", "export"]], // bash and zsh, a partial command
    ]);
  });
});
