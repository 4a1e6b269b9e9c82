/**
 * The root-run helper behind `exec --ec2-server` (`aws-vault proxy`, aws-vault's
 * server/ec2proxy.go): it aliases 169.254.169.254 onto the loopback interface, listens on
 * 169.254.169.254:80 and forwards every request, original Host header included, to the EC2 metadata
 * emulator on 127.0.0.1. `/stop` shuts it down and removes the alias.
 *
 * Unlike aws-vault, whose emulator sits on the fixed port 9099, the target port is a parameter
 * (`proxy --target-port`), and the proxy itself refuses peers that are not local: behind it the
 * emulator only ever sees 127.0.0.1, so its own peer check cannot do that job.
 */
import { debug } from "../lib/log.ts";
import { errorMessage } from "../lib/errors.ts";
import { isLoopbackAddress } from "./http_common.ts";
import { type ServerRequest, startHttpServer } from "./http_server.ts";

export const IMDS_HOST = "169.254.169.254";
export const IMDS_PORT = 80;
/** aws-vault's fixed emulator port, the default target of `proxy`. */
export const DEFAULT_TARGET_PORT = 9099;

export interface ProxyAddress {
  hostname: string;
  port: number;
}

export interface AliasCommands {
  add: string[];
  remove: string[];
}

/** The argv that adds and removes the 169.254.169.254 loopback alias on `os`. */
export function aliasCommands(os: typeof Deno.build.os): AliasCommands {
  switch (os) {
    case "linux":
      return {
        add: ["ip", "addr", "add", `${IMDS_HOST}/24`, "dev", "lo", "label", "lo:0"],
        remove: ["ip", "addr", "del", `${IMDS_HOST}/24`, "dev", "lo", "label", "lo:0"],
      };
    case "darwin":
    case "freebsd":
    case "netbsd":
      return {
        add: ["ifconfig", "lo0", "alias", IMDS_HOST],
        remove: ["ifconfig", "lo0", "-alias", IMDS_HOST],
      };
    case "windows": {
      const iface = "Loopback Pseudo-Interface 1";
      return {
        add: ["netsh", "interface", "ipv4", "add", "address", iface, IMDS_HOST, "255.255.0.0"],
        remove: [
          "netsh",
          "interface",
          "ipv4",
          "delete",
          "address",
          iface,
          IMDS_HOST,
          "255.255.0.0",
        ],
      };
    }
    default:
      throw new Error(`cannot alias ${IMDS_HOST} on ${os}`);
  }
}

export interface Ec2ProxyOptions {
  /** Where to listen; 169.254.169.254:80 unless a test says otherwise. */
  listen?: ProxyAddress;
  /** The emulator's port on 127.0.0.1. */
  targetPort: number;
}

export interface Ec2Proxy {
  addr: ProxyAddress;
  /** Resolves once the proxy has stopped (after `/stop` or `stop()`). */
  finished: Promise<void>;
  stop(): Promise<void>;
}

/** Starts forwarding. Does not touch interfaces: see `runProxy` for the alias handling. */
export function startEc2Proxy(options: Ec2ProxyOptions): Ec2Proxy {
  const listen = options.listen ?? { hostname: IMDS_HOST, port: IMDS_PORT };
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= server.shutdown();
    return stopping;
  };
  const server = startHttpServer(
    { hostname: listen.hostname, port: listen.port },
    async (req, info) => {
      const peer = info.remoteAddr.hostname;
      if (!isLoopbackAddress(peer) && peer !== listen.hostname) {
        return new Response("Access denied from non-localhost address", { status: 401 });
      }
      const url = new URL(req.url);
      if (url.pathname === "/stop") {
        debug("proxy: stop requested");
        setTimeout(stop, 0);
        return new Response("");
      }
      try {
        return await forward(req, url, options.targetPort);
      } catch (err) {
        debug(`proxy: forwarding ${req.method} ${url.pathname} failed: ${errorMessage(err)}`);
        return new Response("Bad Gateway", { status: 502 });
      }
    },
  );
  const addr = server.addr;
  return { addr: { hostname: addr.hostname, port: addr.port }, finished: server.finished, stop };
}

/** Headers that belong to one connection and must not be forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "content-length",
]);

/** Forwards one request with node:http, the only client here that keeps the original Host. */
async function forward(req: ServerRequest, url: URL, targetPort: number): Promise<Response> {
  const { request } = await import("node:http");
  const body = req.bytes ?? undefined;
  const headers: Record<string, string> = {};
  req.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name)) headers[name] = value;
  });
  if (body) headers["content-length"] = String(body.length);
  return await new Promise<Response>((resolve, reject) => {
    const out = request({
      host: "127.0.0.1",
      port: targetPort,
      method: req.method,
      path: url.pathname + url.search,
      headers,
    }, (res) => {
      const chunks: Uint8Array[] = [];
      res.on("data", (chunk: Uint8Array) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value === undefined || HOP_BY_HOP.has(name)) continue;
          for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(name, v);
        }
        const status = res.statusCode ?? 502;
        const nullBody = status === 204 || status === 304 || req.method === "HEAD";
        resolve(
          new Response(nullBody ? null : concat(chunks), { status, headers: responseHeaders }),
        );
      });
    });
    out.on("error", reject);
    out.end(body);
  });
}

function concat(chunks: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/**
 * `aws-vault proxy`: aliases the address (when listening on 169.254.169.254), serves until `/stop`
 * or SIGINT/SIGTERM, then removes the alias.
 */
export async function runProxy(options: Ec2ProxyOptions): Promise<void> {
  const listen = options.listen ?? { hostname: IMDS_HOST, port: IMDS_PORT };
  const alias = listen.hostname === IMDS_HOST ? aliasCommands(Deno.build.os) : undefined;
  if (alias) await runTolerant(alias.add);
  const proxy = startEc2Proxy({ ...options, listen });
  debug(`proxy: forwarding ${listen.hostname}:${listen.port} to 127.0.0.1:${options.targetPort}`);
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const onSignal = () => void proxy.stop();
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  try {
    await proxy.finished;
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
    if (alias) await runTolerant(alias.remove);
  }
}

/**
 * Runs an alias command; "already exists" and similar outcomes are only logged, as aws-vault does.
 */
async function runTolerant(argv: string[]): Promise<void> {
  try {
    const out = await new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      debug(`proxy: ${argv.join(" ")}: ${new TextDecoder().decode(out.stderr).trim()}`);
    }
  } catch (err) {
    debug(`proxy: ${argv.join(" ")}: ${errorMessage(err)}`);
  }
}

/** `proxy --stop`: asks a running proxy to shut down (GET http://169.254.169.254:80/stop). */
export async function requestProxyStop(
  listen: ProxyAddress = { hostname: IMDS_HOST, port: IMDS_PORT },
): Promise<void> {
  const res = await fetch(`http://${listen.hostname}:${listen.port}/stop`, {
    signal: AbortSignal.timeout(5000),
  });
  await res.body?.cancel();
}
