/**
 * Finding an executable the way a shell does, without running it: the pass backend checks its
 * program when it opens, and the prompt drivers are offered only when their program is installed.
 * Synchronous on purpose: one stat per PATH entry, and callers (flag validation) are synchronous.
 */

type Env = (name: string) => string | undefined;

/**
 * The path of `command`: itself when it contains a slash, else the first executable file named
 * `command` (also `command.exe` on Windows) in a `PATH` directory; undefined when there is none.
 */
export function findExecutable(
  command: string,
  env: Env = (n) => Deno.env.get(n),
): string | undefined {
  const windows = Deno.build.os === "windows";
  if (command.includes("/") || (windows && command.includes("\\"))) {
    return isExecutableFile(command, windows) ? command : undefined;
  }
  const dirs = (env("PATH") ?? "").split(windows ? ";" : ":").filter((d) => d !== "");
  const names = windows ? [command, `${command}.exe`] : [command];
  for (const dir of dirs) {
    for (const name of names) {
      const path = `${dir}/${name}`;
      if (isExecutableFile(path, windows)) return path;
    }
  }
  return undefined;
}

function isExecutableFile(path: string, windows: boolean): boolean {
  try {
    const info = Deno.statSync(path);
    // Windows has no execute bit; `mode` is null there.
    return info.isFile && (windows || ((info.mode ?? 0o111) & 0o111) !== 0);
  } catch {
    return false;
  }
}
