/** REST-JSON error decoding: the code and message as the AWS SDKs read them. */
import { assertEquals } from "../../tests/assert.ts";
import type { HttpAnswer } from "./http.ts";
import { restJsonError } from "./json.ts";

function answer(status: number, body: unknown, headers: Record<string, string> = {}): HttpAnswer {
  return {
    status,
    statusText: "Bad Request",
    headers: new Headers(headers),
    text: typeof body === "string" ? body : JSON.stringify(body),
    requestId: "req-1",
  };
}

Deno.test("restJsonError: x-amzn-ErrorType wins, cut at ':'; message from error_description", () => {
  const err = restJsonError(
    "sso-oidc:CreateToken",
    answer(400, { error: "authorization_pending", error_description: "still pending" }, {
      "x-amzn-ErrorType": "AuthorizationPendingException:http://internal.amazon.com/coral/x/",
    }),
  );
  assertEquals([err.code, err.awsMessage, err.statusCode, err.requestId, err.operation], [
    "AuthorizationPendingException",
    "still pending",
    400,
    "req-1",
    "sso-oidc:CreateToken",
  ]);
  assertEquals(err.message, "AuthorizationPendingException: still pending");
});

Deno.test("restJsonError: OAuth `error` values become the SSO OIDC exception names", () => {
  const cases: [string, string][] = [
    ["authorization_pending", "AuthorizationPendingException"],
    ["slow_down", "SlowDownException"],
    ["expired_token", "ExpiredTokenException"],
    ["invalid_client", "InvalidClientException"],
    ["access_denied", "AccessDeniedException"],
  ];
  for (const [oauth, code] of cases) {
    assertEquals(restJsonError("op", answer(400, { error: oauth })).code, code);
  }
});

Deno.test("restJsonError: __type with a namespace, message; plain code fields", () => {
  const portal = restJsonError(
    "sso:GetRoleCredentials",
    answer(401, {
      __type: "com.amazonaws.switchboard.portal#UnauthorizedException",
      message: "Session token not found or invalid",
    }),
  );
  assertEquals(
    portal.message,
    "UnauthorizedException: Session token not found or invalid",
  );
  assertEquals(portal.statusCode, 401);
  assertEquals(
    restJsonError("op", answer(400, { code: "Foo", Message: "bar" })).message,
    "Foo: bar",
  );
});

Deno.test("restJsonError: no code keeps the HTTP status and a short snippet", () => {
  const err = restJsonError("op", answer(502, "<html>bad gateway</html>"));
  assertEquals(err.code, "HTTP502");
  assertEquals(err.awsMessage, "502 Bad Request: <html>bad gateway</html>");
  assertEquals(err.retryable, true);
});
