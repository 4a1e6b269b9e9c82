/**
 * The SSO portal API (`sso`): GetRoleCredentials, i.e.
 * `GET /federation/credentials?account_id=..&role_name=..` with the OIDC access token in the
 * `x-amz-sso_bearer_token` header. Unsigned; at `https://portal.sso.<sso_region>.amazonaws.com`
 * unless an endpoint is configured (AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL, `[services]` sso,
 * endpoint_url). An expired or unknown token gives AwsServiceError UnauthorizedException, 401.
 */
import type { Credentials } from "../../lib/credentials.ts";
import { AwsServiceError } from "./error.ts";
import { restJsonCall, stringField } from "./json.ts";
import { resolveEndpoint } from "./endpoints.ts";
import type { SsoClientOptions } from "./sso_oidc_client.ts";

/** Role credentials as the portal gives them. */
export interface RoleCredentials extends Credentials {
  expiration: Date;
  /** The portal's `expiration`: Unix epoch milliseconds. */
  expirationMs: number;
}

export class SsoClient {
  readonly endpoint: string;

  constructor(readonly options: SsoClientOptions) {
    this.endpoint = resolveEndpoint("sso", options.profile, {
      env: options.env,
      endpointUrl: options.endpointUrl,
    }).url;
  }

  async getRoleCredentials(
    input: { accessToken: string; accountId: string; roleName: string },
  ): Promise<RoleCredentials> {
    const query = new URLSearchParams({ account_id: input.accountId, role_name: input.roleName });
    const out = await restJsonCall({
      operation: "SSO GetRoleCredentials",
      errorOperation: "sso:GetRoleCredentials",
      method: "GET",
      url: `${this.endpoint}/federation/credentials?${query}`,
      headers: { "x-amz-sso_bearer_token": input.accessToken },
      timeoutMs: this.options.timeoutMs,
      retryDelayMs: this.options.retryDelayMs,
    });
    const rc = out.roleCredentials;
    const fields = rc !== null && typeof rc === "object" ? rc as Record<string, unknown> : {};
    const text = (name: string) => stringField(fields, name);
    const expirationMs = typeof fields.expiration === "number" ? fields.expiration : NaN;
    if (text("accessKeyId") === "" || !Number.isFinite(expirationMs)) {
      throw new AwsServiceError(
        "SerializationError",
        "GetRoleCredentials answer without roleCredentials",
        200,
        "",
        "sso:GetRoleCredentials",
      );
    }
    return {
      accessKeyId: text("accessKeyId"),
      secretAccessKey: text("secretAccessKey"),
      sessionToken: text("sessionToken"),
      expiration: new Date(expirationMs),
      expirationMs,
    };
  }
}
