/**
 * Finding an executable the way a shell does, without running it: the pass backend checks its
 * program when it opens, and the prompt drivers are offered only when their program is installed.
 * Synchronous on purpose: one stat per PATH entry, and callers (flag validation) are synchronous.
 */

type Env = (name: string) => string | undefined;

/**
 * The path of `command`: itself when it contains a slash, else the first executable file named
 * `command` in a `PATH` directory; undefined when there is none. On Windows, as Go's
 * exec.LookPath there: `PATHEXT` extensions too (findWindowsExecutable).
 */
export function findExecutable(
  command: string,
  env: Env = (n) => Deno.env.get(n),
): string | undefined {
  if (Deno.build.os === "windows") return findWindowsExecutable(command, env);
  if (command.includes("/")) return isExecutableFile(command) ? command : undefined;
  const dirs = (env("PATH") ?? "").split(":").filter((d) => d !== "");
  for (const dir of dirs) {
    const path = `${dir}/${command}`;
    if (isExecutableFile(path)) return path;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** PATHEXT when unset, as Go's os/exec (lp_windows.go) assumes. */
const DEFAULT_PATHEXT = ".com;.exe;.bat;.cmd";

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
