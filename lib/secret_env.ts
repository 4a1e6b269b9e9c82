/**
 * Secret-bearing environment variables that we read but never pass on. AWS_VAULT_FILE_PASSPHRASE
 * unlocks every long-term key of the file backend; aws-vault v7.2.0 leaves it in the environment,
 * so every program run under `exec` (and every `credential_process`, `mfa_process` and server
 * child) could decrypt the whole store (issue 10). We move it out of the process environment before
 * anything runs, so that no child, whoever spawns it and however, inherits it.
 */

import { invalidVariableText, UserError } from "./errors.ts";

/** The variables moved out of the process environment at start-up. */
export const WITHHELD_VARIABLES = ["AWS_VAULT_FILE_PASSPHRASE"] as const;

const held = new Map<string, string>();

/** Removes WITHHELD_VARIABLES from the process environment, keeping their values for us only. */
export function withholdSecretVariables(): void {
  for (const name of WITHHELD_VARIABLES) {
    let value: string | undefined;
    try {
      value = Deno.env.get(name);
    } catch {
      // Not valid UTF-8: Deno's error quotes the value. getEnv() reports it, naming the variable.
      notUtf8.add(name);
      Deno.env.delete(name);
      continue;
    }
    if (value === undefined) continue;
    held.set(name, value);
    Deno.env.delete(name);
  }
}

const notUtf8 = new Set<string>();

/** `Deno.env.get`, plus the withheld variables: how our own code reads its environment. */
export function getEnv(name: string): string | undefined {
  if (notUtf8.has(name)) throw new UserError(invalidVariableText(name));
  try {
    return held.get(name) ?? Deno.env.get(name);
  } catch {
    throw new UserError(invalidVariableText(name));
  }
}

/** `env` without WITHHELD_VARIABLES: the environment a child may see. */
export function withoutSecretVariables(env: Record<string, string>): Record<string, string> {
  const out = { ...env };
  for (const name of WITHHELD_VARIABLES) delete out[name];
  return out;
}
