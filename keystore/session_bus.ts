/**
 * Cheap, dependency-free checks for the D-Bus backends, used by the registry's availability
 * probes and by the backends: where the session bus is, and whether libsecret is installed.
 * No D-Bus round trip and no dlopen.
 */

/** The library file libsecret ships as, and where distributions usually install it. */
export const LIBSECRET_SONAME = "libsecret-1.so.0";
export const LIBRARY_DIRS = [
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/usr/lib64",
  "/usr/lib",
  "/lib/x86_64-linux-gnu",
  "/lib/aarch64-linux-gnu",
  "/lib64",
  "/lib",
];

type Env = (name: string) => string | undefined;

function processEnv(name: string): string | undefined {
  return Deno.env.get(name);
}

/** The session bus address, as libdbus/GLib find it: the variable, else $XDG_RUNTIME_DIR/bus. */
export function sessionBusAddress(env: Env = processEnv): string | undefined {
  const explicit = env("DBUS_SESSION_BUS_ADDRESS");
  if (explicit) return explicit;
  const runtime = env("XDG_RUNTIME_DIR");
  if (!runtime) return undefined;
  try {
    if (Deno.statSync(`${runtime}/bus`).isSocket) return `unix:path=${runtime}/bus`;
  } catch {
    // no per-user bus socket
  }
  return undefined;
}

function isUnixDesktopOs(): boolean {
  return Deno.build.os === "linux" || Deno.build.os === "freebsd";
}

/**
 * secret-service probe: a session bus address exists and libsecret is installed (aws-vault
 * offers secret-service whenever a session bus is there).
 */
export function secretServiceAvailable(env: Env = processEnv): boolean {
  if (!isUnixDesktopOs()) return false;
  try {
    if (sessionBusAddress(env) === undefined) return false;
    const extra = (env("LD_LIBRARY_PATH") ?? "").split(":").filter((d) => d !== "");
    return [...extra, ...LIBRARY_DIRS].some((dir) => {
      try {
        return Deno.statSync(`${dir}/${LIBSECRET_SONAME}`).isFile;
      } catch {
        return false;
      }
    });
  } catch {
    return false; // e.g. no permission to look
  }
}

/** kwallet probe, as keyring's: a session bus exists and DISABLE_KWALLET is not "1". */
export function kwalletAvailable(env: Env = processEnv): boolean {
  if (!isUnixDesktopOs() || env("DISABLE_KWALLET") === "1") return false;
  try {
    return sessionBusAddress(env) !== undefined;
  } catch {
    return false;
  }
}
