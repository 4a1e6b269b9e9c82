/**
 * One AWS REST-JSON call (SSO OIDC, the SSO portal): unsigned, JSON in and out, with the shared
 * timeout/retry/logging of aws_http.ts. Error answers become AwsServiceError with AWS's code and
 * message, read the way the AWS SDKs read them: the code from the `x-amzn-ErrorType` header, else
 * the body's `__type` or `code`, else (OAuth style, as SSO OIDC answers) its `error` turned into
 * the exception name; the message from `message`/`Message`, else `error_description`.
 */
import { parseJsonObject } from "../../lib/json_object.ts";
import { debug } from "../../lib/log.ts";
import { AwsServiceError } from "./error.ts";
import { checkHeaderValue, fetchAnswer, type HttpAnswer, withOneRetry } from "./http.ts";

export interface RestJsonRequest {
  /** "SSO OIDC CreateToken": for logs and network errors. */
  operation: string;
  /** "sso-oidc:CreateToken": AwsServiceError.operation. */
  errorOperation: string;
  method: "GET" | "POST";
  url: string;
  /** Extra headers (e.g. the SSO bearer token). */
  headers?: Record<string, string>;
  /** Sent as JSON (POST only). */
  body?: Record<string, unknown>;
  timeoutMs?: number;
  retryDelayMs?: number;
}

/** Sends the request and returns the parsed JSON object of a 2xx answer. */
export function restJsonCall(req: RestJsonRequest): Promise<Record<string, unknown>> {
  return withOneRetry(req.operation, req.retryDelayMs, () => attempt(req));
}

async function attempt(req: RestJsonRequest): Promise<Record<string, unknown>> {
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    checkHeaderValue(req.operation, `${name} header`, value);
  }
  const headers = new Headers({ "user-agent": "aws-vault-deno", ...req.headers });
  let body: string | undefined;
  if (req.body !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(req.body);
  }
  // The URL is logged without its query string (account id and role name are not secret, but
  // nothing needs them in a log either).
  const shownUrl = req.url.replace(/\?.*$/, "");
  debug(`${req.operation}: ${req.method} ${shownUrl} (unsigned)`);
  const answer = await fetchAnswer(
    req.operation,
    { method: req.method, url: req.url, headers, body },
    req.timeoutMs,
    shownUrl,
  );
  if (answer.status < 200 || answer.status >= 300) {
    throw restJsonError(req.errorOperation, answer);
  }
  const parsed = parseJsonObject(answer.text);
  if (!parsed) {
    throw new AwsServiceError(
      "SerializationError",
      `unreadable answer from ${shownUrl}`,
      answer.status,
      answer.requestId,
      req.errorOperation,
    );
  }
  return parsed;
}

/** A string member of an answer; "" when it is missing or not a string. */
export function stringField(obj: Record<string, unknown>, name: string): string {
  const v = obj[name];
  return typeof v === "string" ? v : "";
}

/** A finite number member of an answer; 0 when it is missing or not a number. */
export function numberField(obj: Record<string, unknown>, name: string): number {
  const v = obj[name];
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

/** The AwsServiceError for a non-2xx REST-JSON answer. */
export function restJsonError(operation: string, answer: HttpAnswer): AwsServiceError {
  const body = parseJsonObject(answer.text) ?? {};
  const str = (name: string) => stringField(body, name);
  const code = sanitizeCode(answer.headers.get("x-amzn-errortype") ?? "") ||
    sanitizeCode(str("__type") || str("code") || str("Code")) ||
    oauthErrorName(str("error"));
  const message = str("message") || str("Message") || str("error_description");
  if (code) {
    return new AwsServiceError(code, message, answer.status, answer.requestId, operation);
  }
  debug(`${operation}: error answer without an error code (HTTP ${answer.status})`);
  const snippet = answer.text.replace(/\s+/g, " ").trim().slice(0, 200);
  return new AwsServiceError(
    `HTTP${answer.status}`,
    `${answer.status} ${answer.statusText}${snippet ? `: ${snippet}` : ""}`.trim(),
    answer.status,
    answer.requestId,
    operation,
  );
}

/**
 * `aws.protocoljson#Foo:http://internal...` -> `Foo`: the SDKs drop everything after `:` and
 * before `#`.
 */
function sanitizeCode(raw: string): string {
  let code = raw.trim();
  const colon = code.indexOf(":");
  if (colon >= 0) code = code.slice(0, colon);
  const hash = code.lastIndexOf("#");
  if (hash >= 0) code = code.slice(hash + 1);
  return code;
}

/** OAuth error values (RFC 6749/8628) as the SSO OIDC exception names. */
function oauthErrorName(error: string): string {
  if (error === "") return "";
  const camel = error.split("_").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");
  return camel.endsWith("Exception") ? camel : `${camel}Exception`;
}
