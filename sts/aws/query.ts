/**
 * One AWS Query-protocol call (STS, IAM): a form-encoded POST of `Action=...&Version=...&...`,
 * signed with SigV4 by aws4fetch (or unsigned, for AssumeRoleWithWebIdentity), with a per-attempt
 * timeout and one retry on throttling, 5xx and connection failures. Debug logs name the action,
 * endpoint, key (masked) and outcome; parameters and answers are never logged (they hold MFA
 * codes, tokens and secrets).
 */
import { AwsV4Signer } from "aws4fetch";
import type { Credentials } from "../../lib/credentials.ts";
import { debug, maskKey } from "../../lib/log.ts";
import { AwsServiceError, serviceErrorFromResponse } from "./error.ts";
import { checkHeaderValue, fetchAnswer, withOneRetry } from "./http.ts";
import type { ResolvedEndpoint } from "./endpoints.ts";
import { child, parseXml, type XmlElement } from "./xml.ts";

export type QueryService = "sts" | "iam";

const API_VERSIONS: Record<QueryService, string> = { sts: "2011-06-15", iam: "2010-05-08" };
const SERVICE_TITLES: Record<QueryService, string> = { sts: "STS", iam: "IAM" };

export { DEFAULT_RETRY_DELAY_MS, DEFAULT_TIMEOUT_MS } from "./http.ts";

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
export function queryAws(req: QueryRequest): Promise<XmlElement> {
  return withOneRetry(operationName(req), req.retryDelayMs, () => attempt(req));
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
    checkHeaderValue(operationName(req), "access key id", req.credentials.accessKeyId);
    checkHeaderValue(operationName(req), "session token", req.credentials.sessionToken ?? "");
    checkHeaderValue(operationName(req), "signing region", req.endpoint.signingRegion);
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

  const { status, statusText, text, requestId } = await fetchAnswer(
    operationName(req),
    { method: "POST", url, headers: signedHeaders, body },
    req.timeoutMs,
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
