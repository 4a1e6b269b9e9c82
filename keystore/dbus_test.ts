import { assert, assertEquals, assertRejects, assertThrows } from "../tests/assert.ts";
import {
  DBusConnection,
  DBusConnectionError,
  DBusError,
  type DBusValue,
  decodeMessage,
  encodeMethodCall,
  marshal,
  MESSAGE_METHOD_CALL,
  messageLength,
  splitSignature,
  unixSocketPath,
  unmarshal,
  Variant,
} from "./dbus.ts";
import { linuxTest } from "../tests/platform.ts";

function bytes(...values: number[]): Uint8Array {
  return new Uint8Array(values);
}

Deno.test("splitSignature splits complete types", () => {
  assertEquals(splitSignature("isay"), ["i", "s", "ay"]);
  assertEquals(splitSignature("a{sv}(yv)aas"), ["a{sv}", "(yv)", "aas"]);
  assertEquals(splitSignature(""), []);
  assertThrows(() => splitSignature("a"), Error, "bad D-Bus signature");
  assertThrows(() => splitSignature("(ii"), Error, "bad D-Bus signature");
});

Deno.test("marshal produces the wire bytes of the specification (little-endian)", () => {
  assertEquals(marshal("s", ["abc"]), bytes(3, 0, 0, 0, 97, 98, 99, 0));
  // y then s: the string length is aligned to 4.
  assertEquals(marshal("ys", [1, "a"]), bytes(1, 0, 0, 0, 1, 0, 0, 0, 97, 0));
  assertEquals(marshal("ay", [bytes(1, 2)]), bytes(2, 0, 0, 0, 1, 2));
  // The array length does not count the padding before the first 8-aligned element.
  assertEquals(marshal("at", [[1n]]), bytes(8, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0));
  assertEquals(marshal("b", [true]), bytes(1, 0, 0, 0));
  assertEquals(marshal("x", [-2n]), bytes(254, 255, 255, 255, 255, 255, 255, 255));
  assertEquals(marshal("g", ["ss"]), bytes(2, 115, 115, 0));
  assertEquals(marshal("v", [new Variant("u", 5)]), bytes(1, 117, 0, 0, 5, 0, 0, 0));
  assertEquals(
    marshal("a{sv}", [new Map([["a", new Variant("u", 5)]])]),
    bytes(16, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 97, 0, 1, 117, 0, 0, 0, 0, 5, 0, 0, 0),
  );
  assertEquals(marshal("i", [-1], false), bytes(255, 255, 255, 255));
  assertEquals(marshal("u", [258], false), bytes(0, 0, 1, 2));
});

Deno.test("marshal and unmarshal round-trip every supported type", () => {
  const cases: [string, DBusValue[]][] = [
    ["ybnqiuxtd", [255, true, -2, 65535, -70000, 4000000000, -(2n ** 62n), 2n ** 64n - 1n, 1.5]],
    ["sog", ["ünïcødé", "/org/kde/x", "a{sv}"]],
    ["ay", [new Uint8Array()]],
    ["ay", [bytes(0, 1, 255)]],
    ["as", [["one", "", "three"]]],
    ["aas", [[["a"], [], ["b", "c"]]]],
    ["a{ss}", [new Map([["profile", "p"], ["x", "y"]])]],
    ["a{sv}", [
      new Map<DBusValue, DBusValue>([["n", new Variant("i", 3)], ["s", new Variant("as", ["q"])]]),
    ]],
    ["(yv)", [[1, new Variant("o", "/")]]],
    ["a(oayays)", [[["/s", bytes(), bytes(104, 105), "text/plain"]]]],
    ["isay", [7, "key", bytes(123, 125)]],
  ];
  for (const [signature, values] of cases) {
    for (const littleEndian of [true, false]) {
      const wire = marshal(signature, values, littleEndian);
      assertEquals(unmarshal(signature, wire, littleEndian), values, signature);
    }
  }
});

Deno.test("marshal rejects values that do not fit the signature", () => {
  assertThrows(() => marshal("s", [1]), TypeError, "cannot marshal");
  // The message names the kind of value, never the value (it may be a secret).
  const err = assertThrows(() => marshal("u", ["secret-value"]), TypeError);
  assertEquals(err.message, "D-Bus: cannot marshal a string as u");
  assertThrows(() => marshal("ay", [["x"]]), TypeError, "cannot marshal");
  assertThrows(() => marshal("(ii)", [[1]]), TypeError, "cannot marshal");
  assertThrows(() => marshal("ii", [1]), TypeError, "needs 2 values");
});

Deno.test("unmarshal refuses truncated data", () => {
  assertThrows(() => unmarshal("s", bytes(9, 0, 0, 0, 97)), Error, "truncated");
});

Deno.test("a method call encodes to a complete message that decodes back", () => {
  const wire = encodeMethodCall(7, {
    destination: "org.kde.kwalletd5",
    path: "/modules/kwalletd5",
    interface: "org.kde.KWallet",
    member: "writeEntry",
    signature: "issays",
    body: [3, "aws-vault", "key", bytes(1, 2, 3), "aws-vault"],
  });
  assertEquals(messageLength(wire.subarray(0, 15)), 0);
  assertEquals(messageLength(wire.subarray(0, wire.length - 1)), 0);
  assertEquals(messageLength(wire), wire.length);
  const withTail = new Uint8Array(wire.length + 5);
  withTail.set(wire);
  assertEquals(messageLength(withTail), wire.length);
  const msg = decodeMessage(wire);
  assertEquals(msg.type, MESSAGE_METHOD_CALL);
  assertEquals(msg.serial, 7);
  assertEquals(msg.signature, "issays");
  assertEquals(msg.body, [3, "aws-vault", "key", bytes(1, 2, 3), "aws-vault"]);
  assertEquals(msg.fields.get(1), "/modules/kwalletd5");
  assertEquals(msg.fields.get(3), "writeEntry");
  assertEquals(msg.fields.get(6), "org.kde.kwalletd5");
});

Deno.test("unixSocketPath reads unix:path and unix:abstract addresses", () => {
  assertEquals(unixSocketPath("unix:path=/run/user/1000/bus"), "/run/user/1000/bus");
  assertEquals(unixSocketPath("unix:path=/tmp/a%20b,guid=0123"), "/tmp/a b");
  assertEquals(unixSocketPath("unix:abstract=/tmp/dbus-XYZ,guid=1"), "\0/tmp/dbus-XYZ");
  assertEquals(unixSocketPath("tcp:host=localhost,port=1;unix:path=/x"), "/x");
  assertThrows(
    () => unixSocketPath("tcp:host=localhost,port=1"),
    Error,
    "unsupported D-Bus address",
  );
});

linuxTest(
  "dbus-daemon",
  "a real bus on an abstract socket: Hello, calls, error replies and timeouts",
  async () => {
    const name = `/tmp/aws-vault-dbus-test-${crypto.randomUUID()}`;
    const daemon = new Deno.Command("dbus-daemon", {
      args: ["--session", "--nofork", `--address=unix:abstract=${name}`, "--print-address=1"],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = daemon.stdout.pipeThrough(new TextDecoderStream()).getReader();
    try {
      let printed = "";
      while (!printed.includes("\n")) printed += (await reader.read()).value ?? "";
      const bus = await DBusConnection.connect(printed.trim());
      try {
        assert(bus.uniqueName.startsWith(":1."), bus.uniqueName);
        const dbus = {
          destination: "org.freedesktop.DBus",
          path: "/org/freedesktop/DBus",
          interface: "org.freedesktop.DBus",
        };
        const [names] = await bus.call({ ...dbus, member: "ListNames" });
        assert((names as string[]).includes(bus.uniqueName));
        const [owner] = await bus.call({
          ...dbus,
          member: "GetNameOwner",
          signature: "s",
          body: ["org.freedesktop.DBus"],
        });
        assertEquals(owner, "org.freedesktop.DBus");
        await assertRejects(
          () => bus.call({ ...dbus, member: "NoSuchMethod" }),
          DBusError,
          "org.freedesktop.DBus.Error.UnknownMethod",
        );
        // We never answer method calls, so a call to ourselves can only time out.
        const t0 = performance.now();
        await assertRejects(
          () => bus.call({ ...dbus, destination: bus.uniqueName, member: "Ping" }, 200),
          DBusConnectionError,
          "timed out after 200 ms",
        );
        assert(performance.now() - t0 < 1000);
      } finally {
        await bus.close();
      }
      await assertRejects(
        () => bus.call({ destination: "x.y", path: "/", interface: "x.y", member: "z" }),
        DBusConnectionError,
        "closed",
      );
    } finally {
      daemon.kill();
      await reader.cancel();
      await daemon.status;
    }
  },
);
