/**
 * The debug log (`--debug`), in Go's `log` format as aws-vault writes it:
 * `2006/01/02 15:04:05 <message>` on stderr. Disabled by default; without --debug nothing is written.
 * Never pass a secret to debug(): callers log key ids only as `****` + last 4 characters.
 */
import { withoutDenoErrorText } from "./errors.ts";

let enabled = false;
const encoder = new TextEncoder();

export function setDebug(on: boolean): void {
  enabled = on;
}

export function isDebug(): boolean {
  return enabled;
}

export function debug(message: string): void {
  if (!enabled) return;
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  Deno.stderr.writeSync(encoder.encode(`${stamp} ${withoutDenoErrorText(message)}\n`));
}

/** `****ABCD`: how aws-vault shows an access key id in logs. */
export function maskKey(accessKeyId: string): string {
  return "****" + accessKeyId.slice(-4);
}
