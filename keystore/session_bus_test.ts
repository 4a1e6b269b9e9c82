import { assertEquals } from "../tests/assert.ts";
import { kwalletAvailable, secretServiceAvailable, sessionBusAddress } from "./session_bus.ts";

Deno.test("sessionBusAddress prefers the variable, then $XDG_RUNTIME_DIR/bus if it is a socket", async () => {
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
});

Deno.test("the D-Bus backends are offered only with a session bus", () => {
  const none = () => undefined;
  const bus = (n: string) =>
    n === "DBUS_SESSION_BUS_ADDRESS" ? "unix:path=/nonexistent" : undefined;
  assertEquals(secretServiceAvailable(none), false);
  assertEquals(kwalletAvailable(none), false);
  assertEquals(kwalletAvailable(bus), true);
  // libsecret-1.so.0 is installed on this machine (Debian libsecret-1-0).
  assertEquals(secretServiceAvailable(bus), true);
  // An LD_LIBRARY_PATH entry without the library does not hide the system copy.
  const libDir = (n: string) => n === "LD_LIBRARY_PATH" ? "/nonexistent" : bus(n);
  assertEquals(secretServiceAvailable(libDir), true);
});
