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

/** `Is a directory (os error 21): readfile '/x'`, `... (os error 2): rename '/a' -> '/b'`. */
const DENO_OS_ERROR =
  /([A-Za-z][^:()]*?) \(os error \d+\)(?:: [a-z_]+ '([^']*)'(?: -> '[^']*')?)?/g;

/**
 * Deno's OS error text in the words Go prints (aws-vault's): `Is a directory (os error 21):
 * readfile '/x'` becomes `/x: is a directory`, or just `is a directory` when the message already
 * names `/x` before it. Every error and debug line goes through here (cmd/app.ts, lib/log.ts),
 * so no message shows Deno's wording, whoever wrapped the error.
 */
export function withoutDenoErrorText(message: string): string {
  return message.replace(
    DENO_OS_ERROR,
    (_match, reason: string, path?: string, offset?: number) => {
      const words = reason.charAt(0).toLowerCase() + reason.slice(1).replace(/\.$/, "");
      const named = path === undefined || message.slice(0, offset).includes(path);
      return named ? words : `${path}: ${words}`;
    },
  );
}
