import { assertEquals } from "../tests/assert.ts";
import {
  kwalletAvailable,
  secretServiceAvailable,
  sessionBusAddress,
  sessionBusReachable,
} from "./session_bus.ts";
import { linuxTest } from "../tests/platform.ts";

linuxTest(
  "a D-Bus session bus",
  "sessionBusAddress prefers the variable, then $XDG_RUNTIME_DIR/bus if it is a socket",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "aws-vault-bus-probe-" });
    try {
      const env = (vars: Record<string, string>) => (n: string) => vars[n];
      assertEquals(
        sessionBusAddress(env({ DBUS_SESSION_BUS_ADDRESS: "unix:path=/x" })),
        "unix:path=/x",
      );
      assertEquals(sessionBusAddress(env({ XDG_RUNTIME_DIR: dir })), undefined);
      await Deno.writeTextFile(`${dir}/bus`, "not a socket");
      assertEquals(sessionBusAddress(env({ XDG_RUNTIME_DIR: dir })), undefined);
      await Deno.remove(`${dir}/bus`);
      const listener = Deno.listen({ transport: "unix", path: `${dir}/bus` });
      try {
        assertEquals(sessionBusAddress(env({ XDG_RUNTIME_DIR: dir })), `unix:path=${dir}/bus`);
      } finally {
        listener.close();
      }
      assertEquals(sessionBusAddress(env({})), undefined);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

linuxTest(
  "a D-Bus session bus and python3",
  "the D-Bus backends are offered only when the session bus socket accepts connections",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "aws-vault-bus-reach-" });
    try {
      const none = () => undefined;
      const at = (address: string) => (n: string) =>
        n === "DBUS_SESSION_BUS_ADDRESS" ? address : undefined;
      assertEquals(await secretServiceAvailable(none), false);
      assertEquals(await kwalletAvailable(none), false);
      // A variable naming no socket, or a socket nobody listens on (a daemon that died), is not a
      // bus: a headless box falls through to the next backend, as keyring's init does.
      const stale = `${dir}/stale`;
      // Deno unlinks its own sockets on close; a socket file left by a killed daemon is made here by
      // binding one in Python and exiting without unlinking it.
      const bind = "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])";
      await new Deno.Command("/usr/bin/python3", { args: ["-c", bind, stale] }).output();
      assertEquals(Deno.statSync(stale).isSocket, true);
      for (const address of [`unix:path=${dir}/missing`, `unix:path=${stale}`]) {
        assertEquals(await sessionBusReachable(at(address)), false, address);
        assertEquals(await kwalletAvailable(at(address)), false, address);
        assertEquals(await secretServiceAvailable(at(address)), false, address);
      }
      const live = `${dir}/live`;
      const listener = Deno.listen({ transport: "unix", path: live });
      try {
        const bus = at(`unix:path=${live}`);
        assertEquals(await kwalletAvailable(bus), true);
        // libsecret-1.so.0 is installed on this machine (Debian libsecret-1-0).
        assertEquals(await secretServiceAvailable(bus), true);
        // An LD_LIBRARY_PATH entry without the library does not hide the system copy.
        const libDir = (n: string) => n === "LD_LIBRARY_PATH" ? "/nonexistent" : bus(n);
        assertEquals(await secretServiceAvailable(libDir), true);
        // Addresses are tried in turn, as libdbus does; other transports are left to the backend.
        assertEquals(await sessionBusReachable(at(`unix:path=${stale};unix:path=${live}`)), true);
        assertEquals(await sessionBusReachable(at("tcp:host=127.0.0.1,port=1")), true);
        assertEquals(await kwalletAvailable((n) => n === "DISABLE_KWALLET" ? "1" : bus(n)), false);
      } finally {
        listener.close();
      }
      // Abstract socket names (older distributions' buses) are checked by connecting too.
      const name = `aws-vault-test-${crypto.randomUUID()}`;
      const abstract = Deno.listen({ transport: "unix", path: `\0${name}` });
      try {
        assertEquals(await sessionBusReachable(at(`unix:abstract=${name},guid=0`)), true);
        assertEquals(await sessionBusReachable(at(`unix:abstract=${name}-gone`)), false);
      } finally {
        abstract.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
