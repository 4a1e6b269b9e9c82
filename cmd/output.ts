/** Command output on stdout. A pipe (an AWS SDK reading credential_process) may take partial writes. */
const encoder = new TextEncoder();

export async function printOut(text: string): Promise<void> {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += await Deno.stdout.write(bytes.subarray(written));
}
