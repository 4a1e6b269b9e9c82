/**
 * The ECS container credential server behind `exec --ecs-server` (aws-vault's server/ecsserver.go):
 * loopback only, a random port, and a bearer token the child gets through
 * AWS_CONTAINER_AUTHORIZATION_TOKEN. SDKs find it through AWS_CONTAINER_CREDENTIALS_FULL_URI.
 */
import type { Credentials, CredentialsProvider } from "../lib/credentials.ts";
import { iso8601 } from "../lib/credentials.ts";
import { errorMessage } from "../lib/errors.ts";
import { constantTimeEqual, jsonResponse, randomToken, withRequestLog } from "./http_common.ts";
import { type RequestHead, startHttpServer } from "./http_server.ts";

export interface EcsServerOptions {
  /** The profile's credentials (a CredentialCache, so refreshes are single-flight). */
  credentials: CredentialsProvider;
  /** Credentials for `/role-arn/<arn>`; undefined makes those paths serve an error. */
  roleCredentials?: (roleArn: string) => Promise<Credentials>;
  /** The authorization token; a fresh random one (30 bytes, base64url) when omitted. */
  token?: string;
  /** Clock for the no-expiry case; tests pass their own. */
  now?: () => number;
}

export interface EcsServer {
  /** `http://127.0.0.1:<port>`: no path and no trailing slash, as aws-vault gives it. */
  url: string;
  port: number;
  token: string;
  /** Stops accepting requests and waits for the open ones to finish. */
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 and a port the OS picks. */
export function startEcsServer(options: EcsServerOptions): EcsServer {
  const token = options.token ?? randomToken(30);
  const handler = ecsHandler({ ...options, token });
  const server = startHttpServer({ hostname: "127.0.0.1", port: 0 }, withRequestLog(handler));
  const port = server.addr.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    token,
    close: () => server.shutdown(),
  };
}

/** The request handler, separate from the listener so that it can be tested directly. */
export function ecsHandler(
  options: EcsServerOptions & { token: string },
): (req: RequestHead) => Promise<Response> {
  const now = options.now ?? Date.now;
  return async (req) => {
    const auth = req.headers.get("authorization") ?? "";
    if (!constantTimeEqual(auth, options.token)) {
      return jsonResponse(403, { Code: "AccessDenied", Message: "invalid Authorization token" });
    }
    if (req.method !== "GET") {
      return jsonResponse(405, {
        Code: "MethodNotAllowed",
        Message: `method ${req.method} not allowed; use GET`,
      }, { allow: "GET" });
    }
    const path = pathOf(req.url);
    let creds: Credentials;
    try {
      if (path.startsWith("/role-arn/")) {
        const roleArn = decodePath(path.slice("/role-arn/".length));
        if (!options.roleCredentials) throw new Error("role credentials are not available");
        creds = await options.roleCredentials(roleArn);
      } else {
        creds = await options.credentials.retrieve();
      }
    } catch (err) {
      return jsonResponse(500, { Code: errorCode(err), Message: errorMessage(err) });
    }
    return new Response(successBody(creds, now()), { headers: JSON_HEADERS });
  };
}

const JSON_HEADERS = { "content-type": "application/json" };
/** Serialised documents per credentials object: the cached case then costs no JSON work. */
const bodies = new WeakMap<Credentials, string>();

function successBody(creds: Credentials, now: number): string {
  // Non-expiring credentials get a moving expiration, so only expiring ones are memoised.
  if (!creds.expiration) return JSON.stringify(containerCredentialsJson(creds, now)) + "\n";
  let body = bodies.get(creds);
  if (body === undefined) {
    body = JSON.stringify(containerCredentialsJson(creds, now)) + "\n";
    bodies.set(creds, body);
  }
  return body;
}

/** The path of an absolute request URL, without building a URL object (hot path). */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const query = url.indexOf("?", start);
  const hash = url.indexOf("#", start);
  const end = Math.min(query < 0 ? url.length : query, hash < 0 ? url.length : hash);
  return url.slice(start, end);
}

/**
 * The container-credentials document, keys in Go's sorted order. Credentials that never expire
 * get an expiration one hour ahead: aws-vault's `0001-01-01T00:00:00Z` makes botocore treat them
 * as expired and fail with "refreshed credentials are still expired".
 */
export function containerCredentialsJson(creds: Credentials, now: number): Record<string, string> {
  const body: Record<string, string> = { AccessKeyId: creds.accessKeyId };
  if (creds.accountId) body.AccountId = creds.accountId;
  body.Expiration = iso8601(creds.expiration ?? new Date(now + 3_600_000));
  body.SecretAccessKey = creds.secretAccessKey;
  body.Token = creds.sessionToken;
  return body;
}

function decodePath(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The AWS error code when the error came from AWS (AwsServiceError has `code`), else a generic one.
 */
function errorCode(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" && /^[A-Za-z][\w.]*$/.test(code)
    ? code
    : "CredentialsUnavailable";
}
