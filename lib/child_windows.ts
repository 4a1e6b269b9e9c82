/**
 * What running a child differs in on Windows, kept apart from lib/child.ts's POSIX path: the
 * default subshell, and which console events we must survive while the child runs. (The program
 * is found through PATHEXT, `aws` as `aws.cmd` or `aws.exe`, by lib/which.ts.)
 *
 * Argument quoting needs nothing of ours: Deno.Command quotes each argument by the MSVCRT rules
 * (and escapes for cmd.exe when the program is a `.cmd`/`.bat`), so every argument arrives as one.
 */

type Env = (name: string) => string | undefined;

/**
 * Ctrl-C and Ctrl-Break go to every process attached to the console, the child included: we only
 * listen so that they do not end us while the child decides what to do. Forwarding them with
 * `child.kill()` would be wrong on Windows, where it terminates the child outright.
 */
export const WINDOWS_CONSOLE_SIGNALS: Deno.Signal[] = ["SIGINT", "SIGBREAK"];

/** The subshell for `exec` without a command when SHELL is unset: %COMSPEC%, else cmd.exe. */
export function windowsDefaultShell(env: Env): string {
  return env("ComSpec") || env("COMSPEC") || "cmd.exe";
}

/** Windows variables are case-insensitive; our env records keep the case they were given. */
export function windowsEnvLookup(env: Record<string, string>): Env {
  return (name) => {
    const upper = name.toUpperCase();
    for (const [key, value] of Object.entries(env)) if (key.toUpperCase() === upper) return value;
    return undefined;
  };
}
