/**
 * Where the Windows lane keeps deno.exe and its Wine prefix, and the environment Wine runs with;
 * shared by scripts/windows_lane.ts and the tests that drive Wine from Linux
 * (tests/wine_console_test.ts).
 */

export const VERSION = Deno.version.deno;
export const CACHE = `${
  Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`
}/aws-vault-wine/${VERSION}`;
export const DENO_EXE = `${CACHE}/bin/deno.exe`;
export const PREFIX = `${CACHE}/prefix`;

export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A Linux path as Windows programs under Wine see it (drive Z: is the Linux root). */
export function winePath(path: string): string {
  return `Z:${path.replaceAll("/", "\\")}`;
}

/**
 * What Wine and deno.exe get: nothing of ours but what they need (Wine copies Linux variables
 * such as SHELL and AWS_* into Windows programs).
 */
export function wineEnv(): Record<string, string> {
  const env: Record<string, string> = {
    WINEPREFIX: PREFIX,
    WINEDEBUG: "-all",
    PATH: "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/root",
    // Wine takes its Unix code page from the locale: without UTF-8, non-ASCII file names fail.
    LANG: "C.UTF-8",
    NO_COLOR: "1",
  };
  // A TLS-intercepting proxy's CA (npm packages are fetched through it) is in the system bundle.
  const bundle = Deno.env.get("SSL_CERT_FILE") ?? "/etc/ssl/certs/ca-certificates.crt";
  if (exists(bundle)) env.DENO_CERT = winePath(bundle);
  return env;
}
