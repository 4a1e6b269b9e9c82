/**
 * XML bodies in the shapes STS and IAM send (Query protocol): `<XResponse><XResult>...` plus
 * `<ResponseMetadata><RequestId>`, and `<ErrorResponse>` for errors.
 */
import type { FakeAccessKey, FakeSession } from "./state.ts";

export const STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/";
export const IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/";

/** A nested description of XML elements: strings are escaped text; arrays are repeated children. */
export type XmlValue = string | number | boolean | Date | XmlFields | XmlFields[] | undefined;
export interface XmlFields {
  [name: string]: XmlValue;
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** ISO 8601 with no milliseconds, as STS writes Expiration. */
export function awsTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function renderFields(fields: XmlFields, indent = "    "): string {
  let out = "";
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      out += `${indent}<${name}>\n` +
        value.map((m) =>
          `${indent}  <member>\n${renderFields(m, indent + "    ")}${indent}  </member>\n`
        )
          .join("") +
        `${indent}</${name}>\n`;
    } else if (value instanceof Date) {
      out += `${indent}<${name}>${awsTime(value)}</${name}>\n`;
    } else if (typeof value === "object") {
      out += `${indent}<${name}>\n${renderFields(value, indent + "  ")}${indent}</${name}>\n`;
    } else {
      out += `${indent}<${name}>${escapeXml(String(value))}</${name}>\n`;
    }
  }
  return out;
}

/** A successful Query-protocol answer for `action`. `result` undefined means no Result element. */
export function successXml(
  ns: string,
  action: string,
  requestId: string,
  result?: XmlFields,
): string {
  const body = result === undefined
    ? ""
    : `  <${action}Result>\n${renderFields(result)}  </${action}Result>\n`;
  return `<${action}Response xmlns="${ns}">\n${body}` +
    `  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n` +
    `</${action}Response>\n`;
}

export function errorXml(
  ns: string,
  type: string,
  code: string,
  message: string,
  requestId: string,
): string {
  return `<ErrorResponse xmlns="${ns}">\n  <Error>\n    <Type>${type}</Type>\n` +
    `    <Code>${escapeXml(code)}</Code>\n    <Message>${
      escapeXml(message)
    }</Message>\n  </Error>\n` +
    `  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`;
}

export function credentialsFields(s: FakeSession): XmlFields {
  return {
    AccessKeyId: s.accessKeyId,
    SecretAccessKey: s.secretAccessKey,
    SessionToken: s.sessionToken,
    Expiration: s.expiration,
  };
}

export function accessKeyFields(k: FakeAccessKey, withSecret: boolean): XmlFields {
  return {
    UserName: k.userName,
    AccessKeyId: k.accessKeyId,
    Status: k.status,
    SecretAccessKey: withSecret ? k.secretAccessKey : undefined,
    CreateDate: k.createDate,
  };
}
