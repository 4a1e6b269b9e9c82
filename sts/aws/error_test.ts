import { assertEquals } from "../../tests/assert.ts";
import { serviceErrorFromResponse } from "./error.ts";

Deno.test("AWS error answers keep AWS's code and message", () => {
  const err = serviceErrorFromResponse(
    "sts:AssumeRole",
    403,
    "Forbidden",
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>` +
      `<Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/bob is not authorized to ` +
      `perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/x</Message></Error>` +
      `<RequestId>abc-123</RequestId></ErrorResponse>`,
    "",
  );
  assertEquals(err.code, "AccessDenied");
  assertEquals(err.statusCode, 403);
  assertEquals(err.requestId, "abc-123");
  assertEquals(
    err.message,
    "AccessDenied: User: arn:aws:iam::123456789012:user/bob is not authorized to perform: " +
      "sts:AssumeRole on resource: arn:aws:iam::123456789012:role/x",
  );
  // aws-vault's login falls back on this pattern (cli/login.go).
  assertEquals(
    /^AccessDenied: User: arn:aws:iam::(\d+):user\/(.+) is not/.exec(err.message)?.[2],
    "bob",
  );
  assertEquals(err.retryable, false);
});

Deno.test("non-XML error answers and retryable classification", () => {
  const html = serviceErrorFromResponse(
    "iam:GetUser",
    502,
    "Bad Gateway",
    "<html><body>oops</body></html>",
    "r1",
  );
  assertEquals([html.code, html.statusCode, html.requestId, html.retryable], [
    "HTTP502",
    502,
    "r1",
    true,
  ]);
  assertEquals(html.message, "HTTP502: 502 Bad Gateway: <html><body>oops</body></html>");
  const throttled = serviceErrorFromResponse(
    "sts:GetCallerIdentity",
    400,
    "Bad Request",
    "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>",
    "",
  );
  assertEquals([throttled.message, throttled.retryable], ["Throttling: Rate exceeded", true]);
  const limit = serviceErrorFromResponse(
    "iam:CreateAccessKey",
    409,
    "Conflict",
    "<ErrorResponse><Error><Code>LimitExceeded</Code><Message>x</Message></Error></ErrorResponse>",
    "",
  );
  assertEquals(limit.retryable, false);
});
