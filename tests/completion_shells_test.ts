/**
 * Our completion scripts (`--completion-script-<shell>`) in the real shells, loaded into Debian's
 * bash, zsh and fish with our CLI on PATH as `aws-vault`. bash: the registered function is called
 * with COMP_WORDS as readline would; zsh: the completion function runs with `compadd` capturing
 * what it is given; fish: `complete -C`, fish's own completion engine. tests/completion_tty_test.ts
 * presses TAB in interactive shells. PowerShell is not packaged for Debian: its script's text is
 * checked here.
 */
import { assertEquals, assertStringIncludes } from "./assert.ts";
import { type ShellHome, withShellHome } from "./shell_home.ts";
import { linuxTest } from "./platform.ts";
import { runCommand } from "./run_cli.ts";

async function runShell(
  h: ShellHome,
  argv: string[],
  env: Record<string, string> = {},
): Promise<string> {
  const out = await runCommand(argv[0], argv.slice(1), { env: { ...h.env, ...env }, cwd: h.home });
  assertEquals([out.code, out.stderr], [0, ""], argv.join(" "));
  return out.stdout;
}

function calls(lines: string[][]): string {
  return lines.map((words) => `t ${words.map((w) => `'${w}'`).join(" ")}`).join("\n");
}

/** Completes each line (words before the cursor, the current one last) and prints the answers. */
async function bashCompletes(h: ShellHome, script: string, lines: string[][]): Promise<string[]> {
  const out = await runShell(h, [
    "bash",
    "--norc",
    "--noprofile",
    "-c",
    `source '${script}'
complete -p aws-vault
t() {
  COMP_WORDS=("$@"); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); COMPREPLY=()
  _aws-vault_bash_autocomplete
  echo "\${COMPREPLY[*]}"
}
${calls(lines)}`,
  ]);
  return out.replace(/\n$/, "").split("\n");
}

async function zshCompletes(h: ShellHome, script: string, lines: string[][]): Promise<string[]> {
  // The script registers itself with compinit's compdef...
  const registered = await runShell(h, [
    "zsh",
    "-f",
    "-c",
    `autoload -Uz compinit && compinit -u -D
source '${script}'
print -r -- "compdef: $_comps[aws-vault]"`,
  ]);
  // ...and its function runs with compadd and the fallbacks replaced by functions that record
  // (outside compinit, where compstate is an ordinary array).
  const out = await runShell(h, [
    "zsh",
    "-f",
    "-c",
    `compdef() { }
source '${script}'
typeset -A compstate
compadd() { [[ $1 == -a ]] && reply+=("\${(@P)2}"); compstate[nmatches]=$#reply }
_files() { reply+=("<files>") }
_normal() { reply+=("<normal:\${words[*]}>") }
t() {
  words=("$@"); CURRENT=$#words; reply=(); compstate=(nmatches 0)
  _aws-vault; print -r -- "\${reply[*]}"
}
${calls(lines)}`,
  ]);
  return [registered.trimEnd(), ...out.trimEnd().split("\n")];
}

async function fishCompletes(h: ShellHome, script: string, lines: string[]): Promise<string[]> {
  const calls = lines.map((l) => `echo (complete -C '${l}')`).join("\n");
  // aws-vault's script registers only in an interactive shell.
  const fish = ["fish", "--no-config", "-i", "-c", `source '${script}'\n${calls}`];
  const out = await runShell(h, fish, { TERM: "xterm" });
  return out.trimEnd().split("\n");
}

const PROFILES = "default prod prod-admin dev";

/** Lines that every bash and zsh script completes alike, and what they offer. */
const COMMON: [string[], string][] = [
  [["aws-vault", "ex"], "exec export"],
  [["aws-vault", "exec", "pr"], "prod prod-admin"],
  [["aws-vault", "exec", ""], PROFILES],
  [["aws-vault", "exec", "--no-s"], "--no-session"],
];

linuxTest(
  "bash, zsh, fish and pwsh",
  "bash: our script completes commands, flags and profiles",
  async () => {
    await withShellHome(async (h) => {
      for (const script of ["ours.bash"]) {
        const out = await bashCompletes(h, h.script(script), [
          ...COMMON.map(([line]) => line),
          ["aws-vault", "--backend", "fi"],
          ["aws-vault", "export", "--format", "j"],
        ]);
        assertEquals(out, [
          "complete -o default -F _aws-vault_bash_autocomplete aws-vault",
          ...COMMON.map(([, answers]) => answers),
          "file",
          "json",
        ], script);
      }
      // Ours also completes after bash splits `--backend=` at the `=`, and leaves `--` alone
      // without bash-completion's _command_offset.
      const ours = await bashCompletes(h, h.script("ours.bash"), [
        ["aws-vault", "--backend", ""],
        ["aws-vault", "--backend", "="],
        ["aws-vault", "export", "--format", "=", "e"],
        ["aws-vault", "exec", "prod", "--", "l"],
      ]);
      assertEquals(ours.slice(2), [ours[1], "env export-env", ""]);
      assertStringIncludes(ours[1], "file");
    });
  },
);

linuxTest(
  "bash, zsh, fish and pwsh",
  "zsh: our script completes commands, flags and profiles",
  async () => {
    await withShellHome(async (h) => {
      for (const script of ["ours.zsh"]) {
        const out = await zshCompletes(h, h.script(script), [
          ...COMMON.map(([line]) => line),
          ["aws-vault", "--backend=fi"],
          ["aws-vault", "exec", "prod", "--", "l"],
          ["aws-vault", "exec", "prod-admin", ""],
        ]);
        assertEquals(out, [
          "compdef: _aws-vault",
          ...COMMON.map(([, answers]) => answers),
          "--backend=file",
          "<normal:l>",
          "<files>",
        ], script);
      }
    });
  },
);

linuxTest(
  "bash, zsh, fish and pwsh",
  "fish: our script completes commands and profiles",
  async () => {
    await withShellHome(async (h) => {
      for (const script of ["ours.fish"]) {
        const out = await fishCompletes(h, h.script(script), [
          "aws-vault ex",
          "aws-vault exec pr",
          "aws-vault exec ",
          "aws-vault --backend fi",
          "aws-vault exec prod -- ech",
        ]);
        // fish sorts the candidates.
        const sorted = PROFILES.split(" ").sort().join(" ");
        assertEquals(out.slice(0, 4), ["exec export", "prod prod-admin", sorted, "file"], script);
        // After `--`, fish completes the command line of its own: `echo` is a fish builtin.
        assertStringIncludes(out[4], "echo", script);
      }
      // Ours also sends the word under the cursor, so flags complete too.
      const ours = await fishCompletes(h, h.script("ours.fish"), [
        "aws-vault exec --no-s",
        "aws-vault --backend=f",
      ]);
      assertEquals(ours, ["--no-session", "--backend=file"]);
    });
  },
);

linuxTest(
  "bash, zsh, fish and pwsh",
  "pwsh: the PowerShell script registers a native completer that asks --completion-bash",
  async () => {
    await withShellHome(async (h) => {
      const script = await Deno.readTextFile(h.script("ours.pwsh"));
      assertStringIncludes(
        script,
        "Register-ArgumentCompleter -Native -CommandName 'aws-vault', 'aws-vault.exe' -ScriptBlock {",
      );
      assertStringIncludes(script, "param($wordToComplete, $commandAst, $cursorPosition)");
      // The words before the cursor, then the word being completed (even when empty).
      assertStringIncludes(script, "$words += $wordToComplete");
      assertStringIncludes(script, "& 'aws-vault' --completion-bash @words 2>$null");
      assertStringIncludes(script, "[System.Management.Automation.CompletionResult]::new(");
      // Balanced braces and parentheses: the script block parses.
      for (const [open, close] of [["{", "}"], ["(", ")"]]) {
        assertEquals(script.split(open).length, script.split(close).length, open);
      }
      // Debian has no PowerShell package; where pwsh is installed, run the script in it too.
      const which = await new Deno.Command("sh", { args: ["-c", "command -v pwsh"] }).output();
      if (!which.success) return;
      const line = "aws-vault exec pr";
      const out = await runShell(h, [
        "pwsh",
        "-NoProfile",
        "-Command",
        `. '${h.script("ours.pwsh")}'; ` +
        `(TabExpansion2 -inputScript '${line}' -cursorColumn ${line.length}).CompletionMatches | ` +
        "ForEach-Object { $_.CompletionText }",
      ]);
      assertEquals(out.trim().split(/\r?\n/), ["prod", "prod-admin"]);
    });
  },
);
