/**
 * An independent AWS Signature Version 4 verifier for the fake AWS server, written from the AWS
 * documentation ("Create a signed AWS API request": canonical request, string to sign, signing key
 * derivation, signature). It deliberately shares no code with aws4fetch, the signer our clients
 * use, so that a signing bug in the client cannot hide behind the same bug in the checker.
 *
 * Only the header form (`Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
 * Signature=...`) is supported; that is what every AWS SDK and the AWS CLI send to STS and IAM.
 */
import { createHash, createHmac } from "node:crypto";

export const ALGORITHM = "AWS4-HMAC-SHA256";

/** Why a signature was rejected; `code` is the AWS error code the server should answer with. */
export class SigV4Error extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = "SigV4Error";
  }
}

/** The parts of an `Authorization: AWS4-HMAC-SHA256 ...` header. */
export interface ParsedAuthorization {
  accessKeyId: string;
  /** `YYYYMMDD` from the credential scope. */
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** A request as received: the URL as sent (already percent-encoded), headers and the raw body. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: Headers;
  body: Uint8Array | string;
}

/** Parses the Authorization header; throws SigV4Error (IncompleteSignature) when malformed. */
export function parseAuthorization(header: string): ParsedAuthorization {
  const space = header.indexOf(" ");
  const algorithm = space < 0 ? header : header.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw new SigV4Error("IncompleteSignature", `Unsupported AWS 'algorithm': '${algorithm}'`);
  }
  const fields: Record<string, string> = {};
  for (const part of header.slice(space + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  for (const name of ["Credential", "SignedHeaders", "Signature"]) {
    if (!fields[name]) {
      throw new SigV4Error(
        "IncompleteSignature",
        `Authorization header requires '${name}' parameter. Authorization=${redact(header)}`,
      );
    }
  }
  const scope = fields.Credential.split("/");
  if (scope.length !== 5 || scope[4] !== "aws4_request") {
    throw new SigV4Error(
      "IncompleteSignature",
      `Credential should be scoped to a valid region and terminated with aws4_request: '${
        scope.slice(1).join("/")
      }'`,
    );
  }
  const [accessKeyId, date, region, service] = scope;
  return {
    accessKeyId,
    date,
    region,
    service,
    signedHeaders: fields.SignedHeaders.split(";"),
    signature: fields.Signature,
  };
}

/** RFC 3986 encoding as SigV4 wants it: everything but `A-Za-z0-9-_.~` becomes `%XX` (upper hex). */
export function uriEncode(text: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(ch)
      ? ch
      : "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/**
 * Canonical URI for services other than S3: the path as sent, each segment URI-encoded once more
 * (the documentation's "encode twice" counts the client's own encoding as the first pass).
 */
export function canonicalUri(rawPath: string): string {
  if (rawPath === "" || rawPath === "/") return "/";
  return rawPath.split("/").map(uriEncode).join("/");
}

/** Canonical query string: decoded pairs re-encoded with uriEncode, sorted by name then value. */
export function canonicalQuery(rawSearch: string): string {
  const query = rawSearch.startsWith("?") ? rawSearch.slice(1) : rawSearch;
  if (query === "") return "";
  const pairs = query.split("&").filter((p) => p !== "").map((pair) => {
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? "" : pair.slice(eq + 1);
    return [uriEncode(decodeQueryPart(name)), uriEncode(decodeQueryPart(value))];
  });
  pairs.sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
  return pairs.map(([n, v]) => `${n}=${v}`).join("&");
}

function decodeQueryPart(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll("+", " "));
  } catch {
    return text;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `name:value\n` for each signed header: value trimmed, inner runs of spaces collapsed. */
export function canonicalHeaders(headers: Headers, signedHeaders: string[]): string {
  return signedHeaders.map((name) => {
    const value = headers.get(name) ?? "";
    return `${name}:${value.trim().replace(/\s+/g, " ")}\n`;
  }).join("");
}

/** Lower-case hex SHA-256. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: Uint8Array | string, data: string): Uint8Array {
  return new Uint8Array(createHmac("sha256", key).update(data).digest());
}

/** The canonical request (task 1 of the documentation). */
export function canonicalRequest(req: ReceivedRequest, signedHeaders: string[]): string {
  const url = new URL(req.url);
  const payloadHash = req.headers.get("x-amz-content-sha256") ?? sha256Hex(req.body);
  return [
    req.method.toUpperCase(),
    canonicalUri(url.pathname),
    canonicalQuery(url.search),
    canonicalHeaders(req.headers, signedHeaders),
    signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
}

/** The string to sign (task 2). `amzDate` is `YYYYMMDDTHHMMSSZ`. */
export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join("\n");
}

/** The signing key (task 3): HMAC chain over date, region, service and "aws4_request". */
export function signingKey(
  secret: string,
  date: string,
  region: string,
  service: string,
): Uint8Array {
  const kDate = hmac("AWS4" + secret, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, "aws4_request");
}

/** The hex signature (task 4). */
export function computeSignature(
  req: ReceivedRequest,
  auth: ParsedAuthorization,
  secret: string,
): string {
  const amzDate = requestDate(req.headers);
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const toSign = stringToSign(amzDate, scope, canonicalRequest(req, auth.signedHeaders));
  const key = signingKey(secret, auth.date, auth.region, auth.service);
  return createHmac("sha256", key).update(toSign).digest("hex");
}

/** The request time: `X-Amz-Date`, else a `Date` header converted to the basic ISO format. */
export function requestDate(headers: Headers): string {
  const amz = headers.get("x-amz-date");
  if (amz) return amz;
  const date = headers.get("date");
  if (date && !Number.isNaN(Date.parse(date))) {
    return new Date(date).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  }
  throw new SigV4Error(
    "IncompleteSignature",
    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
  );
}

/** Parses `YYYYMMDDTHHMMSSZ` into a Date. */
export function parseAmzDate(amzDate: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!m) throw new SigV4Error("IncompleteSignature", `Invalid X-Amz-Date '${amzDate}'`);
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

export interface VerifyOptions {
  /** Reject requests more than 15 minutes off this time (AWS's clock-skew rule); omit to skip. */
  now?: Date;
}

/**
 * Verifies a signed request against the secret of the key named in its Authorization header.
 * Checks that host (and X-Amz-Date / X-Amz-Security-Token when present) are signed, that the
 * scope date matches the request date, and the signature itself (constant-time compare).
 * Throws SigV4Error with AWS's error code on failure; returns the parsed header on success.
 */
export function verifySignature(
  req: ReceivedRequest,
  secret: string,
  options: VerifyOptions = {},
): ParsedAuthorization {
  const header = req.headers.get("authorization");
  if (!header) {
    throw new SigV4Error("MissingAuthenticationToken", "Request is missing Authentication Token");
  }
  const auth = parseAuthorization(header);
  const mustSign = ["host"];
  if (req.headers.has("x-amz-date")) mustSign.push("x-amz-date");
  if (req.headers.has("x-amz-security-token")) mustSign.push("x-amz-security-token");
  for (const name of mustSign) {
    if (!auth.signedHeaders.includes(name)) {
      throw new SigV4Error("SignatureDoesNotMatch", `'${name}' must be a signed header.`);
    }
  }
  const amzDate = requestDate(req.headers);
  if (amzDate.slice(0, 8) !== auth.date) {
    throw new SigV4Error(
      "SignatureDoesNotMatch",
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${
        amzDate.slice(0, 8)
      }', from '${amzDate}'.`,
    );
  }
  if (options.now) {
    const skew = Math.abs(options.now.getTime() - parseAmzDate(amzDate).getTime());
    if (skew > 15 * 60_000) {
      throw new SigV4Error(
        "SignatureDoesNotMatch",
        `Signature expired: ${amzDate} is now earlier than ${
          compactDate(new Date(options.now.getTime() - 15 * 60_000))
        } (${compactDate(options.now)} - 15 min.)`,
      );
    }
  }
  const expected = computeSignature(req, auth, secret);
  if (!constantTimeEqual(expected, auth.signature)) {
    throw new SigV4Error(
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. " +
        "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
  }
  return auth;
}

function compactDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Keeps the signature out of error messages. */
function redact(header: string): string {
  return header.replace(/Signature=[0-9a-f]+/i, "Signature=<redacted>");
}
