/**
 * RegisterClient for either SSO login flow, returned as the registration stored with the token
 * (keystore/oidc_token_item.ts), so that a later login or refresh can reuse the client.
 */
import { debug } from "../lib/log.ts";
import { goLocalTime, type OidcClientRegistration } from "../keystore/oidc_token_item.ts";
import type { SsoOidcClient } from "./aws/sso_oidc_client.ts";

/** What the authorization code flow adds to a device-code registration. */
export interface AuthCodeRegistration {
  grantTypes: string[];
  redirectUris: string[];
  /** The start URL the client is for. */
  issuerUrl: string;
}

/** Registers a public client named `aws-vault` for `scopes` (and the auth-code grant if given). */
export async function registerOidcClient(
  oidc: SsoOidcClient,
  scopes: string[],
  authCode?: AuthCodeRegistration,
): Promise<OidcClientRegistration> {
  const client = await oidc.registerClient({
    clientName: "aws-vault",
    clientType: "public",
    scopes,
    ...authCode,
  });
  const expiresAt = new Date(client.clientSecretExpiresAt * 1000);
  // aws-vault's debug line (vault/ssorolecredentialsprovider.go); the flow is logged before.
  debug(
    `Created new OIDC client (expires at: ${
      client.clientSecretExpiresAt ? goLocalTime(expiresAt, false) : "unknown"
    })`,
  );
  return {
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    expiresAt,
    scopes,
    grantTypes: authCode?.grantTypes ?? [],
  };
}
