/**
 * Errors that carry a message meant for the user. main.ts prints them as
 * `aws-vault: error: <cmd>: <message>` and exits with `exitCode`.
 */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = "UserError";
  }
}

/** A command-line usage error; printed kingpin-style as `aws-vault: error: <message>, try --help`. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * A problem in the config file found while resolving a profile. aws-vault words these
 * `Error loading config: <detail>` in exec, export, login and rotate (cli/exec.go, cli/export.go,
 * cli/login.go, cli/rotate.go).
 */
export class ConfigLoadError extends UserError {
  constructor(detail: string) {
    super(`Error loading config: ${detail}`);
    this.name = "ConfigLoadError";
  }
}

/** Message of any thrown value, without a stack trace and in plain words (see below). */
export function errorMessage(err: unknown): string {
  return withoutDenoErrorText(err instanceof Error ? err.message : String(err));
}

/**
 * `Is a directory (os error 21): readfile '/x'`, `... (os error 2): rename '/a' -> '/b'`. The
 * reason is bounded: unbounded, the pattern took seconds on a message quoting a 100 KB profile
 * name (it retried from every letter).
 */
const DENO_OS_ERROR =
  /([A-Za-z][^:()]{0,120}?) \(os error \d+\)(?:: [a-z_]+ '([^']*)'(?: -> '[^']*')?)?/g;

/**
 * Deno's OS error text in the words Go prints (aws-vault's): `Is a directory (os error 21):
 * readfile '/x'` becomes `/x: is a directory`, or just `is a directory` when the message already
 * names `/x` before it. Every error and debug line goes through here (cmd/app.ts, lib/log.ts),
 * so no message shows Deno's wording, whoever wrapped the error.
 */
export function withoutDenoErrorText(message: string): string {
  // Deno quotes the value of a variable that is not UTF-8, which may be a secret (see below).
  if (message.includes("not valid unicode")) {
    message = message.replace(DENO_INVALID_ENV, () => invalidVariableText());
  }
  if (!message.includes(" (os error ")) return message;
  return message.replace(
    DENO_OS_ERROR,
    (_match, reason: string, path?: string, offset?: number) => {
      const words = reason.charAt(0).toLowerCase() + reason.slice(1).replace(/\.$/, "");
      const named = path === undefined || message.slice(0, offset).includes(path);
      return named ? words : `${path}: ${words}`;
    },
  );
}

/*
 * The last step before an error reaches the terminal (cmd/app.ts): whatever produced it, the line
 * must not quote a secret and must stay readable (issue 10).
 *  - Deno's error for an environment variable that is not valid UTF-8 quotes the whole value, and
 *    the variables we read include AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and
 *    AWS_VAULT_FILE_PASSPHRASE: that text is replaced by one naming the variable, never its value.
 *  - A word of the command line (a profile name of 100 KB) or any other part of a message is
 *    shortened, so that one error stays one readable line.
 * Here rather than in a module of its own: cmd/app.ts loads this file on every start anyway.
 */

/** Longest command-line word quoted whole in a message. */
const MAX_QUOTED_WORD = 128;
/** Longest message printed whole. */
const MAX_MESSAGE = 4096;

const DENO_INVALID_ENV = /environment variable was not valid unicode: "(?:[^"\\]|\\.)*"/g;

/** `name` with its middle left out when it is too long to quote in a message. */
export function shortened(text: string, max = MAX_QUOTED_WORD): string {
  if (text.length <= max) return text;
  const keep = Math.floor((max - 3) / 2);
  return `${text.slice(0, keep)}...${text.slice(-keep)} (${text.length} characters)`;
}

/** The message for `err`'s text, made safe and short; `words` are the command-line arguments. */
export function presentableMessage(message: string, words: readonly string[]): string {
  let text = withoutDenoErrorText(message);
  for (const word of words) {
    if (word.length > MAX_QUOTED_WORD && text.includes(word)) {
      text = text.split(word).join(shortened(word));
    }
  }
  return text.length > MAX_MESSAGE ? shortened(text, MAX_MESSAGE) : text;
}

/** The variables a secret can be in; probed to name the culprit of Deno's error. */
const SECRET_VARIABLES = [
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_SECURITY_TOKEN",
  "AWS_ACCESS_KEY_ID",
  "AWS_VAULT_FILE_PASSPHRASE",
];

/** A message naming a variable whose value is not valid UTF-8, without showing any value. */
export function invalidVariableText(name?: string): string {
  const culprit = name ?? SECRET_VARIABLES.find((n) => {
    try {
      Deno.env.get(n);
      return false;
    } catch {
      return true;
    }
  });
  return culprit
    ? `environment variable ${culprit} is not valid UTF-8 (its value is not shown)`
    : "an environment variable is not valid UTF-8 (its value is not shown)";
}
