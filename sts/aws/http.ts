/**
 * The HTTP part every AWS call shares, whatever its protocol (Query for STS/IAM, REST-JSON for
 * SSO OIDC and the SSO portal): one fetch with a per-attempt timeout, one retry on throttling,
 * 5xx and dropped connections, AwsNetworkError for requests that got no answer, and a debug line
 * with the status and request id. Bodies are never logged (they hold codes, tokens and secrets).
 */
import { debug } from "../../lib/log.ts";
import { AwsNetworkError, AwsServiceError } from "./error.ts";

/**
 * Refuses a value with a control character before it goes into an HTTP header. fetch rejects CR,
 * LF and NUL with a message that quotes the value (a session token is a secret) and lets the other
 * control characters through (issue 10). `what` names the value, never shows it.
 */
export function checkHeaderValue(operation: string, what: string, value: string): void {
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x1f\x7f]/.test(value)) {
    throw new AwsRequestNotSentError(
      `operation error ${operation}: the ${what} contains a control character; request not sent`,
    );
  }
}

/** A request refused before it was sent; never retried. */
export class AwsRequestNotSentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AwsRequestNotSentError";
  }
}

/** Default per-attempt timeout. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Default pause before the single retry. */
export const DEFAULT_RETRY_DELAY_MS = 300;

/** One request, fully built (signed if it needs to be). */
export interface HttpRequestSpec {
  method: "GET" | "POST";
  url: string;
  headers: Headers;
  body?: string;
}

/** What came back, read in full. */
export interface HttpAnswer {
  status: number;
  statusText: string;
  headers: Headers;
  text: string;
  requestId: string;
}

/**
 * Runs `attempt` and, when it fails in a way a second try may get past, waits `retryDelayMs`
 * and runs it once more. `operation` names the call in logs ("STS AssumeRole").
 */
export async function withOneRetry<T>(
  operation: string,
  retryDelayMs: number | undefined,
  attempt: () => Promise<T>,
): Promise<T> {
  try {
    return await attempt();
  } catch (err) {
    if (!isRetryable(err)) throw err;
    const delay = retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    debug(`${operation}: retrying in ${delay}ms after: ${(err as Error).message}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    return await attempt();
  }
}

function isRetryable(err: unknown): boolean {
  if (err instanceof AwsServiceError) return err.retryable;
  // A timeout already cost the user the full timeout: do not double it.
  return err instanceof AwsNetworkError && !err.timedOut;
}

/**
 * Sends `spec` and reads the whole answer, whatever its status. Throws AwsNetworkError when the
 * endpoint cannot be reached or does not answer within `timeoutMs`. `logUrl` is what network
 * errors show instead of `spec.url` (callers strip query strings that hold secrets).
 */
export async function fetchAnswer(
  operation: string,
  spec: HttpRequestSpec,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  logUrl = spec.url,
): Promise<HttpAnswer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const started = performance.now();
  let answer: HttpAnswer;
  try {
    const res = await fetch(spec.url, {
      method: spec.method,
      headers: spec.headers,
      body: spec.body,
      signal: controller.signal,
    });
    answer = {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
      requestId: res.headers.get("x-amzn-requestid") ?? "",
      text: await res.text(),
    };
  } catch (err) {
    throw networkError(operation, logUrl, err, controller.signal.aborted, timeoutMs);
  } finally {
    clearTimeout(timer);
  }
  const elapsed = Math.round(performance.now() - started);
  debug(
    `${operation}: HTTP ${answer.status} in ${elapsed}ms${
      answer.requestId ? `, request id ${answer.requestId}` : ""
    }`,
  );
  return answer;
}

function networkError(
  operation: string,
  url: string,
  err: unknown,
  timedOut: boolean,
  timeoutMs: number,
): AwsNetworkError {
  const prefix = `operation error ${operation}`;
  if (timedOut) {
    return new AwsNetworkError(
      url,
      `${prefix}: no answer from ${url} within ${timeoutMs / 1000}s`,
      true,
    );
  }
  // Deno 2: TypeError "fetch failed" whose cause reads "error sending request for url (...):
  // client error (Connect): tcp connect error: Connection refused (os error 111)".
  const detail = err instanceof Error && err.cause instanceof Error
    ? err.cause.message
    : errorText(err);
  const cause = detail.replace(/^error sending request for url \([^)]*\):\s*/, "");
  return new AwsNetworkError(url, `${prefix}: request to ${url} failed: ${cause}`);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
