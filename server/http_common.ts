/** Small pieces shared by the credential servers and the EC2 proxy. */
import { debug, isDebug } from "../lib/log.ts";
import { formatDuration } from "../lib/duration.ts";
import type { RequestHead, RequestInfo } from "./http_server.ts";

/** `n` random bytes as base64url without padding (30 bytes give aws-vault's 40-character token). */
export function randomToken(bytes: number): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  let binary = "";
  for (const b of raw) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const encoder = new TextEncoder();

/**
 * Compares two strings in time that depends only on their lengths, so that the token cannot be
 * guessed byte by byte from response times.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ (y[i % (y.length || 1)] ?? 0);
  return diff === 0;
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback (`::ffff:127.0.0.1`). */
export function isLoopbackAddress(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  const v4 = h.startsWith("::ffff:") ? h.slice(7) : h;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** `host:port` of a connection, as Go prints a RemoteAddr. */
export function remoteAddress(info: RequestInfo): string {
  const addr = info.remoteAddr;
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

/**
 * Wraps a handler so that every request is logged at debug level as aws-vault does:
 * `http: <remote>: <code> <METHOD> <path> (<duration>)`. Only the path is logged (no query, no
 * headers), so tokens and credentials never reach the log.
 */
export function withRequestLog<R extends RequestHead>(
  handler: (req: R, info: RequestInfo) => Response | Promise<Response>,
): (req: R, info: RequestInfo) => Promise<Response> {
  // --debug is settled before any server starts; without it, requests skip the wrapper entirely.
  if (!isDebug()) return async (req, info) => await handler(req, info);
  return async (req, info) => {
    const start = performance.now();
    const res = await handler(req, info);
    const path = new URL(req.url).pathname;
    const took = formatDuration(Math.round((performance.now() - start) * 1000) / 1000);
    debug(`http: ${remoteAddress(info)}: ${res.status} ${req.method} ${path} (${took})`);
    return res;
  };
}

/** A JSON response body as aws-vault writes it (Go's encoder adds a newline). */
export function jsonResponse(
  status: number,
  body: Record<string, string>,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body) + "\n", {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}
