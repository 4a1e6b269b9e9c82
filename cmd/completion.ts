/**
 * The answers to kingpin's hidden `--completion-bash <words>`: the shell completion scripts
 * (aws-vault's contrib/completions for bash, zsh and fish, and ours from cmd/completion_scripts.ts)
 * run it on every TAB with the words typed so far, the last being the word under the cursor, and
 * offer what it prints, one candidate per line.
 *
 * The answers are kingpin's (its completions.go, cmd.go and app.go completionOptions): command
 * names, `--flags` (a command's, then the global ones), the values of enum flags and the profile
 * names of `<profile>` arguments, filtered by the word typed. Where kingpin has nothing useful to
 * say we say more: `--prompt` values, nothing (instead of commands) after a flag that takes a
 * free value, command names after `help`, and profile names for `add` too.
 *
 * As in kingpin, a last word that is already complete (it names exactly one candidate) counts as
 * typed: the answers are those of the next word. aws-vault's zsh script drops an empty last word
 * and its fish script never sends the word under the cursor, so `exec` must give the profiles.
 */
import type { CommandEntry, CommandModule } from "./command.ts";
import { type FlagSpec, KINGPIN_FLAGS } from "./parser.ts";
import { importAtRunTime } from "../lib/lazy_import.ts";

export interface CompletionApp {
  commands: CommandEntry[];
  /** The global flags, without kingpin's own `--help` and `--version`. */
  globalFlags: FlagSpec[];
  loadCommand(entry: CommandEntry): Promise<CommandModule>;
}

/** Where the words before the cursor left the parser. */
interface WalkState {
  command?: { entry: CommandEntry; module: CommandModule };
  /** `help` was typed where a command was expected. */
  helpMode: boolean;
  /** Positional arguments given to the command so far. */
  positionals: number;
  /** After `--`: everything is positional. */
  argsOnly: boolean;
  /** The previous word is a flag that takes the next word as its value. */
  pendingFlag?: FlagSpec;
  /** The words cannot be parsed (an unknown command): nothing sensible to offer. */
  lost: boolean;
}

/** The candidates for the last of `words` (all commands when there are no words). */
export async function completionAnswers(words: string[], app: CompletionApp): Promise<string[]> {
  const current = words.length ? words[words.length - 1] : "";
  const state = await walk(words.slice(0, -1), app);
  if (state.lost) return [];
  const candidates = await candidatesFor(current, state, app);
  const matching = candidates.filter((c) => c.startsWith(current));
  // A complete word: answer for the word after it.
  if (current !== "" && matching.length === 1 && matching[0] === current) {
    return completionAnswers([...words, ""], app);
  }
  return matching;
}

async function walk(words: string[], app: CompletionApp): Promise<WalkState> {
  const state: WalkState = { helpMode: false, positionals: 0, argsOnly: false, lost: false };
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    const flags = flagsInScope(state, app);
    if (state.pendingFlag) {
      // bash splits `--backend=file` into `--backend`, `=`, `file` (COMP_WORDBREAKS has `=`).
      if (word !== "=" || !words[i - 1].startsWith("--")) state.pendingFlag = undefined;
      continue;
    }
    if (!state.argsOnly && word === "--") {
      state.argsOnly = true;
    } else if (!state.argsOnly && word.startsWith("--")) {
      const eq = word.indexOf("=");
      const flag = flags.find((f) => f.name === word.slice(2, eq === -1 ? undefined : eq));
      if (flag && flag.kind !== "bool" && eq === -1) state.pendingFlag = flag;
    } else if (!state.argsOnly && word.startsWith("-") && word.length > 1) {
      // Short flags: `-n`, `-fn`, `-d1h`, `-d 1h`.
      for (let j = 1; j < word.length; j++) {
        const flag = flags.find((f) => f.short === word[j]);
        if (!flag || flag.kind === "bool") continue;
        if (j === word.length - 1) state.pendingFlag = flag;
        break;
      }
    } else if (state.command) {
      state.positionals++;
    } else if (word === "help" && !state.helpMode) {
      state.helpMode = true;
    } else {
      const entry = app.commands.find((c) => c.name === word || c.aliases.includes(word));
      if (!entry) return { ...state, lost: true };
      state.command = { entry, module: await app.loadCommand(entry) };
    }
  }
  return state;
}

function flagsInScope(state: WalkState, app: CompletionApp): FlagSpec[] {
  return [...(state.command?.module.flags ?? []), ...KINGPIN_FLAGS, ...app.globalFlags];
}

async function candidatesFor(
  current: string,
  state: WalkState,
  app: CompletionApp,
): Promise<string[]> {
  if (state.pendingFlag) return await flagValues(state.pendingFlag);
  if (!state.argsOnly && current.startsWith("-")) {
    const flags = flagsInScope(state, app);
    const eq = current.indexOf("=");
    if (current.startsWith("--") && eq !== -1) {
      const flag = flags.find((f) => f.name === current.slice(2, eq));
      if (!flag || flag.kind === "bool") return [];
      return (await flagValues(flag)).map((v) => `${current.slice(0, eq)}=${v}`);
    }
    return flags.filter((f) => !f.hidden).map((f) => `--${f.name}`);
  }
  if (!state.command) {
    const names = app.commands.filter((c) => !c.hidden).map((c) => c.name);
    return state.helpMode ? names : ["help", ...names];
  }
  if (state.helpMode) return [];
  const args = state.command.module.args;
  const arg = args[state.positionals] ?? (args.at(-1)?.variadic ? args.at(-1) : undefined);
  return arg?.name === "profile" ? await profileNames() : [];
}

/** The values a flag takes, where they are known. */
async function flagValues(flag: FlagSpec): Promise<string[]> {
  if (flag.enumValues) return flag.enumValues();
  switch (flag.completeWith) {
    case "backends":
      return await (await importAtRunTime<typeof import("../keystore/registry.ts")>(
        "keystore/registry.ts",
      )).availableBackendNames();
    case "prompts":
      return (await importAtRunTime<typeof import("../sts/mfa/prompt_choice.ts")>(
        "sts/mfa/prompt_choice.ts",
      )).availablePromptDrivers();
    case "profiles":
      return await profileNames();
    default:
      return [];
  }
}

/**
 * The profiles of the config file, `default` included when it has a `[default]` section. Read
 * only when a profile is being completed; a missing file is not created (every other command
 * creates it, as aws-vault does), and an unreadable one gives no names.
 */
async function profileNames(): Promise<string[]> {
  const { configFilePath, loadConfigFile } = await importAtRunTime<
    typeof import("../sts/config/config.ts")
  >("sts/config/config.ts");
  const path = configFilePath();
  try {
    Deno.statSync(path);
  } catch {
    return [];
  }
  const config = await loadConfigFile(path);
  const names = config.profileNames();
  return config.hasProfile("default") && !names.includes("default") ? ["default", ...names] : names;
}
