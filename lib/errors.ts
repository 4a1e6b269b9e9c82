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

/** Message of any thrown value, without a stack trace. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
