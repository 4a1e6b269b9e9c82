/**
 * Benchmark of the ECS credential server with cached credentials:
 *   deno run -A scripts/bench_ecs_server.ts [--seconds 5] [--connections 32]
 * The server runs in a subprocess (as in `exec --ecs-server`, where it shares nothing with the
 * client), the client keeps N requests in flight over keep-alive connections for a bounded time,
 * then prints requests/s and latency percentiles.
 */
import { CredentialCache } from "../server/credential_cache.ts";
import { ecsHandler, startEcsServer } from "../server/ecs_server.ts";
import { pathFromFileUrl } from "../lib/file_url.ts";

function option(name: string, fallback: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
}

function benchCache(): CredentialCache {
  return new CredentialCache({
    retrieve: () =>
      Promise.resolve({
        accessKeyId: "ASIABENCHMARK0000000",
        secretAccessKey: "s".repeat(40),
        sessionToken: "t".repeat(700),
        expiration: new Date(Date.now() + 3_600_000),
        accountId: "123456789012",
      }),
  });
}

async function serve(): Promise<void> {
  const cache = benchCache();
  await cache.retrieve();
  const server = startEcsServer({ credentials: cache });
  console.log(`${server.url} ${server.token}`);
  // Serve until the parent closes our stdin.
  for await (const _ of Deno.stdin.readable) { /* wait */ }
  await server.close();
}

async function bench(): Promise<void> {
  const seconds = option("seconds", 5);
  const connections = option("connections", 32);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", pathFromFileUrl(import.meta.url), "--serve"],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let line = "";
  while (!line.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("server did not start");
    line += value;
  }
  void reader.cancel();
  const [url, token] = line.trim().split(" ");
  const target = new URL(url);
  const { Agent, request } = await import("node:http");
  // node:http over a keep-alive agent is a lighter client than fetch(), so more of the measured
  // time is the server's.
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const get = () =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({
        agent,
        host: target.hostname,
        port: Number(target.port),
        path: "/",
        headers: { authorization: token },
      }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => body += c);
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end();
    });

  const latencies: number[] = [];
  let errors = 0;
  const warmupEnd = performance.now() + 500;
  const end = warmupEnd + seconds * 1000;
  // The server's own CPU time over the measured window (Linux): what a request costs it,
  // whatever the load on the machine does to latencies.
  let cpuStart: number | undefined;
  setTimeout(() => cpuStart = cpuMs(child.pid), warmupEnd - performance.now());
  let cpuEnd: number | undefined;
  setTimeout(() => cpuEnd = cpuMs(child.pid), end - performance.now());
  async function worker() {
    while (performance.now() < end) {
      const start = performance.now();
      const { status, body } = await get();
      const took = performance.now() - start;
      if (status !== 200 || !body.includes("ASIABENCHMARK")) errors++;
      else if (start >= warmupEnd) latencies.push(took);
    }
  }
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
  await child.stdin.close();
  await child.status;

  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
  console.log(
    `ECS server, cached credentials, ${connections} concurrent connections, ${seconds} s`,
  );
  console.log(`requests: ${latencies.length}, errors: ${errors}`);
  console.log(`requests/s: ${Math.round(latencies.length / seconds)}`);
  console.log(
    `latency ms: p50 ${pct(0.5).toFixed(2)}, p90 ${pct(0.9).toFixed(2)}, ` +
      `p99 ${pct(0.99).toFixed(2)}, max ${latencies[latencies.length - 1].toFixed(2)}`,
  );
  if (cpuStart !== undefined && cpuEnd !== undefined) {
    const perRequest = ((cpuEnd - cpuStart) / latencies.length) * 1000;
    console.log(`server CPU (user + system): ${perRequest.toFixed(1)} µs per request`);
  }
}

/** utime + stime of `pid` in ms from /proc (clock ticks of 10 ms); undefined off Linux. */
function cpuMs(pid: number): number | undefined {
  try {
    const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** The request handler alone, without sockets: what the server itself costs per request. */
async function benchHandler(): Promise<void> {
  const cache = benchCache();
  await cache.retrieve();
  const handler = ecsHandler({ credentials: cache, token: "t".repeat(40) });
  // What the HTTP server hands a handler (server/http_server.ts ServerRequest).
  const headers = new Headers({ authorization: "t".repeat(40) });
  const req = () => ({ method: "GET", url: "http://127.0.0.1:1/", headers });
  for (let i = 0; i < 5_000; i++) await (await handler(req())).text();
  const n = 100_000;
  const start = performance.now();
  for (let i = 0; i < n; i++) await (await handler(req())).text();
  const perRequest = ((performance.now() - start) / n) * 1000;
  console.log(`handler alone (no sockets): ${perRequest.toFixed(1)} µs per request`);
}

if (import.meta.main) {
  if (Deno.args.includes("--serve")) await serve();
  else {
    await bench();
    await benchHandler();
  }
}
