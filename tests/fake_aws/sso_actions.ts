/**
 * IAM Identity Center for the fake AWS: the SSO OIDC API (RegisterClient, StartDeviceAuthorization,
 * CreateToken with the device-code grant) and the SSO portal's GetRoleCredentials, on the same
 * URL as the fake STS (routed by path). Role credentials are real fake sessions (ASIA...), so
 * GetCallerIdentity accepts them.
 *
 * ```ts
 * fake.sso.assignRole(fake.accountId, "Admin")   // GetRoleCredentials refuses anything else
 * fake.sso.autoApproveAfterPolls = 1             // the device is approved after 1 pending poll
 * fake.approveDevice("ABCD-EFGH")                // or approve by hand (the user code in the URL)
 * fake.sso.slowDownPolls = 1                     // the next poll answers SlowDownException
 * fake.sso.pollInterval = 1                      // seconds; StartDeviceAuthorization's interval
 * fake.sso.accessTokenLifetime = 28800           // seconds
 * fake.sso.expireAccessTokens()                  // every issued access token is now expired
 * fake.sso.devices / clients / tokens            // what was registered and issued
 * ```
 * Errors are answered as AWS does: SSO OIDC with `x-amzn-ErrorType` and an OAuth body
 * `{"error":"authorization_pending","error_description":...}`; the portal with
 * `{"__type":"...#UnauthorizedException","message":...}` (401 for an unknown or expired token).
 * `GET /device?user_code=...` approves the device, as a user clicking "Allow" would.
 */
import { type FakeAwsState, type FakeCall, randomId, randomSecret } from "./state.ts";

export interface FakeSsoClient {
  clientId: string;
  clientSecret: string;
  clientName: string;
  scopes: string[];
}

export interface FakeDevice {
  deviceCode: string;
  userCode: string;
  clientId: string;
  startUrl: string;
  expiresAt: number;
  approved: boolean;
  /** Pending answers given so far. */
  pendingPolls: number;
  /** A token was issued for it (a device code is single use). */
  used: boolean;
}

export interface FakeAccessToken {
  accessToken: string;
  startUrl: string;
  clientId: string;
  expiresAt: number;
}

const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const OIDC_PATHS: Record<string, string> = {
  "/client/register": "RegisterClient",
  "/device_authorization": "StartDeviceAuthorization",
  "/token": "CreateToken",
};
const PORTAL_PATH = "/federation/credentials";

/** An AWS error answer of the SSO APIs. */
class SsoFault extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export class FakeSso {
  readonly clients = new Map<string, FakeSsoClient>();
  readonly devices = new Map<string, FakeDevice>();
  readonly tokens = new Map<string, FakeAccessToken>();
  readonly assignments: Array<{ accountId: string; roleName: string }> = [];
  /** Seconds between polls, as StartDeviceAuthorization tells the client. */
  pollInterval = 1;
  deviceCodeLifetime = 600;
  accessTokenLifetime = 28800;
  /** Seconds the role credentials last. */
  roleCredentialsLifetime = 3600;
  /** When set, a device approves itself after this many pending CreateToken answers. */
  autoApproveAfterPolls?: number;
  /** The next N CreateToken polls answer SlowDownException. */
  slowDownPolls = 0;

  constructor(readonly state: FakeAwsState, readonly baseUrl: string) {}

  /** Whether `path` is served here rather than by the Query-protocol STS/IAM. */
  static handles(method: string, path: string): boolean {
    return (method === "POST" && path in OIDC_PATHS) ||
      (method === "GET" && (path === PORTAL_PATH || path === "/device"));
  }

  assignRole(accountId: string, roleName: string): void {
    this.assignments.push({ accountId, roleName });
  }

  /** Approves the device authorization with this user code (as the user would in a browser). */
  approveDevice(userCode: string): void {
    const device = [...this.devices.values()].find((d) => d.userCode === userCode);
    if (!device) throw new Error(`fake SSO: no device with user code ${userCode}`);
    device.approved = true;
  }

  /** Every access token issued so far is expired from now on. */
  expireAccessTokens(): void {
    for (const t of this.tokens.values()) t.expiresAt = Date.now() - 1000;
  }

  async handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname === "/device") return this.#devicePage(url);
    const oidcAction = OIDC_PATHS[url.pathname];
    const call: FakeCall = {
      service: oidcAction ? "sso-oidc" : "sso",
      action: oidcAction ?? "GetRoleCredentials",
      params: {},
      accessKeyId: "",
      region: "",
      time: new Date(),
      status: 200,
      userAgent: req.headers.get("user-agent") ?? "",
    };
    this.state.calls.push(call);
    try {
      const failure = this.state.takeFailure(call.action);
      if (failure) throw new SsoFault(failure.status, failure.code, failure.message);
      let result: unknown;
      if (oidcAction) {
        const body = await readJson(req);
        call.params = stringParams(body);
        result = this.#oidc(oidcAction, body);
      } else {
        call.params = Object.fromEntries(url.searchParams);
        const token = req.headers.get("x-amz-sso_bearer_token") ?? "";
        if (token) call.params.accessToken = token;
        result = this.#getRoleCredentials(url.searchParams, token);
      }
      return Response.json(result, { headers: { "x-amzn-requestid": crypto.randomUUID() } });
    } catch (err) {
      if (!(err instanceof SsoFault)) throw err;
      call.status = err.status;
      call.errorCode = err.code;
      return oidcAction ? oidcError(err) : portalError(err);
    }
  }

  #oidc(action: string, body: Record<string, unknown>): unknown {
    switch (action) {
      case "RegisterClient":
        return this.#registerClient(body);
      case "StartDeviceAuthorization":
        return this.#startDeviceAuthorization(body);
      default:
        return this.#createToken(body);
    }
  }

  #registerClient(body: Record<string, unknown>) {
    const clientName = str(body, "clientName");
    if (clientName === "" || str(body, "clientType") !== "public") {
      throw new SsoFault(400, "InvalidRequestException", "Invalid request");
    }
    const scopes = Array.isArray(body.scopes) ? body.scopes.map(String) : [];
    const client: FakeSsoClient = {
      clientId: randomId("", 22),
      clientSecret: "eyJraWQiOiJrZXktMTU2" + randomSecret(200),
      clientName,
      scopes,
    };
    this.clients.set(client.clientId, client);
    const now = Math.floor(Date.now() / 1000);
    return {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      clientIdIssuedAt: now,
      clientSecretExpiresAt: now + 90 * 86400,
    };
  }

  #client(body: Record<string, unknown>): FakeSsoClient {
    const client = this.clients.get(str(body, "clientId"));
    if (!client || client.clientSecret !== str(body, "clientSecret")) {
      throw new SsoFault(401, "InvalidClientException", "Invalid client");
    }
    return client;
  }

  #startDeviceAuthorization(body: Record<string, unknown>) {
    const client = this.#client(body);
    const startUrl = str(body, "startUrl");
    if (!/^https?:\/\/\S+$/.test(startUrl)) {
      throw new SsoFault(400, "InvalidRequestException", "Invalid start URL");
    }
    const userCode = `${randomId("", 4)}-${randomId("", 4)}`;
    const device: FakeDevice = {
      deviceCode: randomId("", 40),
      userCode,
      clientId: client.clientId,
      startUrl,
      expiresAt: Date.now() + this.deviceCodeLifetime * 1000,
      approved: false,
      pendingPolls: 0,
      used: false,
    };
    this.devices.set(device.deviceCode, device);
    const verificationUri = `${this.baseUrl}/device`;
    return {
      deviceCode: device.deviceCode,
      userCode,
      verificationUri,
      verificationUriComplete: `${verificationUri}?user_code=${userCode}`,
      expiresIn: this.deviceCodeLifetime,
      interval: this.pollInterval,
    };
  }

  #createToken(body: Record<string, unknown>) {
    const client = this.#client(body);
    if (str(body, "grantType") !== DEVICE_GRANT) {
      throw new SsoFault(400, "UnsupportedGrantTypeException", "Unsupported grant type");
    }
    const device = this.devices.get(str(body, "deviceCode"));
    if (!device || device.clientId !== client.clientId || device.used) {
      throw new SsoFault(400, "InvalidGrantException", "Invalid grant provided");
    }
    if (device.expiresAt <= Date.now()) {
      throw new SsoFault(400, "ExpiredTokenException", "Device code has expired");
    }
    if (this.slowDownPolls > 0) {
      this.slowDownPolls -= 1;
      throw new SsoFault(400, "SlowDownException", "Client is polling too quickly");
    }
    if (
      !device.approved && this.autoApproveAfterPolls !== undefined &&
      device.pendingPolls >= this.autoApproveAfterPolls
    ) {
      device.approved = true;
    }
    if (!device.approved) {
      device.pendingPolls += 1;
      throw new SsoFault(400, "AuthorizationPendingException", "Authorization is still pending");
    }
    device.used = true;
    const token: FakeAccessToken = {
      accessToken: "aoaAAAAAG" + randomSecret(300),
      startUrl: device.startUrl,
      clientId: client.clientId,
      expiresAt: Date.now() + this.accessTokenLifetime * 1000,
    };
    this.tokens.set(token.accessToken, token);
    return {
      accessToken: token.accessToken,
      tokenType: "Bearer",
      expiresIn: this.accessTokenLifetime,
      // AWS issues a refresh token only to clients registered with scopes.
      ...(client.scopes.length > 0 ? { refreshToken: "aorAAAAAG" + randomSecret(200) } : {}),
    };
  }

  #getRoleCredentials(query: URLSearchParams, bearer: string) {
    const token = this.tokens.get(bearer);
    if (!token || token.expiresAt <= Date.now()) {
      throw new SsoFault(401, "UnauthorizedException", "Session token not found or invalid");
    }
    const accountId = query.get("account_id") ?? "";
    const roleName = query.get("role_name") ?? "";
    if (accountId === "" || roleName === "") {
      throw new SsoFault(400, "InvalidRequestException", "Missing account_id or role_name");
    }
    if (!this.assignments.some((a) => a.accountId === accountId && a.roleName === roleName)) {
      throw new SsoFault(403, "ForbiddenException", "No access");
    }
    const roleArn =
      `arn:aws:iam::${accountId}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_${roleName}_0123456789abcdef`;
    const user = "sso-user@example.com";
    const session = this.state.issueSession({
      kind: "assumed-role",
      arn:
        `arn:aws:sts::${accountId}:assumed-role/AWSReservedSSO_${roleName}_0123456789abcdef/${user}`,
      userId: `${randomId("AROA", 21)}:${user}`,
      userName: "",
      roleArn,
      roleSessionName: user,
      chain: [roleArn],
      mfaAuthenticated: false,
      durationSeconds: this.roleCredentialsLifetime,
      tags: {},
      transitiveTagKeys: [],
      issuedBy: "",
    });
    return {
      roleCredentials: {
        accessKeyId: session.accessKeyId,
        secretAccessKey: session.secretAccessKey,
        sessionToken: session.sessionToken,
        expiration: session.expiration.getTime(),
      },
    };
  }

  #devicePage(url: URL): Response {
    try {
      this.approveDevice(url.searchParams.get("user_code") ?? "");
      return new Response("Request approved\n");
    } catch {
      return new Response("Unknown code\n", { status: 404 });
    }
  }
}

function oidcError(err: SsoFault): Response {
  const oauth = err.code.replace(/Exception$/, "").replace(
    /[A-Z]/g,
    (c, i: number) => (i > 0 ? "_" : "") + c.toLowerCase(),
  );
  return Response.json({ error: oauth, error_description: err.message }, {
    status: err.status,
    headers: {
      "x-amzn-errortype":
        `${err.code}:http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/`,
      "x-amzn-requestid": crypto.randomUUID(),
    },
  });
}

function portalError(err: SsoFault): Response {
  return Response.json(
    { __type: `com.amazonaws.switchboard.portal#${err.code}`, message: err.message },
    { status: err.status, headers: { "x-amzn-requestid": crypto.randomUUID() } },
  );
}

async function readJson(req: Request): Promise<Record<string, unknown>> {
  if (!(req.headers.get("content-type") ?? "").startsWith("application/json")) {
    throw new SsoFault(400, "InvalidRequestException", "Expected application/json");
  }
  try {
    const v = await req.json();
    if (v !== null && typeof v === "object" && !Array.isArray(v)) return v;
  } catch {
    // Reported below.
  }
  throw new SsoFault(400, "InvalidRequestException", "Malformed JSON");
}

/** Body fields as strings for the call log (arrays joined with commas). */
function stringParams(body: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    out[k] = Array.isArray(v) ? v.join(",") : String(v);
  }
  return out;
}

function str(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  return typeof v === "string" ? v : "";
}
