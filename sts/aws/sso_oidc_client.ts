/**
 * The SSO OIDC API (`sso-oidc`, IAM Identity Center's OAuth 2.0 server): RegisterClient,
 * StartDeviceAuthorization, CreateToken (device code, authorization code with PKCE and refresh
 * token grants) and the URL of the browser's `/authorize` page. REST-JSON, unsigned, at
 * `https://oidc.<sso_region>.amazonaws.com` unless an endpoint is configured
 * (AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL, `[services]` sso_oidc, endpoint_url).
 * Errors are AwsServiceError with AWS's exception names (AuthorizationPendingException, ...).
 */
import { numberField as num, restJsonCall, stringField as str } from "./json.ts";
import { resolveEndpoint } from "./endpoints.ts";
import type { EndpointProfile } from "./endpoints.ts";

/** The device-code grant type of RFC 8628. */
export const DEVICE_CODE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code";

/** Options shared by the SSO clients. */
export interface SsoClientOptions {
  /** The profile: its sso_region and endpoint settings. */
  profile: EndpointProfile;
  /** Environment lookup; default Deno.env. */
  env?: (name: string) => string | undefined;
  /** An explicit endpoint that beats every configured one. */
  endpointUrl?: string;
  /** Per-attempt timeout in ms (default 30 s). */
  timeoutMs?: number;
  /** Pause before the single retry in ms (default 300). */
  retryDelayMs?: number;
}

export interface RegisteredClient {
  clientId: string;
  clientSecret: string;
  /** Unix seconds; 0 if not given. */
  clientSecretExpiresAt: number;
}

export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string;
  /** Seconds the device code stays valid. */
  expiresIn: number;
  /** Seconds between CreateToken polls; 0 if not given. */
  interval: number;
}

export interface CreatedToken {
  accessToken: string;
  tokenType: string;
  /** Seconds. */
  expiresIn: number;
  /** null when not issued (no openid scope). */
  idToken: string | null;
  /** null when not issued (client registered without scopes). */
  refreshToken: string | null;
}

export class SsoOidcClient {
  readonly endpoint: string;

  constructor(readonly options: SsoClientOptions) {
    this.endpoint = resolveEndpoint("sso-oidc", options.profile, {
      env: options.env,
      endpointUrl: options.endpointUrl,
    }).url;
  }

  async registerClient(input: {
    clientName: string;
    clientType: string;
    scopes?: string[];
    /** Authorization-code clients: `authorization_code`, `refresh_token`. */
    grantTypes?: string[];
    redirectUris?: string[];
    /** The start URL the client is for (required with the authorization-code grant). */
    issuerUrl?: string;
  }): Promise<RegisteredClient> {
    const nonEmpty = (name: string, v?: string[]) => v && v.length > 0 ? { [name]: v } : {};
    const out = await this.#call("RegisterClient", "/client/register", {
      clientName: input.clientName,
      clientType: input.clientType,
      ...nonEmpty("scopes", input.scopes),
      ...nonEmpty("grantTypes", input.grantTypes),
      ...nonEmpty("redirectUris", input.redirectUris),
      ...(input.issuerUrl ? { issuerUrl: input.issuerUrl } : {}),
    });
    return {
      clientId: str(out, "clientId"),
      clientSecret: str(out, "clientSecret"),
      clientSecretExpiresAt: num(out, "clientSecretExpiresAt"),
    };
  }

  async startDeviceAuthorization(
    input: { clientId: string; clientSecret: string; startUrl: string },
  ): Promise<DeviceAuthorization> {
    const out = await this.#call("StartDeviceAuthorization", "/device_authorization", {
      clientId: input.clientId,
      clientSecret: input.clientSecret,
      startUrl: input.startUrl,
    });
    return {
      deviceCode: str(out, "deviceCode"),
      userCode: str(out, "userCode"),
      verificationUri: str(out, "verificationUri"),
      verificationUriComplete: str(out, "verificationUriComplete"),
      expiresIn: num(out, "expiresIn"),
      interval: num(out, "interval"),
    };
  }

  /**
   * CreateToken with one grant: `deviceCode` (device code), `code` + `redirectUri` +
   * `codeVerifier` (authorization code with PKCE, RFC 7636) or `refreshToken`.
   */
  async createToken(input: {
    clientId: string;
    clientSecret: string;
    grantType: string;
    deviceCode?: string;
    code?: string;
    redirectUri?: string;
    codeVerifier?: string;
    refreshToken?: string;
  }): Promise<CreatedToken> {
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input)) if (v !== undefined) body[k] = v;
    const out = await this.#call("CreateToken", "/token", body);
    return {
      accessToken: str(out, "accessToken"),
      tokenType: str(out, "tokenType"),
      expiresIn: num(out, "expiresIn"),
      idToken: typeof out.idToken === "string" ? out.idToken : null,
      refreshToken: typeof out.refreshToken === "string" ? out.refreshToken : null,
    };
  }

  /**
   * The browser's authorization page (not an API operation: the AWS CLI builds it the same way,
   * on the resolved OIDC endpoint). `scopes` are space-separated, and every value is
   * percent-encoded (spaces as %20).
   */
  authorizeUrl(params: {
    clientId: string;
    redirectUri: string;
    state: string;
    codeChallenge: string;
    scopes: string[];
  }): string {
    const query: Array<[string, string]> = [
      ["response_type", "code"],
      ["client_id", params.clientId],
      ["redirect_uri", params.redirectUri],
      ["state", params.state],
      ["code_challenge", params.codeChallenge],
      ["code_challenge_method", "S256"],
      ["scopes", params.scopes.join(" ")],
    ];
    const text = query.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
    return `${this.endpoint.replace(/\/+$/, "")}/authorize?${text}`;
  }

  #call(action: string, path: string, body: Record<string, unknown>) {
    return restJsonCall({
      operation: `SSO OIDC ${action}`,
      errorOperation: `sso-oidc:${action}`,
      method: "POST",
      url: this.endpoint + path,
      body,
      timeoutMs: this.options.timeoutMs,
      retryDelayMs: this.options.retryDelayMs,
    });
  }
}
