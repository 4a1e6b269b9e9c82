/**
 * What running a child differs in on Windows, kept apart from lib/child.ts's POSIX path:
 * finding the program the way cmd.exe and Go's os/exec do (PATHEXT: `aws` is `aws.cmd` or
 * `aws.exe`), the default subshell, and which console events we must survive while the child runs.
 *
 * Argument quoting needs nothing of ours: Deno.Command quotes each argument by the MSVCRT rules
 * (and escapes for cmd.exe when the program is a `.cmd`/`.bat`), so every argument arrives as one.
 */

type Env = (name: string) => string | undefined;

/** PATHEXT when unset, as Go's os/exec (lp_windows.go) assumes. */
const DEFAULT_PATHEXT = ".com;.exe;.bat;.cmd";

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

function pathExtensions(env: Env): string[] {
  return (env("PATHEXT") || DEFAULT_PATHEXT).split(";").map((e) => e.trim().toLowerCase())
    .filter((e) => e.startsWith("."));
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** `name` itself when its extension is in PATHEXT, then `name` + each PATHEXT extension. */
function candidates(name: string, exts: string[]): string[] {
  const dot = name.lastIndexOf(".");
  const ext = dot > name.search(/[^\\/]*$/) ? name.slice(dot).toLowerCase() : "";
  const own = ext !== "" && exts.includes(ext) ? [name] : [];
  return [...own, ...exts.map((e) => name + e)];
}

/**
 * The file Windows would run for `command`, as Go's exec.LookPath does on Windows: a command with
 * a path separator is tried with each PATHEXT extension where it stands; a bare name in each PATH
 * directory in order. Undefined when nothing matches (the caller reports it as Go words it).
 */
export function findWindowsExecutable(command: string, env: Env): string | undefined {
  const exts = pathExtensions(env);
  if (/[\\/:]/.test(command)) return candidates(command, exts).find(isFile);
  const dirs = (env("PATH") ?? "").split(";").filter((d) => d !== "");
  for (const dir of dirs) {
    const base = /[\\/]$/.test(dir) ? dir : `${dir}\\`;
    const found = candidates(base + command, exts).find(isFile);
    if (found) return found;
  }
  return undefined;
}
