/**
 * SSO login with the OAuth 2.0 device authorization grant (RFC 8628), aws-vault's only flow
 * (vault/ssorolecredentialsprovider.go newOIDCToken): RegisterClient (or a live client reused),
 * StartDeviceAuthorization, show the verification URL, poll CreateToken.
 *
 * Differences from aws-vault, on purpose: SlowDownException adds 5 s to the poll interval and
 * polling goes on (aws-vault returns it as an error); polling stops at the device code's expiry.
 */
import { UserError } from "../lib/errors.ts";
import { debug } from "../lib/log.ts";
import type { OidcClientRegistration } from "../keystore/oidc_token_item.ts";
import { DEVICE_CODE_GRANT_TYPE, type SsoOidcClient } from "./aws/sso_oidc_client.ts";
import { AwsServiceError } from "./aws/error.ts";
import type { LoginResult } from "./sso_auth_code.ts";
import { registerOidcClient } from "./sso_registration.ts";

/** RFC 8628 defaults: the poll interval when none is given, and the slow_down increment. */
const DEFAULT_INTERVAL_MS = 5_000;
const SLOW_DOWN_INCREMENT_MS = 5_000;
/** When StartDeviceAuthorization gives no expiresIn (AWS gives 600 s). */
const DEFAULT_DEVICE_CODE_LIFETIME_S = 600;

export interface DeviceCodeLoginOptions {
  oidc: SsoOidcClient;
  startUrl: string;
  /** Registered with the client; none for a legacy profile (then AWS issues no refresh token). */
  scopes: string[];
  /** A live device-code client to reuse; a new one is registered otherwise. */
  registration?: OidcClientRegistration;
  show: (url: string) => Promise<void>;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

export async function deviceCodeLogin(opts: DeviceCodeLoginOptions): Promise<LoginResult> {
  const { oidc, startUrl } = opts;
  const registration = opts.registration ?? await registerOidcClient(opts.oidc, opts.scopes);
  const device = await oidc.startDeviceAuthorization({
    clientId: registration.clientId,
    clientSecret: registration.clientSecret,
    startUrl,
  });
  debug(`Created OIDC device code for ${startUrl} (expires in: ${device.expiresIn}s)`);
  await opts.show(device.verificationUriComplete);

  const lifetime = device.expiresIn > 0 ? device.expiresIn : DEFAULT_DEVICE_CODE_LIFETIME_S;
  const deadline = opts.now() + lifetime * 1000;
  let interval = device.interval > 0 ? device.interval * 1000 : DEFAULT_INTERVAL_MS;
  for (;;) {
    try {
      const token = await oidc.createToken({
        clientId: registration.clientId,
        clientSecret: registration.clientSecret,
        grantType: DEVICE_CODE_GRANT_TYPE,
        deviceCode: device.deviceCode,
      });
      return { token, registration };
    } catch (err) {
      if (!(err instanceof AwsServiceError)) throw err;
      if (err.code === "SlowDownException") {
        interval += SLOW_DOWN_INCREMENT_MS;
        debug(`SSO OIDC asked to slow down; polling every ${interval / 1000}s`);
      } else if (err.code !== "AuthorizationPendingException") {
        throw err;
      }
    }
    if (opts.now() + interval >= deadline) {
      throw new UserError(
        `the SSO authorization for ${startUrl} was not approved within ${lifetime}s`,
      );
    }
    await opts.sleep(interval);
  }
}
