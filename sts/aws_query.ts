/**
 * One AWS Query-protocol call (STS, IAM): a form-encoded POST of `Action=...&Version=...&...`,
 * signed with SigV4 by aws4fetch (or unsigned, for AssumeRoleWithWebIdentity), with a per-attempt
 * timeout and one retry on throttling, 5xx and connection failures. Debug logs name the action,
 * endpoint, key (masked) and outcome; parameters and answers are never logged (they hold MFA
 * codes, tokens and secrets).
 */
import type { Credentials } from "../lib/credentials.ts";
import { debug, maskKey } from "../lib/log.ts";
import { AwsNetworkError, AwsServiceError, serviceErrorFromResponse } from "./aws_error.ts";
import type { ResolvedEndpoint } from "./endpoints.ts";
import { child, parseXml, type XmlElement } from "./xml.ts";

export type QueryService = "sts" | "iam";

const API_VERSIONS: Record<QueryService, string> = { sts: "2011-06-15", iam: "2010-05-08" };
const SERVICE_TITLES: Record<QueryService, string> = { sts: "STS", iam: "IAM" };

/** Default per-attempt timeout. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Default pause before the single retry. */
export const DEFAULT_RETRY_DELAY_MS = 300;

export interface QueryRequest {
  service: QueryService;
  action: string;
  /** Parameters; undefined and "" values are left out. */
  params: Record<string, string | number | undefined>;
  endpoint: ResolvedEndpoint;
  /** Omit for an unsigned request. */
  credentials?: Credentials;
  timeoutMs?: number;
  retryDelayMs?: number;
}

/** Form body: `Action`, `Version`, then the parameters, percent-encoded. */
export function queryBody(
  service: QueryService,
  action: string,
  params: QueryRequest["params"],
): string {
  const form = new URLSearchParams({ Action: action, Version: API_VERSIONS[service] });
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") form.append(name, String(value));
  }
  return form.toString();
}

/**
 * Sends the request and returns the `<ActionResult>` element (an empty element for actions
 * without a result). Throws AwsServiceError for an AWS error answer and AwsNetworkError when
 * the endpoint cannot be reached or does not answer in time.
 */
export async function queryAws(req: QueryRequest): Promise<XmlElement> {
  try {
    return await attempt(req);
  } catch (err) {
    if (!isRetryable(err)) throw err;
    const delay = req.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    debug(`${operationName(req)}: retrying in ${delay}ms after: ${(err as Error).message}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    return await attempt(req);
  }
}

function isRetryable(err: unknown): boolean {
  if (err instanceof AwsServiceError) return err.retryable;
  // A timeout already cost the user the full timeout: do not double it.
  return err instanceof AwsNetworkError && !err.timedOut;
}

function operationName(req: QueryRequest): string {
  return `${SERVICE_TITLES[req.service]} ${req.action}`;
}

async function attempt(req: QueryRequest): Promise<XmlElement> {
  const url = req.endpoint.url + "/";
  const body = queryBody(req.service, req.action, req.params);
  const headers = new Headers({
    "content-type": "application/x-www-form-urlencoded; charset=utf-8",
    "user-agent": "aws-vault-deno",
  });
  let signedHeaders = headers;
  if (req.credentials) {
    const { AwsV4Signer } = await import("aws4fetch");
    const signed = await new AwsV4Signer({
      method: "POST",
      url,
      headers,
      body,
      accessKeyId: req.credentials.accessKeyId,
      secretAccessKey: req.credentials.secretAccessKey,
      sessionToken: req.credentials.sessionToken || undefined,
      service: req.service,
      region: req.endpoint.signingRegion,
    }).sign();
    signedHeaders = signed.headers;
  }
  const who = req.credentials ? `key ${maskKey(req.credentials.accessKeyId)}` : "unsigned";
  debug(`${operationName(req)}: POST ${url} (region ${req.endpoint.signingRegion}, ${who})`);

  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const started = performance.now();
  let status: number;
  let statusText: string;
  let text: string;
  let requestId: string;
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: signedHeaders,
      body,
      signal: controller.signal,
    });
    status = res.status;
    statusText = res.statusText;
    requestId = res.headers.get("x-amzn-requestid") ?? "";
    text = await res.text();
  } catch (err) {
    throw networkError(req, url, err, controller.signal.aborted, timeoutMs);
  } finally {
    clearTimeout(timer);
  }
  const elapsed = Math.round(performance.now() - started);
  debug(
    `${operationName(req)}: HTTP ${status} in ${elapsed}ms${
      requestId ? `, request id ${requestId}` : ""
    }`,
  );

  const operation = `${req.service}:${req.action}`;
  if (status < 200 || status >= 300) {
    throw serviceErrorFromResponse(operation, status, statusText, text, requestId);
  }
  let root: XmlElement;
  try {
    root = parseXml(text);
  } catch (err) {
    throw new AwsServiceError(
      "SerializationError",
      `unreadable answer from ${url}: ${(err as Error).message}`,
      status,
      requestId,
      operation,
    );
  }
  if (root.name !== `${req.action}Response`) {
    throw new AwsServiceError(
      "SerializationError",
      `unexpected answer <${root.name}> from ${url}`,
      status,
      requestId,
      operation,
    );
  }
  return child(root, `${req.action}Result`) ??
    { name: `${req.action}Result`, attributes: {}, children: [], text: "" };
}

function networkError(
  req: QueryRequest,
  url: string,
  err: unknown,
  timedOut: boolean,
  timeoutMs: number,
): AwsNetworkError {
  const prefix = `operation error ${operationName(req)}`;
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
