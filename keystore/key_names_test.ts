import { assert, assertEquals } from "../tests/assert.ts";
import {
  base64UrlDecode,
  base64UrlEncode,
  formatSessionKey,
  isLegacySessionKey,
  isMasterCredentialsKey,
  isOidcKey,
  isSessionKey,
  oidcKey,
  parseSessionKey,
  sessionKeyPrefix,
} from "./key_names.ts";

Deno.test("session keys are aws-vault's: type, unpadded base64url of profile and MFA, expiry", () => {
  const key = {
    type: "sts.GetSessionToken",
    profileName: "jonsmith",
    mfaSerial: "arn:aws:iam::111111111111:mfa/jonsmith",
    expiration: 1684998123,
  };
  const name =
    "sts.GetSessionToken,am9uc21pdGg,YXJuOmF3czppYW06OjExMTExMTExMTExMTptZmEvam9uc21pdGg,1684998123";
  assertEquals(formatSessionKey(key), name);
  assertEquals(parseSessionKey(name), key);
  assertEquals(
    sessionKeyPrefix(key.type, key.profileName, key.mfaSerial),
    name.replace(/\d+$/, ""),
  );
  assert(isSessionKey(name));
  assert(!isMasterCredentialsKey(name));
});

Deno.test("an empty MFA serial gives ,, and round-trips", () => {
  const name = "credential_process,cHJvZA,,1684998123";
  assertEquals(
    formatSessionKey({
      type: "credential_process",
      profileName: "prod",
      mfaSerial: "",
      expiration: 1684998123,
    }),
    name,
  );
  assertEquals(parseSessionKey(name), {
    type: "credential_process",
    profileName: "prod",
    mfaSerial: "",
    expiration: 1684998123,
  });
});

Deno.test("session keys round-trip awkward profile names and SSO start URLs", () => {
  for (
    const [profileName, mfaSerial] of [
      ["team/dev", "https://acme.awsapps.com/start"],
      ["a,b", "x,y"],
      ["ünïcødé プロファイル", ""],
      ["?>>", "~~~"], // bytes whose standard base64 would contain + and /
    ]
  ) {
    const key = { type: "sso.GetRoleCredentials", profileName, mfaSerial, expiration: 1795342103 };
    const name = formatSessionKey(key);
    assertEquals(name.split(",").length, 4, name);
    assert(!/[+/=]/.test(name), name);
    assertEquals(parseSessionKey(name), key);
  }
});

Deno.test("base64url is unpadded and uses the URL alphabet", () => {
  assertEquals(base64UrlEncode("a"), "YQ");
  assertEquals(base64UrlEncode("ab"), "YWI");
  assertEquals(base64UrlEncode("abc"), "YWJj");
  assertEquals(base64UrlEncode("?>>"), "Pz4-");
  assertEquals(base64UrlEncode("~~~"), "fn5-");
  assertEquals(base64UrlEncode("\xff\xff"), "w7_Dvw");
  assertEquals(base64UrlDecode("Pz4-"), "?>>");
  assertEquals(base64UrlDecode(""), "");
});

Deno.test("keys that Go's decoder rejects are not session keys", () => {
  // Padding, the standard alphabet and spaces are all invalid in RawURLEncoding.
  for (
    const bad of ["t,YQ==,,1", "t,Pz4+,,1", "t,Pz4/,,1", "t,Y Q,,1", "t,Y,,1", "t,YQ,,", "t,,YQ,1"]
  ) {
    assertEquals(parseSessionKey(bad), undefined, bad);
    assert(isMasterCredentialsKey(bad), bad);
  }
});

Deno.test("legacy session keys are recognised by aws-vault's exact patterns", () => {
  for (
    const legacy of [
      "session,cHJvZA,,1684998123",
      "session,cHJvZA,YXJu,12",
      "session:prod:arn:aws:iam::1:mfa/u:1684998123",
      "session:prod::1684998123",
      "prod session (1684998123)",
    ]
  ) {
    assert(isLegacySessionKey(legacy), legacy);
    assertEquals(parseSessionKey(legacy), undefined, legacy);
    assert(!isMasterCredentialsKey(legacy), legacy);
  }
  // Profile names that merely look similar are master credentials, never deleted as sessions.
  for (
    const profile of ["session,prod", "session", "session:prod", " session (1)", "session,a,b,1"]
  ) {
    assert(!isLegacySessionKey(profile), profile);
  }
  assert(isMasterCredentialsKey("session,prod"));
});

Deno.test("oidc keys and master keys", () => {
  assertEquals(oidcKey("https://acme.awsapps.com/start"), "oidc:https://acme.awsapps.com/start");
  assert(isOidcKey("oidc:https://acme.awsapps.com/start"));
  assert(!isMasterCredentialsKey("oidc:https://acme.awsapps.com/start"));
  for (const profile of ["default", "team/dev", "odd%name", "with space", "a,b"]) {
    assert(isMasterCredentialsKey(profile), profile);
    assert(!isSessionKey(profile), profile);
  }
});
