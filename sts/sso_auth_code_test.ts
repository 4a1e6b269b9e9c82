/**
 * The authorization code flow against the fake SSO OIDC: PKCE values, the loopback listener
 * (other paths ignored, a refusal, the timeout) and a reused registration.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "../tests/assert.ts";
import { startFakeAws } from "../tests/fake_aws/server.ts";
import { testProfile } from "../tests/fake_aws/test_profile.ts";
import { UserError } from "../lib/errors.ts";
import { SsoOidcClient } from "./aws/sso_oidc_client.ts";
import { authorizationCodeLogin, codeChallenge, codeVerifier } from "./sso_auth_code.ts";

const START_URL = "https://corp.awsapps.com/start";

async function client() {
  const fake = await startFakeAws();
  const oidc = new SsoOidcClient({
    profile: testProfile({ ssoRegion: "eu-west-1" }),
    env: (n) => (n === "AWS_ENDPOINT_URL" ? fake.url : undefined),
    retryDelayMs: 10,
  });
  return { fake, oidc };
}

Deno.test("PKCE: 64-character verifier of the unreserved set; S256 challenge (RFC 7636 appendix B)", async () => {
  const v = codeVerifier();
  assertMatch(v, /^[A-Za-z0-9._~-]{64}$/);
  assert(codeVerifier() !== v);
  assertEquals(
    await codeChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
  );
});

Deno.test("authorizationCodeLogin: stray requests are ignored; the callback completes the login", async () => {
  const { fake, oidc } = await client();
  try {
    const strays: number[] = [];
    const result = await authorizationCodeLogin({
      oidc,
      startUrl: START_URL,
      scopes: ["sso:account:access"],
      show: async (url) => {
        const redirect = new URL(new URL(url).searchParams.get("redirect_uri")!);
        for (const path of ["/favicon.ico", "/oauth/callback", "/oauth/callback?code=x"]) {
          const r = await fetch(new URL(path, redirect));
          await r.body?.cancel();
          strays.push(r.status);
        }
        // The browser: /authorize redirects to the callback, which answers with a page.
        const page = await fetch(url);
        assertEquals(page.status, 200);
        assertMatch(await page.text(), /You can close this tab/);
      },
    });
    assertEquals(strays, [404, 404, 404]);
    assertEquals(fake.callsTo("CreateToken").map((c) => c.params.grantType), [
      "authorization_code",
    ]);
    assertMatch(result.token.accessToken, /^aoa/);
    assert(result.token.refreshToken);

    // The registration is reused: no RegisterClient, a new port, the same client.
    fake.clearCalls();
    const again = await authorizationCodeLogin({
      oidc,
      startUrl: START_URL,
      scopes: ["sso:account:access"],
      registration: result.registration,
      show: async (url) => void await (await fetch(url)).text(),
    });
    assertEquals(fake.callCount("RegisterClient"), 0);
    assertEquals(again.registration.clientId, result.registration.clientId);
  } finally {
    await fake.close();
  }
});

Deno.test("authorizationCodeLogin: a refusal in the browser and a timeout are clear errors", async () => {
  const { fake, oidc } = await client();
  try {
    const login = (show: (url: string) => Promise<void>, timeoutMs?: number) =>
      authorizationCodeLogin({
        oidc,
        startUrl: START_URL,
        scopes: ["sso:account:access"],
        show,
        timeoutMs,
      });
    fake.sso.denyAuthorization = true;
    await assertRejects(
      () => login(async (url) => void await (await fetch(url)).text()),
      UserError,
      `the SSO authorization for ${START_URL} was refused: access_denied`,
    );
    await assertRejects(
      () => login(() => Promise.resolve(), 200),
      UserError,
      `the SSO authorization for ${START_URL} was not completed in the browser within 0s`,
    );
    assertEquals(fake.callCount("CreateToken"), 0);
  } finally {
    await fake.close();
  }
});
