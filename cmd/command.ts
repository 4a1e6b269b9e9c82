/** What every command module exports, and what it receives. */
import type { ArgSpec, FlagSpec, ParsedFlags } from "./parser.ts";

/** The global flags, resolved (flag > AWS_VAULT_* variable > default). */
export interface GlobalOptions {
  debug: boolean;
  /** "" when not given: the keystore registry picks the first available backend. */
  backend: string;
  prompt: string;
  keychain: string;
  secretServiceCollection: string;
  passDir: string;
  passCmd: string;
  passPrefix: string;
  fileDir: string;
  keyctlScope: string;
}

export interface CommandContext {
  /** The name to use in messages: the name the binary was invoked as. */
  appName: string;
  /** The command name as typed (`rm` stays `rm`). */
  commandName: string;
  global: GlobalOptions;
  flags: ParsedFlags;
  args: Record<string, string>;
  rest: string[];
}

/** A row of the command table in cmd/app.ts. */
export interface CommandEntry {
  name: string;
  /** The module in cmd/ when its name is not the command's (`migrate_backend`). */
  module?: string;
  aliases: string[];
  help: string;
  hidden?: boolean;
  /** The prefix aws-vault puts before this command's errors. */
  errorPrefix: string;
}

/**
 * A command module (cmd/<name>.ts) exports `flags`, `args` and `run`. It is imported only when
 * that command runs, so each command pays only for the modules it needs.
 * `run` returns the process exit code (0 when omitted).
 */
export interface CommandModule {
  flags: FlagSpec[];
  args: ArgSpec[];
  run(ctx: CommandContext): Promise<number | void>;
}
