// The proxy listens on 127.0.0.1 here: tests never bind, alias or contact 169.254.169.254.
import { assertEquals, assertMatch } from "../tests/assert.ts";
import { request } from "node:http";
import { aliasCommands, startEc2Proxy } from "./ec2_proxy.ts";
import { startEc2Server } from "./ec2_server.ts";

function send(
  port: number,
  path: string,
  init: { method?: string; headers?: Record<string, string> },
) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      const req = request(
        { host: "127.0.0.1", port, path, method: init.method ?? "GET", headers: init.headers },
        (res) => {
          let body = "";
          res.on("data", (c) => body += c);
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        },
      );
      req.on("error", reject);
      req.end();
    },
  );
}

Deno.test("alias commands per OS (argv only; never run here)", () => {
  assertEquals(aliasCommands("linux"), {
    add: ["ip", "addr", "add", "169.254.169.254/24", "dev", "lo", "label", "lo:0"],
    remove: ["ip", "addr", "del", "169.254.169.254/24", "dev", "lo", "label", "lo:0"],
  });
  assertEquals(aliasCommands("darwin"), {
    add: ["ifconfig", "lo0", "alias", "169.254.169.254"],
    remove: ["ifconfig", "lo0", "-alias", "169.254.169.254"],
  });
  assertEquals(aliasCommands("freebsd").add, ["ifconfig", "lo0", "alias", "169.254.169.254"]);
  assertEquals(aliasCommands("windows").add, [
    "netsh",
    "interface",
    "ipv4",
    "add",
    "address",
    "Loopback Pseudo-Interface 1",
    "169.254.169.254",
    "255.255.0.0",
  ]);
  assertEquals(aliasCommands("windows").remove[3], "delete");
});

Deno.test("proxy forwards IMDSv2 to the emulator keeping the Host header, and /stop ends it", async () => {
  const creds = {
    retrieve: () =>
      Promise.resolve({ accessKeyId: "ASIAPROXY", secretAccessKey: "s", sessionToken: "t" }),
  };
  const server = startEc2Server({ credentials: creds, region: "us-east-2" });
  const proxy = startEc2Proxy({
    listen: { hostname: "127.0.0.1", port: 0 },
    targetPort: server.port,
  });
  try {
    const port = proxy.addr.port;
    const host = { host: "169.254.169.254" };
    const tok = await send(port, "/latest/api/token", {
      method: "PUT",
      headers: { ...host, "x-aws-ec2-metadata-token-ttl-seconds": "21600" },
    });
    assertEquals(tok.status, 200);
    assertEquals(tok.headers["x-aws-ec2-metadata-token-ttl-seconds"], "21600");
    const h = { ...host, "x-aws-ec2-metadata-token": tok.body };
    const role = await send(port, "/latest/meta-data/iam/security-credentials/", { headers: h });
    assertEquals([role.status, role.body], [200, "local-credentials"]);
    const doc = await send(port, "/latest/meta-data/iam/security-credentials/local-credentials", {
      headers: h,
    });
    assertEquals(JSON.parse(doc.body).AccessKeyId, "ASIAPROXY");
    // The emulator's DNS-rebinding guard still sees the client's Host through the proxy.
    const foreign = await send(port, "/latest/meta-data/instance-id/", {
      headers: { host: "attacker.example" },
    });
    assertEquals([foreign.status, foreign.body], [
      401,
      "Access denied for host 'attacker.example'",
    ]);
    const stop = await send(port, "/stop", { headers: host });
    assertEquals(stop.status, 200);
    await proxy.finished;
    await send(port, "/", { headers: host }).then(
      () => {
        throw new Error("the proxy still answers after /stop");
      },
      (err) => assertMatch(String(err), /ECONNREFUSED|refused/i),
    );
  } finally {
    await proxy.stop();
    await server.close();
  }
});

Deno.test("proxy answers 502 when the emulator is gone", async () => {
  const server = startEc2Server({
    credentials: { retrieve: () => Promise.reject(new Error("unused")) },
    region: "",
  });
  const deadPort = server.port;
  await server.close();
  const proxy = startEc2Proxy({ listen: { hostname: "127.0.0.1", port: 0 }, targetPort: deadPort });
  try {
    const res = await send(proxy.addr.port, "/latest/meta-data/", {
      headers: { host: "169.254.169.254" },
    });
    assertEquals(res.status, 502);
  } finally {
    await proxy.stop();
  }
});
