/**
 * aws-vault for Deno: entry point. Everything is imported lazily from cmd/app.ts so that the
 * binary starts fast when it runs as a credential_process for every AWS CLI call.
 */
import { runApp } from "./cmd/app.ts";

if (import.meta.main) {
  Deno.exit(await runApp(Deno.args));
}
