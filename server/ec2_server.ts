/**
 * The EC2 instance metadata emulator behind `exec --ec2-server` (aws-vault's server/ec2server.go),
 * with IMDSv2 added: `PUT /latest/api/token` hands out session tokens, and a GET carrying
 * `X-aws-ec2-metadata-token` must present a valid one. GETs without that header are IMDSv1 and
 * allowed, as in aws-vault.
 *
 * It always listens on a random loopback port; the child finds it through
 * AWS_EC2_METADATA_SERVICE_ENDPOINT, and older SDKs through the root proxy on 169.254.169.254:80.
 */
import type { Credentials, CredentialsProvider } from "../lib/credentials.ts";
import { iso8601 } from "../lib/credentials.ts";
import { errorMessage } from "../lib/errors.ts";
import { isLoopbackAddress, randomToken, withRequestLog } from "./http_common.ts";
import { type RequestHead, type RequestInfo, startHttpServer } from "./http_server.ts";

export const IMDS_ADDRESS = "169.254.169.254";
/** The role name SDKs see in the listing; aws-vault's. */
export const ROLE_NAME = "local-credentials";
/** Maximum IMDSv2 token lifetime (6 hours), as on EC2. */
export const MAX_TOKEN_TTL_SECONDS = 21600;
/** Bound on remembered tokens, so a client looping on PUT cannot grow memory without limit. */
const MAX_TOKENS = 10_000;

export interface Ec2ServerOptions {
  credentials: CredentialsProvider;
  /** Region for the identity document; "" when unknown. */
  region: string;
  now?: () => number;
}

export interface Ec2Server {
  /** `http://127.0.0.1:<port>/`, the value for AWS_EC2_METADATA_SERVICE_ENDPOINT. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts the emulator on 127.0.0.1 and a port the OS picks. */
export function startEc2Server(options: Ec2ServerOptions): Ec2Server {
  let port = 0;
  const handler = ec2Handler({ ...options, ownHost: () => `127.0.0.1:${port}` });
  const server = startHttpServer({ hostname: "127.0.0.1", port: 0 }, withRequestLog(handler));
  port = server.addr.port;
  return { url: `http://127.0.0.1:${port}/`, port, close: () => server.shutdown() };
}

type Route = () => Response | Promise<Response>;

/** The request handler; `ownHost` is the `Host` value of direct requests (`127.0.0.1:<port>`). */
export function ec2Handler(
  options: Ec2ServerOptions & { ownHost: () => string },
): (req: RequestHead, info: RequestInfo) => Promise<Response> {
  const now = options.now ?? Date.now;
  const tokens = new Map<string, number>();

  const credentialsRoute: Route = async () => {
    let creds: Credentials;
    try {
      creds = await options.credentials.retrieve();
    } catch (err) {
      // aws-vault: 504 with the error as plain text.
      return text(504, errorMessage(err));
    }
    return new Response(JSON.stringify(instanceCredentialsJson(creds, now())) + "\n", {
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  };
  // Go ServeMux semantics: a pattern ending in "/" matches its whole subtree.
  const routes: Array<[string, Route]> = [
    ["/latest/meta-data/iam/security-credentials/", () => text(200, ROLE_NAME)],
    [`/latest/meta-data/iam/security-credentials/${ROLE_NAME}`, credentialsRoute],
    ["/latest/meta-data/instance-id/", () => text(200, "aws-vault")],
    ["/latest/meta-data/iam/info/", () => text(200, '{"Code" : "Success"}')],
    [
      "/latest/dynamic/instance-identity/document",
      () => text(200, `{"region": ${JSON.stringify(options.region)}}`),
    ],
    [
      "/latest/meta-data/placement/region",
      () => options.region ? text(200, options.region) : text(404, "Not Found"),
    ],
  ];

  return async (req, info) => {
    const peer = info.remoteAddr.hostname;
    if (!isLoopbackAddress(peer)) return text(401, "Access denied from non-localhost address");
    const host = req.headers.get("host") ?? "";
    if (host !== IMDS_ADDRESS && host !== `${IMDS_ADDRESS}:80` && host !== options.ownHost()) {
      return text(401, `Access denied for host '${host}'`);
    }
    const path = new URL(req.url).pathname;
    if (req.method === "PUT") {
      if (path !== "/latest/api/token") return text(405, "Method Not Allowed", { allow: "GET" });
      return issueToken(req, tokens, now());
    }
    if (req.method !== "GET") return text(405, "Method Not Allowed", { allow: "GET, PUT" });
    const presented = req.headers.get("x-aws-ec2-metadata-token");
    if (presented !== null) {
      const expires = tokens.get(presented);
      if (expires === undefined || expires <= now()) return text(401, "Unauthorized");
    }
    return await route(routes, path);
  };
}

function issueToken(req: RequestHead, tokens: Map<string, number>, now: number): Response {
  // As on EC2: a token request that went through a forwarding proxy is refused, so that a
  // server-side request forgery through an open proxy cannot obtain a token.
  if (req.headers.has("x-forwarded-for")) return text(403, "Forbidden");
  const ttlText = req.headers.get("x-aws-ec2-metadata-token-ttl-seconds") ?? "";
  const ttl = /^\d{1,5}$/.test(ttlText) ? Number(ttlText) : NaN;
  if (!(ttl >= 1 && ttl <= MAX_TOKEN_TTL_SECONDS)) return text(400, "Bad Request");
  for (const [t, expires] of tokens) if (expires <= now) tokens.delete(t);
  if (tokens.size >= MAX_TOKENS) tokens.delete(tokens.keys().next().value!);
  const token = randomToken(32);
  tokens.set(token, now + ttl * 1000);
  return text(200, token, { "x-aws-ec2-metadata-token-ttl-seconds": String(ttl) });
}

async function route(routes: Array<[string, Route]>, path: string): Promise<Response> {
  let best: [string, Route] | undefined;
  for (const entry of routes) {
    const [pattern] = entry;
    const matches = pattern.endsWith("/") ? path.startsWith(pattern) : path === pattern;
    if (matches && (!best || pattern.length > best[0].length)) best = entry;
  }
  if (best) return await best[1]();
  // Go redirects a directory requested without its trailing slash.
  if (routes.some(([pattern]) => pattern === path + "/")) {
    return new Response(null, { status: 301, headers: { location: path + "/" } });
  }
  return text(404, "404 page not found");
}

/** The instance-profile credentials document, keys in Go's sorted order. */
export function instanceCredentialsJson(creds: Credentials, now: number): Record<string, string> {
  return {
    AccessKeyId: creds.accessKeyId,
    Code: "Success",
    // Credentials that never expire get an hour ahead, so that SDKs do not see them as expired.
    Expiration: iso8601(creds.expiration ?? new Date(now + 3_600_000)),
    LastUpdated: iso8601(new Date(now)),
    SecretAccessKey: creds.secretAccessKey,
    Token: creds.sessionToken,
    Type: "AWS-HMAC",
  };
}

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  });
}
