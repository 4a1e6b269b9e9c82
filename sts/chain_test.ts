/**
 * The provider chain's decisions (aws-vault's vault/vault.go), checked on the built provider tree
 * without any network call: which provider serves each profile, what is cached under which key, and
 * when GetSessionToken is skipped. The keystore is a real file keystore in a temporary directory.
 */
import { assertEquals, assertRejects } from "../tests/assert.ts";
import {
  configFromText,
  dummyKeys,
  emptyBase,
  envOf,
  fileKeystore,
  storeMasterKeys,
} from "../tests/engine_fixtures.ts";
import type { CredentialsProvider } from "../lib/credentials.ts";
import { UsageError, UserError } from "../lib/errors.ts";
import { DeferredProvider, getCredentialsProvider } from "./chain.ts";
import { CachedSessionProvider, SessionStore } from "./session_cache.ts";
import type { Keystore } from "../keystore/keystore.ts";
import { MasterCredentialsProvider } from "./providers/master.ts";
import { SessionTokenProvider } from "./providers/session_token.ts";
import { AssumeRoleProvider } from "./providers/assume_role.ts";
import { WebIdentityProvider } from "./providers/web_identity.ts";
import { CredentialProcessProvider } from "./providers/credential_process.ts";
import type { ProfileBaseConfig } from "./config/profile_config.ts";

const SERIAL = "arn:aws:iam::111111111111:mfa/jonsmith";

// The set-up of the table of outcomes at the end of aws-vault's README.md.
const README_CONFIG = `
[profile jonsmith]
region = us-east-1
mfa_serial = ${SERIAL}

[profile foo-readonly]
source_profile = jonsmith
role_arn = arn:aws:iam::22222222222:role/ReadOnly

[profile foo-admin]
source_profile = jonsmith
role_arn = arn:aws:iam::22222222222:role/Administrator
mfa_serial = ${SERIAL}

[profile bar-role1]
source_profile = jonsmith
role_arn = arn:aws:iam::333333333333:role/Role1
mfa_serial = ${SERIAL}

[profile bar-role2]
source_profile = bar-role1
role_arn = arn:aws:iam::333333333333:role/Role2
mfa_serial = ${SERIAL}

[profile other-mfa]
source_profile = jonsmith
role_arn = arn:aws:iam::22222222222:role/Other
mfa_serial = arn:aws:iam::111111111111:mfa/other

[profile webid]
role_arn = arn:aws:iam::22222222222:role/Web
web_identity_token_file = /nonexistent/token

[profile proc]
credential_process = echo {}

[profile proc-role]
source_profile = proc
role_arn = arn:aws:iam::22222222222:role/FromProcess

[profile sso]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = Admin

[profile sso-role]
source_profile = sso
role_arn = arn:aws:iam::22222222222:role/FromSso

[profile sso-and-web]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Admin
web_identity_token_file = /nonexistent
role_arn = arn:aws:iam::22222222222:role/Web

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[profile empty]
region = eu-west-1
`;

/** A readable description of a provider tree: what runs, what is cached under which key. */
async function describe(p: CredentialsProvider): Promise<string> {
  if (p instanceof CachedSessionProvider) {
    const m = p.options.meta;
    const serial = m.mfaSerial === "" ? "" : ",mfa";
    return `cache(${m.type},${m.profileName}${serial})<${await describe(p.options.provider)}>`;
  }
  if (p instanceof MasterCredentialsProvider) return `master(${p.credentialsName})`;
  if (p instanceof SessionTokenProvider) {
    const mfa = p.profile.mfaSerial === "" ? "" : " mfa";
    return `GetSessionToken(${p.duration / 3_600_000}h${mfa})<${await describe(p.source)}>`;
  }
  if (p instanceof AssumeRoleProvider) {
    const mfa = p.mfaSerial === "" ? "" : " mfa";
    return `AssumeRole(${p.profile.name} ${
      p.profile.assumeRoleDuration / 3_600_000
    }h${mfa})<${await describe(p.source)}>`;
  }
  if (p instanceof WebIdentityProvider) return `WebIdentity(${p.profile.name})`;
  if (p instanceof CredentialProcessProvider) return `CredentialProcess`;
  // Built on a cache miss only; describe what it would build.
  if (p instanceof DeferredProvider) return await describe(await p.provider());
  return p.constructor.name;
}

async function chainFor(
  profileName: string,
  opts: {
    noSession?: boolean;
    base?: ProfileBaseConfig;
    env?: Record<string, string>;
    disableCache?: boolean;
  } = {},
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "chain-test-" });
  try {
    const keystore = await fileKeystore(`${dir}/keys`);
    await storeMasterKeys(keystore, "jonsmith", dummyKeys());
    const config = await configFromText(dir, README_CONFIG);
    const { provider } = await getCredentialsProvider({
      config,
      profileName,
      base: opts.base ?? emptyBase(),
      keystore,
      noSession: opts.noSession ?? false,
      disableCache: opts.disableCache,
      env: envOf(opts.env),
    });
    return await describe(provider);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("chain: the README table of aws-vault, row by row", async () => {
  assertEquals(await chainFor("jonsmith", { noSession: true }), "master(jonsmith)");
  assertEquals(
    await chainFor("jonsmith"),
    "cache(sts.GetSessionToken,jonsmith,mfa)<GetSessionToken(1h mfa)<master(jonsmith)>>",
  );
  // A role without MFA: from the master keys, not cached.
  assertEquals(
    await chainFor("foo-readonly"),
    "AssumeRole(foo-readonly 1h)<master(jonsmith)>",
  );
  // Same MFA: the 8h chained session is cached, the role is assumed without MFA, not cached.
  assertEquals(
    await chainFor("foo-admin"),
    "AssumeRole(foo-admin 1h)<cache(sts.GetSessionToken,jonsmith,mfa)<GetSessionToken(8h mfa)<master(jonsmith)>>>",
  );
  // > 1h cannot be chained from a session: the role comes from the master keys with MFA, cached.
  assertEquals(
    await chainFor("foo-admin", { base: emptyBase({ duration: 2 * 3_600_000 }) }),
    "cache(sts.AssumeRole,foo-admin,mfa)<AssumeRole(foo-admin 2h mfa)<master(jonsmith)>>",
  );
  assertEquals(
    await chainFor("bar-role2"),
    "AssumeRole(bar-role2 1h)<AssumeRole(bar-role1 1h)<cache(sts.GetSessionToken,jonsmith,mfa)<GetSessionToken(8h mfa)<master(jonsmith)>>>>",
  );
  assertEquals(
    await chainFor("bar-role2", { noSession: true }),
    "cache(sts.AssumeRole,bar-role2,mfa)<AssumeRole(bar-role2 1h mfa)<cache(sts.AssumeRole,bar-role1,mfa)<AssumeRole(bar-role1 1h mfa)<master(jonsmith)>>>>",
  );
});

Deno.test("chain: a different MFA serial skips GetSessionToken and assumes with MFA", async () => {
  assertEquals(
    await chainFor("other-mfa"),
    "cache(sts.AssumeRole,other-mfa,mfa)<AssumeRole(other-mfa 1h mfa)<master(jonsmith)>>",
  );
});

Deno.test("chain: AWS_ASSUME_ROLE_TTL over 1h also skips the chained session", async () => {
  assertEquals(
    await chainFor("foo-admin", { env: { AWS_ASSUME_ROLE_TTL: "90m" } }),
    "cache(sts.AssumeRole,foo-admin,mfa)<AssumeRole(foo-admin 1.5h mfa)<master(jonsmith)>>",
  );
  // Exactly 1h may still be chained.
  assertEquals(
    await chainFor("foo-admin", { env: { AWS_ASSUME_ROLE_TTL: "1h" } }),
    "AssumeRole(foo-admin 1h)<cache(sts.GetSessionToken,jonsmith,mfa)<GetSessionToken(8h mfa)<master(jonsmith)>>>",
  );
});

Deno.test("chain: AWS_CHAINED_SESSION_TOKEN_TTL sets the chained session, --duration the plain one", async () => {
  assertEquals(
    await chainFor("foo-admin", { env: { AWS_CHAINED_SESSION_TOKEN_TTL: "2h" } }),
    "AssumeRole(foo-admin 1h)<cache(sts.GetSessionToken,jonsmith,mfa)<GetSessionToken(2h mfa)<master(jonsmith)>>>",
  );
  assertEquals(
    await chainFor("jonsmith", { base: emptyBase({ duration: 3 * 3_600_000 }) }),
    "cache(sts.GetSessionToken,jonsmith,mfa)<GetSessionToken(3h mfa)<master(jonsmith)>>",
  );
});

Deno.test("chain: disableCache (rotate) builds the same chain without caches", async () => {
  assertEquals(
    await chainFor("foo-admin", { disableCache: true }),
    "AssumeRole(foo-admin 1h)<GetSessionToken(8h mfa)<master(jonsmith)>>",
  );
});

Deno.test("chain: web identity, credential_process, and credential_process as a source", async () => {
  assertEquals(
    await chainFor("webid"),
    "cache(sts.AssumeRoleWithWebIdentity,webid)<WebIdentity(webid)>",
  );
  assertEquals(await chainFor("proc"), "cache(credential_process,proc)<CredentialProcess>");
  assertEquals(
    await chainFor("proc-role"),
    "AssumeRole(proc-role 1h)<cache(credential_process,proc)<CredentialProcess>>",
  );
});

Deno.test("chain: errors for missing credentials, unknown profiles and bad --prompt", async () => {
  await assertRejects(() => chainFor("empty"), UserError, "profile empty: credentials missing");
  const err = await assertRejects(() => chainFor("nope"), UserError);
  assertEquals(
    /^profile nope not found in .*\/config and no credentials stored for it$/.test(err.message),
    true,
  );
  await assertRejects(
    () => chainFor("jonsmith", { base: emptyBase({ mfaPromptMethod: "bogus" }) }),
    UsageError,
    "--prompt value must be one of ",
  );
  await assertRejects(
    () => chainFor("jonsmith", { base: emptyBase({ mfaPromptMethod: "pass" }) }),
    UserError,
    "--prompt=pass (or AWS_VAULT_PROMPT=pass) has been removed",
  );
});

Deno.test("chain: SSO after the stored/source path and before web identity, cached by start URL", async () => {
  assertEquals(
    await chainFor("sso"),
    "cache(sso.GetRoleCredentials,sso,mfa)<SsoRoleCredentialsProvider>",
  );
  // No role on top of SSO credentials: a second profile with source_profile assumes it.
  assertEquals(
    await chainFor("sso-role"),
    "AssumeRole(sso-role 1h)<cache(sso.GetRoleCredentials,sso,mfa)<SsoRoleCredentialsProvider>>",
  );
  assertEquals(
    await chainFor("sso-and-web"),
    "cache(sso.GetRoleCredentials,sso-and-web,mfa)<SsoRoleCredentialsProvider>",
  );
  // rotate: neither role credentials nor the OIDC token are cached.
  assertEquals(await chainFor("sso", { disableCache: true }), "SsoRoleCredentialsProvider");
});

Deno.test("chain: stored keys without a config section are enough", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chain-test-" });
  try {
    const keystore = await fileKeystore(`${dir}/keys`);
    await storeMasterKeys(keystore, "nosection", dummyKeys());
    const config = await configFromText(dir, "");
    const { profile, provider } = await getCredentialsProvider({
      config,
      profileName: "nosection",
      base: emptyBase(),
      keystore,
      noSession: false,
      env: envOf(),
    });
    assertEquals(profile.name, "nosection");
    assertEquals(
      await describe(provider),
      "cache(sts.GetSessionToken,nosection)<GetSessionToken(1h)<master(nosection)>>",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chain: a cached session is served with one listing of the keystore", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chain-test-" });
  try {
    const keystore = await fileKeystore(`${dir}/keys`);
    await storeMasterKeys(keystore, "jonsmith", dummyKeys());
    const session = {
      ...dummyKeys(),
      accessKeyId: "ASIAEXAMPLE00000SESS",
      sessionToken: "token",
      expiration: new Date(Math.floor(Date.now() / 1000) * 1000 + 3_600_000),
    };
    const meta = { type: "sts.GetSessionToken" as const, profileName: "jonsmith" };
    await new SessionStore(keystore).set({ ...meta, mfaSerial: SERIAL }, session);
    let listings = 0;
    const counting: Keystore = {
      backend: keystore.backend,
      get: (key) => keystore.get(key),
      set: (item) => keystore.set(item),
      remove: (key) => keystore.remove(key),
      keys: () => {
        listings++;
        return keystore.keys();
      },
    };
    const { provider } = await getCredentialsProvider({
      config: await configFromText(dir, README_CONFIG),
      profileName: "jonsmith",
      base: emptyBase(),
      keystore: counting,
      noSession: false,
      env: envOf(),
    });
    assertEquals(await provider.retrieve(), session);
    assertEquals(listings, 1);
    // A second retrieve (a server's next request) lists the keystore again.
    await provider.retrieve();
    assertEquals(listings, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
