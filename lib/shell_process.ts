/**
 * Runs a command line from the config (`credential_process`, `mfa_process`,
 * `web_identity_token_process`) the way aws-vault does: through `/bin/sh -c` (`cmd.exe /C` on
 * Windows), with stderr inherited so the helper can talk to the user, and stdout captured.
 * The command line is passed as one argument and never logged with its output.
 */

export interface ShellOptions {
  /** credential_process inherits stdin (it may prompt); the others get none. */
  stdin: "inherit" | "null";
}

/** Thrown when the command cannot start or exits non-zero. */
export class ShellCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ShellCommandError";
  }
}

/** Runs `commandLine` and returns its stdout (raw bytes decoded as UTF-8, untrimmed). */
export async function runShellCommand(commandLine: string, opts: ShellOptions): Promise<string> {
  const [shell, flag] = Deno.build.os === "windows"
    ? [`${Deno.env.get("SystemRoot") ?? "C:\\Windows"}\\System32\\cmd.exe`, "/C"]
    : ["/bin/sh", "-c"];
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(shell, {
      args: [flag, commandLine],
      stdin: opts.stdin,
      stdout: "piped",
      stderr: "inherit",
    }).output();
  } catch (err) {
    throw new ShellCommandError((err as Error).message);
  }
  if (!output.success) {
    throw new ShellCommandError(
      output.signal ? `signal: ${output.signal.toLowerCase()}` : `exit status ${output.code}`,
    );
  }
  return new TextDecoder().decode(output.stdout);
}
