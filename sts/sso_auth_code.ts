/**
 * SSO login with the OAuth 2.0 authorization code grant and PKCE (RFC 7636, S256), as the AWS CLI
 * v2 does by default since 2.22 (awscli/customizations/sso/utils.py AuthCodeFetcher, botocore
 * utils.py SSOTokenFetcherAuth):
 *
 * 1. listen on `http://127.0.0.1:<random port>/oauth/callback` (RFC 8252: a loopback IP literal,
 *    not `localhost`, which may resolve elsewhere);
 * 2. register a client (or reuse a live one) with the `authorization_code` and `refresh_token`
 *    grants, the redirect URI without its port (RFC 8252 section 7.3: the server accepts any port
 *    on a loopback redirect, so one registration serves every login) and the start URL as issuer;
 * 3. open `<oidc endpoint>/authorize?response_type=code&client_id&redirect_uri&state&
 *    code_challenge&code_challenge_method=S256&scopes` in the browser;
 * 4. take the first callback carrying `code` and `state` (or `error`), refuse a `state` that is
 *    not ours (a forged redirect), and answer the browser with a short page;
 * 5. CreateToken with `grant_type=authorization_code`, the code, the redirect URI and the verifier.
 */
import { UserError } from "../lib/errors.ts";
import type { OidcClientRegistration } from "../keystore/oidc_token_item.ts";
import type { CreatedToken, SsoOidcClient } from "./aws/sso_oidc_client.ts";
import { registerOidcClient } from "./sso_registration.ts";

const AUTH_CODE_GRANT_TYPES = ["authorization_code", "refresh_token"];
const CALLBACK_PATH = "/oauth/callback";
/** What is registered: the loopback redirect without a port. */
const REGISTERED_REDIRECT_URI = `http://127.0.0.1${CALLBACK_PATH}`;
/** How long the user has to finish in the browser (the AWS CLI's overall timeout). */
const DEFAULT_CALLBACK_TIMEOUT_MS = 10 * 60_000;

export interface AuthCodeLoginOptions {
  oidc: SsoOidcClient;
  startUrl: string;
  scopes: string[];
  /** A live authorization-code client to reuse; a new one is registered otherwise. */
  registration?: OidcClientRegistration;
  /** Shows (and opens) the authorization URL. */
  show: (url: string) => Promise<void>;
  timeoutMs?: number;
}

export interface LoginResult {
  token: CreatedToken;
  registration: OidcClientRegistration;
}

interface Callback {
  code?: string;
  state?: string;
  error?: string;
}

export async function authorizationCodeLogin(opts: AuthCodeLoginOptions): Promise<LoginResult> {
  // Listen first, so that a browser with a live SSO session, which redirects at once, finds us.
  const listener = startCallbackListener();
  try {
    const redirectUri = `http://127.0.0.1:${listener.port}${CALLBACK_PATH}`;
    const registration = opts.registration ?? await registerOidcClient(opts.oidc, opts.scopes, {
      grantTypes: AUTH_CODE_GRANT_TYPES,
      redirectUris: [REGISTERED_REDIRECT_URI],
      issuerUrl: opts.startUrl,
    });
    const verifier = codeVerifier();
    const state = crypto.randomUUID();
    const url = opts.oidc.authorizeUrl({
      clientId: registration.clientId,
      redirectUri,
      state,
      codeChallenge: await codeChallenge(verifier),
      scopes: opts.scopes,
    });
    await opts.show(url);
    const timeoutMs = opts.timeoutMs ?? DEFAULT_CALLBACK_TIMEOUT_MS;
    const callback = await listener.next(timeoutMs);
    if (!callback) {
      throw new UserError(
        `the SSO authorization for ${opts.startUrl} was not completed in the browser within ${
          Math.round(timeoutMs / 1000)
        }s`,
      );
    }
    if (callback.error !== undefined) {
      throw new UserError(
        `the SSO authorization for ${opts.startUrl} was refused: ${callback.error}`,
      );
    }
    if (callback.state !== state) {
      throw new UserError(
        `the SSO authorization response for ${opts.startUrl} does not belong to this login ` +
          `(wrong state); log in again`,
      );
    }
    const token = await opts.oidc.createToken({
      clientId: registration.clientId,
      clientSecret: registration.clientSecret,
      grantType: "authorization_code",
      code: callback.code,
      redirectUri,
      codeVerifier: verifier,
    });
    return { token, registration };
  } finally {
    await listener.close();
  }
}

/** RFC 7636 section 4.1: 64 characters of the unreserved set (the AWS CLI's length). */
export function codeVerifier(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
  const out: string[] = [];
  // Rejection sampling keeps every character equally likely (256 is not a multiple of 66).
  while (out.length < 64) {
    for (const b of crypto.getRandomValues(new Uint8Array(96))) {
      if (b < 198 && out.length < 64) out.push(alphabet[b % 66]);
    }
  }
  return out.join("");
}

/** RFC 7636 section 4.2: BASE64URL(SHA256(verifier)) without padding. */
export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return btoa(String.fromCharCode(...new Uint8Array(digest)))
    .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

const PAGE_DONE = "<!doctype html><meta charset=utf-8><title>aws-vault</title>" +
  "<p>aws-vault received the SSO authorization. You can close this tab.</p>\n";

/**
 * The loopback listener: 127.0.0.1 only, a random port; requests for other paths, or without
 * `code`+`state` or `error`, are answered 404 and ignored (favicon fetches, stray scanners).
 */
function startCallbackListener() {
  let deliver!: (c: Callback) => void;
  const received = new Promise<Callback>((resolve) => (deliver = resolve));
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => {},
  }, (req) => {
    const url = new URL(req.url);
    const q = url.searchParams;
    const complete = q.has("error") || (q.has("code") && q.has("state"));
    if (req.method !== "GET" || url.pathname !== CALLBACK_PATH || !complete) {
      return new Response("Not found\n", { status: 404 });
    }
    deliver({
      code: q.get("code") ?? undefined,
      state: q.get("state") ?? undefined,
      // Only an OAuth error code is shown: the page's other text is not ours to echo.
      error: q.has("error") ? (/^[\w.-]{1,64}$/.exec(q.get("error")!)?.[0] ?? "error") : undefined,
    });
    return new Response(PAGE_DONE, {
      headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
    });
  });
  return {
    port: server.addr.port,
    async next(timeoutMs: number): Promise<Callback | undefined> {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), timeoutMs);
      });
      try {
        return await Promise.race([received, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await server.shutdown();
    },
  };
}
