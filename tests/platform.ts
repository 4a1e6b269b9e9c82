/**
 * What differs when the suite runs on another OS than the Linux CI machine: Windows (natively, or
 * under Wine in scripts/windows_lane.ts) and macOS (the native runners in .github/workflows).
 * Tests that need POSIX tools or semantics are registered with `posixTest`, tests that need what
 * only the Linux machine has (D-Bus keystores, pass, util-linux, Debian's AWS CLI) with
 * `linuxTest`; each is ignored elsewhere and says why in its name there. Everything else runs
 * everywhere.
 */

export const ON_WINDOWS = Deno.build.os === "windows";

/**
 * Registers a test that needs `needs` (a POSIX tool or behaviour: `sh`, `setsid`, signals, a D-Bus
 * daemon...). On Windows it is listed as ignored, named with the reason.
 */
export function posixTest(needs: string, name: string, fn: () => Promise<void> | void): void {
  Deno.test({
    name: ON_WINDOWS ? `${name} [skipped on Windows: needs ${needs}]` : name,
    ignore: ON_WINDOWS,
    fn,
  });
}

/** Registers a test that needs `needs`, which only the Linux machine has; ignored elsewhere. */
export function linuxTest(needs: string, name: string, fn: () => Promise<void> | void): void {
  const os = Deno.build.os;
  const osName = { windows: "Windows", darwin: "macOS" }[os as string] ?? os;
  Deno.test({
    name: os === "linux" ? name : `${name} [skipped on ${osName}: needs ${needs}]`,
    ignore: os !== "linux",
    fn,
  });
}

/**
 * A command prefix that runs a program without a controlling terminal: util-linux `setsid -w` on
 * Linux. macOS has no setsid(1), and there (CI runners) as under Wine there is no terminal to lose.
 */
export function withoutTerminal(): string[] {
  return Deno.build.os === "linux" ? ["setsid", "-w"] : [];
}

/** Asserts a POSIX permission mode (`mode & 0o777`); Windows has none, so there it checks nothing. */
export async function assertMode(path: string, mode: number, message?: string): Promise<void> {
  if (ON_WINDOWS) return;
  const actual = (await Deno.stat(path)).mode! & 0o777;
  if (actual !== mode) {
    throw new Error(
      `${message ?? path}: mode ${actual.toString(8)}, expected ${mode.toString(8)}`,
    );
  }
}

/** Under Wine (the Windows lane): Wine passes its own variables to the programs it runs. */
const UNDER_WINE = ON_WINDOWS && Deno.env.get("WINELOADER") !== undefined;

/**
 * Registers a test that holds for a native runtime only (a time budget, say): ignored under Wine,
 * whose emulation is slower, and runs everywhere else.
 */
export function nativeTest(needs: string, name: string, fn: () => Promise<void> | void): void {
  Deno.test({
    name: UNDER_WINE ? `${name} [skipped under Wine: needs ${needs}]` : name,
    ignore: UNDER_WINE,
    fn,
  });
}

/** Registers a test of Windows behaviour; elsewhere it is listed as ignored, named so. */
export function windowsTest(name: string, fn: () => Promise<void> | void): void {
  Deno.test({ name: ON_WINDOWS ? name : `${name} [Windows only]`, ignore: !ON_WINDOWS, fn });
}
