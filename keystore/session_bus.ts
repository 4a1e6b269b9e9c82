/**
 * Cheap, dependency-free checks for the D-Bus backends, used by the registry's availability
 * probes and by the backends: where the session bus is, whether its socket accepts connections,
 * and whether libsecret is installed. No D-Bus handshake and no dlopen.
 */

/** The library file libsecret ships as, and where distributions usually install it. */
export const LIBSECRET_SONAME = "libsecret-1.so.0";
const LIBRARY_DIRS = [
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

/**
 * Whether the session bus can be reached. aws-vault's keyring offers secret-service and kwallet
 * only when `dbus.SessionBus()` connects (99designs/keyring secretservice.go and kwallet.go
 * init), so a headless box with a stale DBUS_SESSION_BUS_ADDRESS falls through to the next
 * backend. We skip the D-Bus handshake (it costs a round trip on every credential_process call)
 * and only connect to the socket of each `unix:` address, which fails at once for a missing file
 * or a dead daemon; other transports count as reachable, the backend reports their errors.
 */
export async function sessionBusReachable(env: Env = processEnv): Promise<boolean> {
  const address = sessionBusAddress(env);
  return address !== undefined && await connectsToAny(address);
}

async function connectsToAny(address: string): Promise<boolean> {
  for (const entry of address.split(";")) {
    const socket = unixSocketOf(entry);
    if (socket === undefined) {
      if (entry.trim() !== "") return true;
      continue;
    }
    // A missing path needs no connect (the first async operation costs about 0.6 ms).
    if (!socket.startsWith("\0") && !isSocket(socket)) continue;
    try {
      (await Deno.connect({ transport: "unix", path: socket })).close();
      return true;
    } catch {
      // try the next address, as libdbus does
    }
  }
  return false;
}

function isSocket(path: string): boolean {
  try {
    return Deno.statSync(path).isSocket === true;
  } catch {
    return false;
  }
}

/** The socket of a `unix:path=` or `unix:abstract=` address entry (abstract names start with NUL). */
function unixSocketOf(entry: string): string | undefined {
  if (!entry.startsWith("unix:")) return undefined;
  for (const kv of entry.slice(5).split(",")) {
    const eq = kv.indexOf("=");
    const key = kv.slice(0, eq);
    if (key === "path" || key === "abstract") {
      const value = decodeURIComponent(kv.slice(eq + 1));
      return key === "path" ? value : `\0${value}`;
    }
  }
  return undefined;
}

function isUnixDesktopOs(): boolean {
  return Deno.build.os === "linux" || Deno.build.os === "freebsd";
}

/** secret-service probe: libsecret is installed and the session bus can be reached. */
export async function secretServiceAvailable(env: Env = processEnv): Promise<boolean> {
  if (!isUnixDesktopOs()) return false;
  // Looked up once: without the variable it is a stat of $XDG_RUNTIME_DIR/bus.
  const address = sessionBusAddress(env);
  return address !== undefined && libsecretInstalled(env) && await connectsToAny(address);
}

function libsecretInstalled(env: Env): boolean {
  const extra = (env("LD_LIBRARY_PATH") ?? "").split(":").filter((d) => d !== "");
  return [...extra, ...LIBRARY_DIRS].some((dir) => {
    try {
      return Deno.statSync(`${dir}/${LIBSECRET_SONAME}`).isFile;
    } catch {
      return false; // missing, or no permission to look
    }
  });
}

/** kwallet probe, as keyring's: DISABLE_KWALLET is not "1" and the session bus can be reached. */
export async function kwalletAvailable(env: Env = processEnv): Promise<boolean> {
  if (!isUnixDesktopOs() || env("DISABLE_KWALLET") === "1") return false;
  return await sessionBusReachable(env);
}
