/** Command output on stdout. A pipe (an AWS SDK reading credential_process) may take partial writes. */
const encoder = new TextEncoder();

export async function printOut(text: string): Promise<void> {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += await Deno.stdout.write(bytes.subarray(written));
}

/**
 * True when stdout was closed when we started (`aws-vault export >&-`). Rust's runtime under Deno
 * then opens /dev/null read-write as fd 1, so writes "succeed" into nothing and export would exit
 * 0 having handed out nothing (issue 10). A shell's `>/dev/null` opens it write-only, so the two
 * are told apart by the access mode. Linux only (it reads /proc); elsewhere false.
 */
export function stdoutWasClosed(): boolean {
  if (Deno.build.os !== "linux") return false;
  try {
    if (Deno.readLinkSync("/proc/self/fd/1") !== "/dev/null") return false;
    const flags = /^flags:\s*([0-7]+)/m.exec(Deno.readTextFileSync("/proc/self/fdinfo/1"));
    return flags !== null && (parseInt(flags[1], 8) & 3) === 2;
  } catch {
    return false;
  }
}
