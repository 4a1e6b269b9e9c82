/**
 * Opens a URL in the user's browser the way aws-vault does (skratchdot/open-golang `open.Run`):
 * `xdg-open <url>` on Linux and the BSDs, `open <url>` on macOS, and
 * `%SystemRoot%\System32\rundll32.exe url.dll,FileProtocolHandler <url>` on Windows. The helper's
 * exit is awaited and its stdio discarded, as Go's exec.Command does with nil stdio.
 *
 * Security note: the URL is the single argv element of the helper. For `aws-vault login` it
 * carries a console sign-in token, a short-lived (15 min) secret that other local users can see in
 * the process list while the helper runs. aws-vault passes it the same way, and there is no other
 * portable way to hand a URL to the desktop's browser. Callers must not pass any other secret.
 */
import { UserError } from "./errors.ts";
import { findExecutable } from "./which.ts";

/** The program and arguments that open `url` on `os`. */
export interface BrowserCommand {
  command: string;
  args: string[];
}

/** How `url` is opened on `os` (Deno.build.os); `env` supplies SystemRoot on Windows. */
export function browserCommand(
  url: string,
  os: typeof Deno.build.os = Deno.build.os,
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): BrowserCommand {
  switch (os) {
    case "darwin":
      return { command: "open", args: [url] };
    case "windows": {
      const root = env("SYSTEMROOT") ?? env("SystemRoot") ?? "";
      const command = root ? `${root}\\System32\\rundll32.exe` : "rundll32.exe";
      return { command, args: ["url.dll,FileProtocolHandler", url] };
    }
    default:
      // linux, freebsd, netbsd, openbsd, solaris...: the freedesktop.org opener.
      return { command: "xdg-open", args: [url] };
  }
}

/**
 * Why no browser can be opened on this machine for the user at the keyboard, or undefined when
 * one can: an SSH session (the browser would open on the remote machine, and a loopback redirect
 * could not reach us from the user's own one), or a Unix desktop-less session (no `DISPLAY` or
 * `WAYLAND_DISPLAY`) or one without `xdg-open` on PATH. The SSO login falls back to the device
 * code flow then, which works from any browser anywhere.
 */
export function browserUnavailableReason(
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
  os: typeof Deno.build.os = Deno.build.os,
): string | undefined {
  if (env("SSH_CONNECTION") || env("SSH_TTY")) return "this is an SSH session";
  if (os === "darwin" || os === "windows") return undefined;
  if (!env("DISPLAY") && !env("WAYLAND_DISPLAY")) {
    return "neither DISPLAY nor WAYLAND_DISPLAY is set";
  }
  const { command } = browserCommand("", os, env);
  if (!findExecutable(command, env)) return `${command} is not on PATH`;
  return undefined;
}

/**
 * Runs the opener for `url` and waits for it. Rejects (with Go's os/exec wording, which aws-vault
 * shows after `Failed to open <url>: `) when the opener is missing or exits non-zero.
 */
export async function openBrowser(url: string): Promise<void> {
  const { command, args } = browserCommand(url);
  let status: Deno.CommandStatus;
  try {
    status = await new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn().status;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new UserError(`exec: "${command}": executable file not found in $PATH`);
    }
    throw err;
  }
  if (status.signal) throw new UserError(`signal: ${status.signal}`);
  if (!status.success) throw new UserError(`exit status ${status.code}`);
}
