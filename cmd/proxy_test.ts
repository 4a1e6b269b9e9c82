// `aws-vault proxy` through the CLI, listening on 127.0.0.1 (never 169.254.169.254 in tests: with
// any other --listen address the alias commands are not run).
import { assert, assertEquals, assertStringIncludes } from "../tests/assert.ts";
import { baseEnv, cliCommand, runCli, tempHome } from "../tests/run_cli.ts";
import { startEc2Server } from "../server/ec2_server.ts";
import { request } from "node:http";

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

function getVia(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path, headers: { host: "169.254.169.254" } },
      (res) => {
        let body = "";
        res.on("data", (c) => body += c);
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

Deno.test("proxy forwards to --target-port until `proxy --stop`", async () => {
  const { home, cleanup } = await tempHome();
  const server = startEc2Server({
    credentials: {
      retrieve: () =>
        Promise.resolve({ accessKeyId: "ASIAP", secretAccessKey: "s", sessionToken: "t" }),
    },
    region: "",
  });
  const listen = `127.0.0.1:${freePort()}`;
  const [exe, ...pre] = cliCommand();
  const proxy = new Deno.Command(exe, {
    args: [...pre, "proxy", "--listen", listen, "--target-port", String(server.port)],
    env: baseEnv(home),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  try {
    const port = Number(listen.split(":")[1]);
    let answer: { status: number; body: string } | undefined;
    for (let i = 0; i < 200 && !answer; i++) {
      answer = await getVia(port, "/latest/meta-data/instance-id/").catch(() => undefined);
      if (!answer) await new Promise((r) => setTimeout(r, 25));
    }
    assertEquals(answer, { status: 200, body: "aws-vault" });
    const stop = await runCli(["proxy", "--stop", "--listen", listen], { home });
    assertEquals(stop.code, 0, stop.stderr);
    const out = await proxy.output();
    assertEquals(out.code, 0);
    assertEquals(new TextDecoder().decode(out.stderr), "");
  } finally {
    try {
      proxy.kill();
    } catch { /* already exited */ }
    await server.close();
    await cleanup();
  }
});

Deno.test("proxy rejects a bad --target-port and reports a proxy that is not running", async () => {
  const { home, cleanup } = await tempHome();
  try {
    const bad = await runCli(["proxy", "--target-port", "http"], { home });
    assertEquals(bad.code, 1);
    assertStringIncludes(
      bad.stderr,
      "invalid value for --target-port: 'http' is not a port number",
    );
    const none = await runCli(["proxy", "--stop", "--listen", `127.0.0.1:${freePort()}`], { home });
    assertEquals(none.code, 1);
    assert(none.stderr.startsWith("aws-vault: error: proxy: stopping the proxy on 127.0.0.1:"));
  } finally {
    await cleanup();
  }
});
