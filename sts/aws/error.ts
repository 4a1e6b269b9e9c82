/**
 * Errors from AWS calls. An error answer from the service becomes an AwsServiceError whose message
 * reads like AWS's own (`AccessDenied: User: arn:aws:iam::1:user/x is not authorized ...`), which
 * aws-vault's login relies on (cli/login.go matches the error text with a regular expression). A
 * request that never got an answer (connection refused, DNS, timeout) becomes an AwsNetworkError
 * naming the endpoint.
 */
import { parseXml, textAt, type XmlElement } from "./xml.ts";

/** Error codes worth one retry: throttling (AWS SDK's list) plus transient server codes. */
const RETRYABLE_CODES = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottledException",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "TransactionInProgressException",
  "RequestLimitExceeded",
  "BandwidthLimitExceeded",
  "RequestThrottled",
  "SlowDown",
  "PriorRequestNotComplete",
  "EC2ThrottledException",
  "IDPCommunicationError",
  "InternalError",
  "InternalFailure",
  "ServiceUnavailable",
]);

export class AwsServiceError extends Error {
  constructor(
    /** AWS's error code, e.g. "AccessDenied". */
    readonly code: string,
    /** AWS's message alone, without the code. */
    readonly awsMessage: string,
    readonly statusCode: number,
    readonly requestId: string,
    /** "sts:AssumeRole", "iam:GetUser"... */
    readonly operation: string,
  ) {
    super(awsMessage ? `${code}: ${awsMessage}` : code);
    this.name = "AwsServiceError";
  }

  /** Throttling or a 5xx: the kind of failure a second attempt may get past. */
  get retryable(): boolean {
    return this.statusCode >= 500 || RETRYABLE_CODES.has(this.code);
  }
}

/** No answer from the endpoint: connection refused, TLS/DNS failure, or timeout. */
export class AwsNetworkError extends Error {
  constructor(readonly endpoint: string, message: string, readonly timedOut = false) {
    super(message);
    this.name = "AwsNetworkError";
  }
}

/**
 * Builds the AwsServiceError for a non-2xx answer. The body is `<ErrorResponse><Error><Code>`
 * (Query protocol); anything else (a proxy's HTML page, say) keeps the HTTP status as the code.
 */
export function serviceErrorFromResponse(
  operation: string,
  status: number,
  statusText: string,
  body: string,
  headerRequestId: string,
): AwsServiceError {
  let root: XmlElement | undefined;
  try {
    root = parseXml(body);
  } catch {
    root = undefined;
  }
  const error = root?.name === "ErrorResponse"
    ? root.children.find((c) => c.name === "Error")
    : root?.name === "Error"
    ? root
    : undefined;
  const code = textAt(error, "Code");
  if (code) {
    const requestId = textAt(root, "RequestId") || headerRequestId;
    return new AwsServiceError(code, textAt(error, "Message"), status, requestId, operation);
  }
  const snippet = body.replace(/\s+/g, " ").trim().slice(0, 200);
  return new AwsServiceError(
    `HTTP${status}`,
    `${status} ${statusText}${snippet ? `: ${snippet}` : ""}`.trim(),
    status,
    headerRequestId,
    operation,
  );
}
