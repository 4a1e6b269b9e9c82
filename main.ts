/**
 * aws-vault for Deno: entry point. Everything is imported lazily from cmd/app.ts so that the
 * binary starts fast when it runs as a credential_process for every AWS CLI call.
 */
import { runApp } from "./cmd/app.ts";
import { withholdSecretVariables } from "./lib/secret_env.ts";

/** Runs the CLI and exits (also the release bundle's start, see scripts/bundle.ts). */
export async function main(): Promise<void> {
  // Before anything can spawn a child: no child may inherit the file backend's passphrase.
  withholdSecretVariables();
  Deno.exit(await runApp(Deno.args));
}

if (import.meta.main) await main();
