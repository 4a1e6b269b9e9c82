/**
 * The SSO OIDC API (`sso-oidc`, IAM Identity Center's OAuth 2.0 device flow): RegisterClient,
 * StartDeviceAuthorization and CreateToken. REST-JSON, unsigned, at
 * `https://oidc.<sso_region>.amazonaws.com` unless an endpoint is configured
 * (AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL, `[services]` sso_oidc, endpoint_url).
 * Errors are AwsServiceError with AWS's exception names (AuthorizationPendingException, ...).
 */
import { restJsonCall } from "./json.ts";
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

  async registerClient(
    input: { clientName: string; clientType: string; scopes?: string[] },
  ): Promise<RegisteredClient> {
    const out = await this.#call("RegisterClient", "/client/register", {
      clientName: input.clientName,
      clientType: input.clientType,
      ...(input.scopes && input.scopes.length > 0 ? { scopes: input.scopes } : {}),
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

  async createToken(
    input: { clientId: string; clientSecret: string; grantType: string; deviceCode: string },
  ): Promise<CreatedToken> {
    const out = await this.#call("CreateToken", "/token", {
      clientId: input.clientId,
      clientSecret: input.clientSecret,
      grantType: input.grantType,
      deviceCode: input.deviceCode,
    });
    return {
      accessToken: str(out, "accessToken"),
      tokenType: str(out, "tokenType"),
      expiresIn: num(out, "expiresIn"),
      idToken: typeof out.idToken === "string" ? out.idToken : null,
      refreshToken: typeof out.refreshToken === "string" ? out.refreshToken : null,
    };
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

function str(obj: Record<string, unknown>, name: string): string {
  const v = obj[name];
  return typeof v === "string" ? v : "";
}

function num(obj: Record<string, unknown>, name: string): number {
  const v = obj[name];
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}
