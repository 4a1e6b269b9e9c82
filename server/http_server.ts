/**
 * A small HTTP/1.1 server for the loopback credential servers, on our own accept loop. Deno.serve
 * owns its accept loop, and when accept(2) fails with EMFILE it rejects a promise nobody can catch:
 * any local process that opens idle connections up to the descriptor limit ends the process
 * (`Uncaught (in promise) Http: Error: Too many open files`) and with it the `exec` child (issue
 * 10). Here every failure stays inside the server:
 *
 * - At most `maxConnections` connections are open. A new one beyond that replaces the connection
 *   that has waited longest for a request (an idle keep-alive or a half-sent head); when every
 *   connection is busy in a handler, the new one is closed at once.
 * - accept(2) failing with EMFILE/ENFILE closes the longest-waiting connection and lowers the cap
 *   below the number open, so that outgoing STS calls keep a few descriptors; with nothing to
 *   close it backs off (up to a second) instead of spinning. The cap climbs back by one a sweep,
 *   so the server returns to full service once descriptors are free again.
 * - A connection gets `idleTimeoutMs` to start its next request and `headerTimeoutMs` to finish a
 *   request head (slow or half-sent requests), `writeTimeoutMs` to take its response.
 * - Heads are limited to `maxHeadBytes`, bodies to MAX_BODY_BYTES (IMDS and ECS requests have
 *   none); chunked bodies are refused.
 *
 * Handlers see a request through ServerRequest (method, url, headers, body bytes) and return a
 * standard `Response`. Responses carry Content-Length; connections are kept alive unless the client says
 * otherwise (RFC 9112 section 9.3).
 */
import { debug } from "../lib/log.ts";
import { errorMessage } from "../lib/errors.ts";

/** What a handler learns about the connection (the subset of Deno.ServeHandlerInfo we use). */
export interface RequestInfo {
  remoteAddr: Deno.NetAddr;
}

/**
 * What a handler reads of a request: the parts of a standard `Request` the servers use (a real
 * `Request` is one), plus the body bytes. Building a full `Request` per request cost 10-25 µs,
 * more than everything else the server does for a cached ECS answer.
 */
export interface ServerRequest {
  readonly method: string;
  /** Absolute: our own origin, then the request's path and query. */
  readonly url: string;
  readonly headers: Headers;
  /** The body (Content-Length bytes), null when there is none. */
  readonly bytes: Uint8Array | null;
}

/** The request parts the credential handlers read; a standard `Request` has them too. */
export type RequestHead = Pick<ServerRequest, "method" | "url" | "headers">;

type Handler = (req: ServerRequest, info: RequestInfo) => Response | Promise<Response>;

export interface HttpServerOptions {
  hostname: string;
  port: number;
  maxConnections?: number;
  idleTimeoutMs?: number;
  headerTimeoutMs?: number;
  writeTimeoutMs?: number;
  maxHeadBytes?: number;
}

export interface HttpServer {
  addr: Deno.NetAddr;
  /** Resolves once the server has shut down. */
  finished: Promise<void>;
  /** Connections open now (for tests and debugging). */
  readonly connections: number;
  /** Stops accepting, closes idle connections and waits for the requests in progress. */
  shutdown(): Promise<void>;
}

/** SDKs use one or two connections; a cap well under common descriptor limits (macOS: 256). */
const DEFAULT_MAX_CONNECTIONS = 128;
const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
const DEFAULT_HEADER_TIMEOUT_MS = 10_000;
const DEFAULT_WRITE_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_HEAD_BYTES = 16 * 1024;
const MAX_BODY_BYTES = 64 * 1024;
const MAX_HEADERS = 100;
/** Descriptors left for outgoing calls when the cap is lowered after EMFILE. */
const DESCRIPTOR_HEADROOM = 8;

const REASONS: Record<number, string> = {
  200: "OK",
  301: "Moved Permanently",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  413: "Content Too Large",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

interface Connection {
  conn: Deno.TcpConn;
  /** In a handler or writing: not to be replaced by a newcomer. */
  busy: boolean;
  /** Whether some bytes of the next request have arrived. */
  started: boolean;
  /** When the current wait (for a request, or for the client to take a response) began. */
  since: number;
  closed: boolean;
}

class ProtocolError extends Error {
  constructor(readonly status: number) {
    super(REASONS[status] ?? String(status));
  }
}

const latin1 = new TextDecoder("latin1");
const encoder = new TextEncoder();

/** Starts serving `handler` on `hostname:port` (port 0: one the OS picks). */
export function startHttpServer(options: HttpServerOptions, handler: Handler): HttpServer {
  const listener = Deno.listen({ hostname: options.hostname, port: options.port });
  const addr = listener.addr as Deno.NetAddr;
  const idleTimeout = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const headerTimeout = options.headerTimeoutMs ?? DEFAULT_HEADER_TIMEOUT_MS;
  const writeTimeout = options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS;
  const maxHead = options.maxHeadBytes ?? DEFAULT_MAX_HEAD_BYTES;
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  /** The cap now: lowered on EMFILE, raised back by one a sweep once descriptors are free. */
  let cap = maxConnections;
  const open = new Set<Connection>();
  const tasks = new Set<Promise<void>>();
  let closing = false;

  const close = (c: Connection) => {
    if (c.closed) return;
    c.closed = true;
    try {
      c.conn.close();
    } catch {
      // Already closed by the peer's side of a failed read or write.
    }
  };

  /** The connection that has waited longest for its next request, if any is waiting. */
  const longestWaiting = (): Connection | undefined => {
    let oldest: Connection | undefined;
    for (const c of open) {
      if (!c.busy && !c.closed && (!oldest || c.since < oldest.since)) oldest = c;
    }
    return oldest;
  };

  // One sweep a quarter of the shortest timeout: a timer per request would cost more.
  const sweepEvery = Math.max(10, Math.min(idleTimeout, headerTimeout, writeTimeout) / 4);
  const sweeper = setInterval(() => {
    if (cap < maxConnections) cap++;
    const now = performance.now();
    for (const c of open) {
      const limit = c.busy ? writeTimeout : c.started ? headerTimeout : idleTimeout;
      // A busy connection only times out while it writes (`since` is reset when writing starts);
      // a handler waiting on STS is bounded by the STS client.
      if (c.busy && c.since === 0) continue;
      if (now - c.since > limit) close(c);
    }
  }, sweepEvery);
  Deno.unrefTimer(sweeper);

  const serveConnection = async (c: Connection) => {
    const remoteAddr = c.conn.remoteAddr;
    let buf = new Uint8Array(4096);
    let len = 0;
    try {
      while (!closing && !c.closed) {
        c.busy = false;
        c.since = performance.now();
        c.started = len > 0;
        let end = headEnd(buf, 0, len);
        while (end < 0) {
          if (len >= maxHead) throw new ProtocolError(431);
          if (len === buf.length) buf = grow(buf, Math.min(buf.length * 2, maxHead));
          const n = await c.conn.read(buf.subarray(len));
          if (n === null) return;
          if (len === 0 && n > 0) {
            c.started = true;
            c.since = performance.now();
          }
          const from = Math.max(0, len - 3);
          len += n;
          end = headEnd(buf, from, len);
        }
        if (end > maxHead) throw new ProtocolError(431);
        const head = parseHead(latin1.decode(buf.subarray(0, end)));
        const consumed = end + head.bodyLength;
        while (len < consumed) {
          if (consumed > buf.length) buf = grow(buf, consumed);
          const n = await c.conn.read(buf.subarray(len));
          if (n === null) return;
          len += n;
        }
        c.busy = true;
        c.since = 0;
        const keepAlive = !closing && wantsKeepAlive(head);
        const url = requestUrl(head.target, addr);
        let res: Response;
        try {
          const bytes = head.bodyLength > 0 ? buf.slice(end, consumed) : null;
          res = await handler({ method: head.method, url, headers: head.headers, bytes }, {
            remoteAddr,
          });
        } catch (err) {
          debug(`http: handler failed: ${errorMessage(err)}`);
          res = new Response("Internal Server Error\n", { status: 500 });
        }
        const body = new Uint8Array(await res.arrayBuffer());
        c.since = performance.now();
        await writeAll(c.conn, serializeResponse(res, body, keepAlive, head.method === "HEAD"));
        buf.copyWithin(0, consumed, len);
        len -= consumed;
        if (!keepAlive) return;
      }
    } catch (err) {
      if (err instanceof ProtocolError && !c.closed) {
        // Best effort: the client may be gone or not reading.
        const res = new Response(err.message + "\n", { status: err.status });
        const body = encoder.encode(err.message + "\n");
        c.since = performance.now();
        c.busy = true;
        await writeAll(c.conn, serializeResponse(res, body, false, false)).catch(() => {});
      }
      // Resets, timeouts (we closed the connection) and bad requests end this connection only.
    } finally {
      close(c);
      open.delete(c);
    }
  };

  const acceptLoop = async () => {
    let backoff = 10;
    while (!closing) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch (err) {
        if (closing || err instanceof Deno.errors.BadResource) return;
        const code = (err as { code?: string }).code;
        const waiting = longestWaiting();
        if ((code === "EMFILE" || code === "ENFILE") && waiting) {
          // Out of descriptors: make room and keep some for outgoing calls from now on.
          cap = Math.max(1, Math.min(cap, open.size - DESCRIPTOR_HEADROOM));
          debug(`http: ${code} with ${open.size} connections; limit now ${cap}`);
          close(waiting);
          await new Promise((r) => setTimeout(r, 0));
          continue;
        }
        debug(`http: accept failed (${errorMessage(err)}); retrying in ${backoff} ms`);
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 1000);
        continue;
      }
      backoff = 10;
      if (closing) {
        conn.close();
        return;
      }
      if (open.size >= cap) {
        const waiting = longestWaiting();
        if (!waiting) {
          conn.close();
          continue;
        }
        close(waiting);
      }
      try {
        conn.setNoDelay(true);
      } catch {
        // Not fatal: responses go out in one write anyway.
      }
      const c: Connection = {
        conn,
        busy: false,
        started: false,
        since: performance.now(),
        closed: false,
      };
      open.add(c);
      const task = serveConnection(c).catch((err) => debug(`http: ${errorMessage(err)}`));
      tasks.add(task);
      task.finally(() => tasks.delete(task));
    }
  };
  const accepting = acceptLoop().catch((err) => debug(`http: accept loop: ${errorMessage(err)}`));

  let finish!: () => void;
  const finished = new Promise<void>((resolve) => finish = resolve);
  let shuttingDown: Promise<void> | undefined;
  const shutdown = async () => {
    closing = true;
    try {
      listener.close();
    } catch {
      // Already closed.
    }
    clearInterval(sweeper);
    for (const c of open) if (!c.busy) close(c);
    await accepting;
    await Promise.allSettled([...tasks]);
    finish();
  };
  return {
    addr,
    finished,
    get connections() {
      return open.size;
    },
    shutdown: () => shuttingDown ??= shutdown(),
  };
}

/** The index just past the blank line that ends a head in buf[0..len], or -1. */
function headEnd(buf: Uint8Array, from: number, len: number): number {
  for (let i = Math.max(from, 1); i < len; i++) {
    if (buf[i] !== 10) continue;
    // "\n\n" or "\n\r\n" (bare LF line ends are accepted, as Go's server does).
    if (buf[i - 1] === 10 || (buf[i - 1] === 13 && i >= 2 && buf[i - 2] === 10)) return i + 1;
  }
  return -1;
}

function grow(buf: Uint8Array, size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  out.set(buf);
  return out;
}

interface Head {
  method: string;
  target: string;
  version: string;
  headers: Headers;
  bodyLength: number;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function parseHead(text: string): Head {
  const lines = text.split(/\r?\n/);
  // RFC 9112 section 2.2: ignore at least one empty line before the request line.
  while (lines.length > 0 && lines[0] === "") lines.shift();
  const parts = (lines.shift() ?? "").split(" ");
  if (parts.length !== 3) throw new ProtocolError(400);
  const [method, target, version] = parts;
  if (!TOKEN.test(method) || !/^HTTP\/1\.[01]$/.test(version) || target === "") {
    throw new ProtocolError(400);
  }
  const headers = new Headers();
  let count = 0;
  for (const line of lines) {
    if (line === "") continue;
    if (++count > MAX_HEADERS) throw new ProtocolError(431);
    const colon = line.indexOf(":");
    const name = line.slice(0, colon);
    // No space before the colon (RFC 9112 section 5.1), no obsolete line folding.
    if (colon <= 0 || !TOKEN.test(name)) throw new ProtocolError(400);
    try {
      headers.append(name, line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, ""));
    } catch {
      throw new ProtocolError(400);
    }
  }
  if (headers.has("transfer-encoding")) throw new ProtocolError(501);
  const lengthText = headers.get("content-length");
  let bodyLength = 0;
  if (lengthText !== null) {
    if (!/^\d{1,9}$/.test(lengthText)) throw new ProtocolError(400);
    bodyLength = Number(lengthText);
    if (bodyLength > MAX_BODY_BYTES) throw new ProtocolError(413);
  }
  return { method, target, version, headers, bodyLength };
}

function wantsKeepAlive(head: Head): boolean {
  const connection = (head.headers.get("connection") ?? "").toLowerCase();
  if (head.version === "HTTP/1.0") return /(^|,)\s*keep-alive\s*(,|$)/.test(connection);
  return !/(^|,)\s*close\s*(,|$)/.test(connection);
}

/** The request URL: our own origin and the target's path and query (absolute-form included). */
function requestUrl(target: string, addr: Deno.NetAddr): string {
  const origin = `http://${addr.hostname}:${addr.port}`;
  if (target.startsWith("/")) return origin + target;
  if (/^https?:\/\//i.test(target)) {
    try {
      const u = new URL(target);
      return origin + u.pathname + u.search;
    } catch {
      throw new ProtocolError(400);
    }
  }
  throw new ProtocolError(400);
}

let dateSecond = 0;
let dateText = "";

/** The IMF-fixdate of now, computed once a second. */
function httpDate(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

function serializeResponse(
  res: Response,
  body: Uint8Array,
  keepAlive: boolean,
  isHead: boolean,
): Uint8Array {
  let head = `HTTP/1.1 ${res.status} ${REASONS[res.status] ?? ""}\r\n`;
  for (const [name, value] of res.headers) {
    if (name === "content-length" || name === "connection" || name === "transfer-encoding") {
      continue;
    }
    head += `${name}: ${value}\r\n`;
  }
  head += `date: ${httpDate()}\r\ncontent-length: ${body.length}\r\n`;
  if (!keepAlive) head += "connection: close\r\n";
  const headBytes = encoder.encode(head + "\r\n");
  // A response to HEAD has the length of the body it would have had, and no body.
  const out = new Uint8Array(headBytes.length + (isHead ? 0 : body.length));
  out.set(headBytes);
  if (!isHead) out.set(body, headBytes.length);
  return out;
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
}
