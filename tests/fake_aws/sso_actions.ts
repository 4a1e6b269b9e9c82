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
 * fake.sso.revokeRefreshTokens()                 // every refresh token is refused from now on
 * fake.sso.authorizeState = "forged"             // /authorize redirects with this state instead
 * fake.sso.denyAuthorization = true              // /authorize redirects with error=access_denied
 * fake.sso.devices / clients / tokens / refreshTokens / authorizations  // what was issued
 * ```
 * The authorization code flow: `GET /authorize?response_type=code&client_id&redirect_uri&state&
 * code_challenge&code_challenge_method=S256&scopes` (what a browser opens; the user is taken as
 * signed in and consenting) answers 302 to `redirect_uri?code=...&state=...`. The redirect URI
 * must be a registered one, where a loopback `http://127.0.0.1` URI matches on any port (RFC 8252
 * section 7.3). CreateToken with `authorization_code` checks the code (single use, 10 minutes),
 * the client, the redirect URI and the PKCE verifier (RFC 7636 S256). `refresh_token` grants
 * rotate the refresh token: the old one is refused from then on.
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
  registration: FakeSsoClientRegistration;
  /** Unix seconds. */
  secretExpiresAt: number;
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

export interface FakeSsoClientRegistration {
  grantTypes: string[];
  redirectUris: string[];
  issuerUrl: string;
}

export interface FakeAuthorization {
  code: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scopes: string;
  expiresAt: number;
  used: boolean;
}

export interface FakeRefreshToken {
  refreshToken: string;
  clientId: string;
  startUrl: string;
  revoked: boolean;
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
  readonly refreshTokens = new Map<string, FakeRefreshToken>();
  readonly authorizations = new Map<string, FakeAuthorization>();
  /** When set, /authorize redirects with this state instead of the client's. */
  authorizeState?: string;
  /** When true, /authorize redirects with `error=access_denied`. */
  denyAuthorization = false;
  /** Seconds a client registration lives. */
  clientLifetime = 90 * 86400;
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
      (method === "GET" && (path === PORTAL_PATH || path === "/device" || path === "/authorize"));
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

  /** Every refresh token issued so far is refused from now on. */
  revokeRefreshTokens(): void {
    for (const t of this.refreshTokens.values()) t.revoked = true;
  }

  /** Every access token issued so far is expired from now on. */
  expireAccessTokens(): void {
    for (const t of this.tokens.values()) t.expiresAt = Date.now() - 1000;
  }

  async handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname === "/device") return this.#devicePage(url);
    if (url.pathname === "/authorize") return this.#authorizePage(url);
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
        result = await this.#oidc(oidcAction, body);
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
    const strings = (v: unknown) => Array.isArray(v) ? v.map(String) : [];
    const scopes = strings(body.scopes);
    const registration = {
      grantTypes: strings(body.grantTypes),
      redirectUris: strings(body.redirectUris),
      issuerUrl: str(body, "issuerUrl"),
    };
    // AWS: the authorization code grant needs redirect URIs and the issuer (the start URL).
    if (
      registration.grantTypes.includes("authorization_code") &&
      (registration.redirectUris.length === 0 || registration.issuerUrl === "")
    ) {
      throw new SsoFault(400, "InvalidRequestException", "redirectUris and issuerUrl required");
    }
    const now = Math.floor(Date.now() / 1000);
    const client: FakeSsoClient = {
      clientId: randomId("", 22),
      clientSecret: "eyJraWQiOiJrZXktMTU2" + randomSecret(200),
      clientName,
      scopes,
      registration,
      secretExpiresAt: now + this.clientLifetime,
    };
    this.clients.set(client.clientId, client);
    return {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      clientIdIssuedAt: now,
      clientSecretExpiresAt: client.secretExpiresAt,
    };
  }

  #client(body: Record<string, unknown>): FakeSsoClient {
    const client = this.clients.get(str(body, "clientId"));
    if (!client || client.clientSecret !== str(body, "clientSecret")) {
      throw new SsoFault(401, "InvalidClientException", "Invalid client");
    }
    if (client.secretExpiresAt * 1000 <= Date.now()) {
      throw new SsoFault(401, "InvalidClientException", "Client registration expired");
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

  async #createToken(body: Record<string, unknown>) {
    const client = this.#client(body);
    const grant = str(body, "grantType");
    if (grant === "authorization_code") return await this.#authorizationCodeGrant(client, body);
    if (grant === "refresh_token") return this.#refreshTokenGrant(client, body);
    if (grant !== DEVICE_GRANT) {
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
    return this.#issueToken(client, device.startUrl);
  }

  async #authorizationCodeGrant(client: FakeSsoClient, body: Record<string, unknown>) {
    if (!client.registration.grantTypes.includes("authorization_code")) {
      throw new SsoFault(400, "UnauthorizedClientException", "Grant not registered");
    }
    const auth = this.authorizations.get(str(body, "code"));
    if (
      !auth || auth.used || auth.clientId !== client.clientId || auth.expiresAt <= Date.now() ||
      auth.redirectUri !== str(body, "redirectUri")
    ) {
      throw new SsoFault(400, "InvalidGrantException", "Invalid grant provided");
    }
    auth.used = true;
    // RFC 7636 section 4.6: BASE64URL(SHA256(code_verifier)) == code_challenge.
    const verifier = str(body, "codeVerifier");
    if (
      !/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || await s256(verifier) !== auth.codeChallenge
    ) {
      throw new SsoFault(400, "InvalidGrantException", "PKCE verification failed");
    }
    return this.#issueToken(client, client.registration.issuerUrl);
  }

  #refreshTokenGrant(client: FakeSsoClient, body: Record<string, unknown>) {
    const old = this.refreshTokens.get(str(body, "refreshToken"));
    if (!old || old.revoked || old.clientId !== client.clientId) {
      throw new SsoFault(400, "InvalidGrantException", "Invalid refresh token provided");
    }
    old.revoked = true; // rotation: a refresh token is good for one refresh
    return this.#issueToken(client, old.startUrl);
  }

  #issueToken(client: FakeSsoClient, startUrl: string) {
    const token: FakeAccessToken = {
      accessToken: "aoaAAAAAG" + randomSecret(300),
      startUrl,
      clientId: client.clientId,
      expiresAt: Date.now() + this.accessTokenLifetime * 1000,
    };
    this.tokens.set(token.accessToken, token);
    // AWS issues a refresh token only to clients registered with scopes.
    let refreshToken: string | undefined;
    if (client.scopes.length > 0) {
      refreshToken = "aorAAAAAG" + randomSecret(200);
      this.refreshTokens.set(refreshToken, {
        refreshToken,
        clientId: client.clientId,
        startUrl,
        revoked: false,
      });
    }
    return {
      accessToken: token.accessToken,
      tokenType: "Bearer",
      expiresIn: this.accessTokenLifetime,
      ...(refreshToken ? { refreshToken } : {}),
    };
  }

  /** What the browser does at /authorize for a signed-in user who consents at once. */
  #authorizePage(url: URL): Response {
    const q = url.searchParams;
    const client = this.clients.get(q.get("client_id") ?? "");
    const redirectUri = q.get("redirect_uri") ?? "";
    const bad = (why: string) =>
      new Response(`Bad authorization request: ${why}\n`, { status: 400 });
    if (!client || !client.registration.grantTypes.includes("authorization_code")) {
      return bad("unknown client");
    }
    if (!client.registration.redirectUris.some((r) => redirectMatches(r, redirectUri))) {
      return bad("redirect_uri not registered");
    }
    if (q.get("response_type") !== "code" || q.get("code_challenge_method") !== "S256") {
      return bad("response_type=code and code_challenge_method=S256 required");
    }
    const challenge = q.get("code_challenge") ?? "";
    const state = q.get("state") ?? "";
    if (!/^[A-Za-z0-9_-]{43}$/.test(challenge) || state === "") {
      return bad("code_challenge and state required");
    }
    const target = new URL(redirectUri);
    if (this.denyAuthorization) {
      target.searchParams.set("error", "access_denied");
    } else {
      const auth: FakeAuthorization = {
        code: randomId("", 40),
        clientId: client.clientId,
        redirectUri,
        codeChallenge: challenge,
        scopes: q.get("scopes") ?? "",
        expiresAt: Date.now() + 600_000,
        used: false,
      };
      this.authorizations.set(auth.code, auth);
      target.searchParams.set("code", auth.code);
    }
    target.searchParams.set("state", this.authorizeState ?? state);
    return new Response(null, { status: 302, headers: { location: target.href } });
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

/** RFC 8252 section 7.3: a loopback IP redirect matches a registered one on any port. */
function redirectMatches(registered: string, given: string): boolean {
  if (registered === given) return true;
  try {
    const r = new URL(registered);
    const g = new URL(given);
    return r.protocol === "http:" && r.hostname === "127.0.0.1" && g.hostname === "127.0.0.1" &&
      g.protocol === "http:" && r.pathname === g.pathname && r.search === g.search;
  } catch {
    return false;
  }
}

async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return btoa(String.fromCharCode(...new Uint8Array(digest)))
    .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
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
