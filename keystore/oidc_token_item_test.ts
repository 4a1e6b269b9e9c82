/** The OIDC token item: aws-vault's exact JSON, label and key; reading it back. */
import { assertEquals, assertThrows } from "../tests/assert.ts";
import { decodeOidcToken, goLocalTime, oidcTokenItem } from "./oidc_token_item.ts";
import { posixTest } from "../tests/platform.ts";

const START_URL = "https://example.awsapps.com/start";

Deno.test("oidcTokenItem: aws-vault's JSON (Go field order, nulls, empty metadata), key, label", () => {
  const expiration = new Date(Date.UTC(2023, 4, 25, 18, 34, 56, 120));
  const item = oidcTokenItem(START_URL, {
    accessToken: "tok<&>",
    expiresIn: 28800,
    idToken: null,
    refreshToken: null,
    tokenType: "Bearer",
    expiration,
  });
  const exp = goLocalTime(expiration, true);
  assertEquals(
    new TextDecoder().decode(item.data),
    `{"Token":{"AccessToken":"tok\\u003c\\u0026\\u003e","ExpiresIn":28800,"IdToken":null,` +
      `"RefreshToken":null,"TokenType":"Bearer","ResultMetadata":{}},"Expiration":"${exp}"}`,
  );
  assertEquals(item.key, `oidc:${START_URL}`);
  assertEquals(
    item.label,
    `aws-vault oidc token for ${START_URL} (expires ${goLocalTime(expiration, false)})`,
  );
  assertEquals(item.description, "aws-vault oidc token");
  assertEquals([item.keychainNotTrustApplication, item.keychainNotSynchronizable], [false, false]);
});

Deno.test("decodeOidcToken: Go's nanoseconds and offsets, case-insensitive fields, ExpiresIn recomputed", () => {
  const data = new TextEncoder().encode(
    `{"token":{"accessToken":"abc","ExpiresIn":28800,"IdToken":null,"RefreshToken":null,` +
      `"TokenType":"Bearer","ResultMetadata":{},"Extra":1},` +
      `"Expiration":"2023-05-25T18:34:56.123456789+10:00"}`,
  );
  const now = Date.UTC(2023, 4, 25, 8, 0, 0);
  const token = decodeOidcToken(data, now);
  assertEquals(token.accessToken, "abc");
  assertEquals(token.expiration.toISOString(), "2023-05-25T08:34:56.123Z");
  assertEquals(token.expiresIn, 34 * 60 + 56);
  assertEquals([token.idToken, token.refreshToken, token.tokenType], [null, null, "Bearer"]);
});

Deno.test("decodeOidcToken: bad data is an error that does not quote the token", () => {
  const bad = (text: string) => () => decodeOidcToken(new TextEncoder().encode(text));
  const err = assertThrows(bad(`{"Token":{"AccessToken":"secret-token"`), Error);
  assertEquals(err.message.includes("secret-token"), false);
  assertThrows(bad(`{"Token":{"AccessToken":"x"}}`), Error, "not an OIDC token");
  assertThrows(bad(`{"Token":{},"Expiration":"tomorrow"}`), Error, "bad Expiration");
});

posixTest(
  "time zones from the TZ variable",
  "goLocalTime: local offset as Go writes it (checked in other zones)",
  async () => {
    const script = `
    import { goLocalTime } from "${new URL("./oidc_token_item.ts", import.meta.url)}";
    const d = new Date(Date.UTC(2023, 4, 25, 8, 34, 56, 500));
    console.log(goLocalTime(d, true), goLocalTime(d, false), goLocalTime(new Date(Date.UTC(2023, 0, 1)), true));
  `;
    const expected: Record<string, string> = {
      "UTC": "2023-05-25T08:34:56.5Z 2023-05-25T08:34:56Z 2023-01-01T00:00:00Z",
      "Australia/Sydney":
        "2023-05-25T18:34:56.5+10:00 2023-05-25T18:34:56+10:00 2023-01-01T11:00:00+11:00",
      "America/St_Johns":
        "2023-05-25T06:04:56.5-02:30 2023-05-25T06:04:56-02:30 2022-12-31T20:30:00-03:30",
    };
    for (const [tz, want] of Object.entries(expected)) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["eval", "--quiet", script],
        env: { TZ: tz },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assertEquals(new TextDecoder().decode(out.stdout).trim(), want, tz);
    }
  },
);

Deno.test("oidcTokenItem: the refresh token and client registration, in a form aws-vault v7 still reads", () => {
  const expiration = new Date(Date.UTC(2030, 0, 1, 8, 0, 0));
  const registration = {
    clientId: "cid",
    clientSecret: "secret",
    expiresAt: new Date(Date.UTC(2030, 2, 1)),
    scopes: ["sso:account:access"],
    grantTypes: ["authorization_code", "refresh_token"],
  };
  const item = oidcTokenItem(START_URL, {
    accessToken: "tok",
    expiresIn: 28800,
    idToken: null,
    refreshToken: "ref",
    tokenType: "Bearer",
    expiration,
    registration,
  });
  const raw = JSON.parse(new TextDecoder().decode(item.data));
  // aws-vault's struct, vault/oidctokenkeyring.go OIDCTokenData{Token *ssooidc.CreateTokenOutput;
  // Expiration time.Time}: the fields it knows keep their Go types; ours is a top-level field
  // whose name folds to none of them, so encoding/json skips it.
  assertEquals(raw.Token, {
    AccessToken: "tok",
    ExpiresIn: 28800,
    IdToken: null,
    RefreshToken: "ref",
    TokenType: "Bearer",
    ResultMetadata: {},
  });
  assertEquals(raw.Expiration, goLocalTime(expiration, true));
  assertEquals(Object.keys(raw), ["Token", "Expiration", "ClientRegistration"]);
  for (const goField of ["token", "expiration"]) {
    assertEquals(Object.keys(raw).filter((k) => k.toLowerCase() === goField).length, 1);
  }
  assertEquals(raw.ClientRegistration, {
    ClientId: "cid",
    ClientSecret: "secret",
    ExpiresAt: "2030-03-01T00:00:00Z",
    Scopes: ["sso:account:access"],
    GrantTypes: ["authorization_code", "refresh_token"],
  });
  const back = decodeOidcToken(item.data, expiration.getTime() - 1000);
  assertEquals(back.refreshToken, "ref");
  assertEquals(back.registration, registration);

  // An item aws-vault wrote (no registration) reads as before; a broken registration is ignored.
  const legacy = new TextEncoder().encode(
    `{"Token":{"AccessToken":"a","ExpiresIn":1,"IdToken":null,"RefreshToken":"r",` +
      `"TokenType":"Bearer","ResultMetadata":{}},"Expiration":"2030-01-01T08:00:00Z",` +
      `"ClientRegistration":{"ClientId":"x"}}`,
  );
  const old = decodeOidcToken(legacy);
  assertEquals([old.refreshToken, old.registration], ["r", undefined]);
});
