/**
 * The credential servers' HTTP/1.1 server over real loopback sockets: keep-alive and pipelining,
 * bad and oversized requests, the idle and header timeouts, and the connection cap.
 */
import { assert, assertEquals } from "../tests/assert.ts";
import { type HttpServerOptions, startHttpServer } from "./http_server.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function serve(options: Partial<HttpServerOptions> = {}) {
  return startHttpServer(
    { hostname: "127.0.0.1", port: 0, ...options },
    (req, info) =>
      new Response(`${req.method} ${new URL(req.url).pathname} ${info.remoteAddr.hostname}`, {
        headers: { "content-type": "text/plain" },
      }),
  );
}

/** Everything the server sends on `conn` until it closes it (or `ms` pass: then "TIMEOUT"). */
async function readUntilClosed(conn: Deno.Conn, ms = 5_000): Promise<string> {
  let out = "";
  const buf = new Uint8Array(4096);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), ms));
  try {
    for (;;) {
      const n = await Promise.race([conn.read(buf).catch(() => null), timeout]);
      if (n === "timeout") return out + "TIMEOUT";
      if (n === null) return out;
      out += decoder.decode(buf.subarray(0, n));
    }
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  }
}

async function connect(port: number): Promise<Deno.TcpConn> {
  return await Deno.connect({ hostname: "127.0.0.1", port });
}

Deno.test("http server: keep-alive, pipelined requests, then Connection: close", async () => {
  const server = serve();
  try {
    const conn = await connect(server.addr.port);
    await conn.write(encoder.encode(
      "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b?q=1 HTTP/1.1\r\nHost: x\r\n\r\n" +
        "HEAD /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ));
    const text = await readUntilClosed(conn);
    const statuses = text.match(/HTTP\/1\.1 \d+ OK\r\n/g);
    assertEquals(statuses?.length, 3, text);
    assert(text.includes("\r\n\r\nGET /a 127.0.0.1"), text);
    assert(text.includes("\r\n\r\nGET /b 127.0.0.1"), text);
    assert(text.includes("content-length: 17\r\nconnection: close\r\n\r\n"), text);
    assert(text.endsWith("\r\n\r\n"), "a HEAD response has no body");
  } finally {
    await server.shutdown();
  }
});

Deno.test("http server: malformed, chunked and oversized requests get an error and a close", async () => {
  const server = serve({ maxHeadBytes: 1024 });
  try {
    const cases: Array<[string, string]> = [
      ["GET /\r\n\r\n", "400"],
      ["GET / HTTP/1.1\r\nHost : x\r\n\r\n", "400"],
      ["GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", "501"],
      ["GET / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", "413"],
      [`GET / HTTP/1.1\r\nX: ${"a".repeat(2000)}\r\n\r\n`, "431"],
    ];
    for (const [request, status] of cases) {
      const conn = await connect(server.addr.port);
      await conn.write(encoder.encode(request));
      const text = await readUntilClosed(conn);
      assertEquals(text.slice(0, 12), `HTTP/1.1 ${status}`, JSON.stringify(request.slice(0, 40)));
    }
  } finally {
    await server.shutdown();
  }
});

Deno.test("http server: idle connections and half-sent heads are closed after their timeouts", async () => {
  const server = serve({ idleTimeoutMs: 300, headerTimeoutMs: 300 });
  try {
    const idle = await connect(server.addr.port);
    const half = await connect(server.addr.port);
    await half.write(encoder.encode("GET / HTTP/1.1\r\nHost: x\r\n"));
    const t = performance.now();
    const [idleText, halfText] = await Promise.all([readUntilClosed(idle), readUntilClosed(half)]);
    assertEquals([idleText, halfText], ["", ""]);
    assert(performance.now() - t < 3_000, "closed well within the bound");
    assertEquals(server.connections, 0);
  } finally {
    await server.shutdown();
  }
});

Deno.test("http server: beyond the cap, a newcomer replaces the longest-waiting idle connection", async () => {
  const server = serve({ maxConnections: 4 });
  try {
    const idle: Deno.TcpConn[] = [];
    for (let i = 0; i < 10; i++) idle.push(await connect(server.addr.port));
    const fresh = await connect(server.addr.port);
    await fresh.write(encoder.encode("GET /fresh HTTP/1.1\r\nConnection: close\r\n\r\n"));
    assert((await readUntilClosed(fresh)).includes("GET /fresh"));
    // The first idle connections were closed to make room; the server holds at most 4.
    assertEquals(await readUntilClosed(idle[0], 2_000), "");
    assert(server.connections <= 4, `${server.connections} connections open`);
    for (const c of idle.slice(1)) c.close();
  } finally {
    await server.shutdown();
  }
});

Deno.test("http server: a handler that throws answers 500 on that request only", async () => {
  let calls = 0;
  const server = startHttpServer({ hostname: "127.0.0.1", port: 0 }, () => {
    if (++calls === 1) throw new Error("boom");
    return new Response("fine");
  });
  try {
    const conn = await connect(server.addr.port);
    await conn.write(
      encoder.encode("GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nConnection: close\r\n\r\n"),
    );
    const text = await readUntilClosed(conn);
    assertEquals(text.match(/HTTP\/1\.1 \d+/g), ["HTTP/1.1 500", "HTTP/1.1 200"]);
    assert(text.endsWith("\r\n\r\nfine"), text);
  } finally {
    await server.shutdown();
  }
});
