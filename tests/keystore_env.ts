/**
 * Hermetic keystore daemons for tests: a private D-Bus session bus in a temporary HOME, and on it
 * gnome-keyring-daemon (Secret Service), kwalletd5 (KWallet), or both (pass the first helper's bus
 * to the second; kwalletd5's own Secret Service API is turned off, so the names never clash). Each helper
 * returns the environment to run our code with and a cleanup that kills every process it started
 * and removes the temporary directory.
 *
 * The bus has no service directories, so nothing is D-Bus-activated behind the test's back: a
 * name is owned only if the helper started its daemon.
 */
import { DBusConnection, type DBusValue, type MethodCall } from "../keystore/dbus.ts";
import { pathFromFileUrl } from "../lib/file_url.ts";

const TESTS_DIR = pathFromFileUrl(new URL(".", import.meta.url));
const SYSTEM_PYTHON = "/usr/bin/python3";

/** A running private session bus. */
export interface SessionBus {
  /** Temporary root; HOME and the XDG directories live below it. */
  dir: string;
  address: string;
  /** HOME, XDG_*, DBUS_SESSION_BUS_ADDRESS for processes that should use this bus. */
  env: Record<string, string>;
  /** Registers a cleanup step (run in reverse order). */
  onCleanup(step: () => Promise<void> | void): void;
  cleanup(): Promise<void>;
}

/** Starts `dbus-daemon` on a unix socket in a fresh temporary HOME. */
export async function startSessionBus(): Promise<SessionBus> {
  const dir = await Deno.makeTempDir({ prefix: "aws-vault-bus-" });
  const home = `${dir}/home`;
  const runtime = `${dir}/run`;
  await Deno.mkdir(home, { recursive: true });
  await Deno.mkdir(runtime, { mode: 0o700 });
  const socket = `${runtime}/bus`;
  const config = `${dir}/bus.conf`;
  await Deno.writeTextFile(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
  );
  const env: Record<string, string> = {
    HOME: home,
    XDG_DATA_HOME: `${home}/.local/share`,
    XDG_CONFIG_HOME: `${home}/.config`,
    XDG_CACHE_HOME: `${home}/.cache`,
    XDG_RUNTIME_DIR: runtime,
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
  };
  const steps: (() => Promise<void> | void)[] = [];
  const bus: SessionBus = {
    dir,
    address: "",
    env,
    onCleanup: (step) => void steps.push(step),
    cleanup: async () => {
      for (const step of steps.reverse()) {
        try {
          await step();
        } catch {
          // keep cleaning up
        }
      }
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
  const daemon = new Deno.Command("dbus-daemon", {
    args: ["--nofork", `--config-file=${config}`, "--print-address=1"],
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines = lineReader(daemon.stdout);
  bus.onCleanup(() => killAndWait(daemon, lines));
  try {
    bus.address = (await withDeadline(lines.next(), 5000, "dbus-daemon did not start")).trim();
  } catch (e) {
    await bus.cleanup();
    throw e;
  }
  env.DBUS_SESSION_BUS_ADDRESS = bus.address;
  return bus;
}

/** Controls gcr's mock prompter: queues the answer to the next gnome-keyring password dialog. */
export interface MockPrompter {
  answerPassword(password: string): Promise<void>;
  cancelNext(): Promise<void>;
}

/** A bus with gnome-keyring-daemon (secrets component) on it. */
export interface SecretServiceEnv extends SessionBus {
  /** The "login" keyring's password. */
  password: string;
  /** gnome-keyring-daemon's pid (tests stop it with SIGSTOP to simulate a hung daemon). */
  daemonPid: number;
  prompter: MockPrompter;
}

/**
 * Starts a bus, gcr's mock prompter (so that collection creation and unlock dialogs can be
 * answered), then `gnome-keyring-daemon --foreground --unlock --components=secrets` fed the
 * login password on stdin, and waits until it owns org.freedesktop.secrets.
 */
export async function startSecretService(
  password = "test-password",
  shared?: SessionBus,
): Promise<SecretServiceEnv> {
  const bus = shared ?? await startSessionBus();
  try {
    const prompter = await startMockPrompter(bus);
    const daemon = new Deno.Command("gnome-keyring-daemon", {
      args: ["--foreground", "--unlock", "--components=secrets"],
      env: { ...bus.env, GNOME_KEYRING_TEST_PROMPTER: prompter.busName },
      clearEnv: true,
      stdin: "piped",
      stdout: "null",
      stderr: "null",
    }).spawn();
    bus.onCleanup(() => killAndWait(daemon));
    const w = daemon.stdin.getWriter();
    await w.write(new TextEncoder().encode(password)); // no trailing newline: it is the password
    await w.close();
    await waitForName(bus.address, "org.freedesktop.secrets");
    return { ...bus, password, prompter, daemonPid: daemon.pid };
  } catch (e) {
    if (!shared) await bus.cleanup();
    throw e;
  }
}

async function startMockPrompter(bus: SessionBus): Promise<MockPrompter & { busName: string }> {
  const child = new Deno.Command(SYSTEM_PYTHON, {
    args: [`${TESTS_DIR}gcr_mock_prompter.py`],
    env: bus.env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines = lineReader(child.stdout);
  const writer = child.stdin.getWriter();
  bus.onCleanup(async () => {
    await writer.close().catch(() => {});
    await killAndWait(child, lines);
  });
  const busName = (await withDeadline(lines.next(), 5000, "mock prompter did not start")).trim();
  async function command(line: string): Promise<void> {
    await writer.write(new TextEncoder().encode(line + "\n"));
    const ack = await withDeadline(lines.next(), 5000, "mock prompter did not answer");
    if (ack.trim() !== "queued") throw new Error(`mock prompter: ${ack}`);
  }
  return {
    busName,
    answerPassword: (password) => command(`ok ${password}`),
    cancelNext: () => command("cancel"),
  };
}

/** A bus with kwalletd5 on it, its default wallet created and open. */
export interface KWalletEnv extends SessionBus {
  wallet: string;
  daemonPid: number;
}

/**
 * Starts a bus and kwalletd5 through its PAM login path (tests/kwalletd_pam_start.py), which
 * creates and opens `wallet` with no dialog because kwalletrc names it the default wallet.
 */
export async function startKWallet(
  wallet = "aws-vault",
  shared?: SessionBus,
): Promise<KWalletEnv> {
  const bus = shared ?? await startSessionBus();
  try {
    const configHome = bus.env.XDG_CONFIG_HOME;
    await Deno.mkdir(configHome, { recursive: true });
    await Deno.mkdir(bus.env.XDG_DATA_HOME, { recursive: true });
    await Deno.writeTextFile(
      `${configHome}/kwalletrc`,
      `[Wallet]\nEnabled=true\nFirst Use=false\nDefault Wallet=${wallet}\n` +
        "[org.freedesktop.secrets]\napiEnabled=false\n",
    );
    const starter = new Deno.Command(SYSTEM_PYTHON, {
      args: [`${TESTS_DIR}kwalletd_pam_start.py`, `${bus.dir}/kwalletd5.log`],
      env: bus.env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const lines = lineReader(starter.stdout);
    bus.onCleanup(() => killAndWait(starter, lines));
    const pid = Number(await withDeadline(lines.next(), 5000, "kwalletd5 did not start"));
    // kwalletd5 is the starter's child: killing it lets the starter reap it and exit.
    bus.onCleanup(() => killPid(pid));
    await waitForName(bus.address, "org.kde.kwalletd5");
    return { ...bus, wallet, daemonPid: pid };
  } catch (e) {
    if (!shared) await bus.cleanup();
    throw e;
  }
}

/** One method call on the bus at `address`, on a connection of its own. */
export async function callOnce(address: string, call: MethodCall): Promise<DBusValue[]> {
  const bus = await DBusConnection.connect(address);
  try {
    return await bus.call(call);
  } finally {
    await bus.close();
  }
}

/** Polls the bus until `name` has an owner. */
export async function waitForName(address: string, name: string, timeoutMs = 10000): Promise<void> {
  const bus = await DBusConnection.connect(address);
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const [owned] = await bus.call({
        destination: "org.freedesktop.DBus",
        path: "/org/freedesktop/DBus",
        interface: "org.freedesktop.DBus",
        member: "NameHasOwner",
        signature: "s",
        body: [name],
      });
      if (owned === true) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`${name} did not appear on the bus within ${timeoutMs} ms`);
  } finally {
    await bus.close();
  }
}

// ---------------------------------------------------------------------------------------------

interface LineReader {
  next(): Promise<string>;
  cancel(): Promise<void>;
}

function lineReader(stream: ReadableStream<Uint8Array>): LineReader {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  return {
    async next() {
      while (!buffered.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        buffered += value;
      }
      const i = buffered.indexOf("\n");
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      return line;
    },
    cancel: () => reader.cancel().catch(() => {}),
  };
}

async function killAndWait(child: Deno.ChildProcess, lines?: LineReader): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch {
    // already gone
  }
  await lines?.cancel();
  await child.status;
}

async function killPid(pid: number): Promise<void> {
  try {
    Deno.kill(pid, "SIGTERM");
  } catch {
    return; // already gone
  }
  for (let i = 0; i < 100; i++) {
    if (!isRunning(pid)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  try {
    Deno.kill(pid, "SIGKILL");
  } catch { /* gone */ }
}

/** False once the process is gone or a zombie (it is not our child, so we cannot reap it). */
function isRunning(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

async function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => timer = setTimeout(() => reject(new Error(message)), ms)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
