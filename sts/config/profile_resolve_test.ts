import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { UserError } from "../../lib/errors.ts";
import { type AwsConfigFile, loadConfigFile } from "./config.ts";
import { resolveProfile } from "./profile_resolve.ts";
import { emptyBaseConfig } from "./profile_config.ts";

const HOUR = 3_600_000;
const BASE = emptyBaseConfig();
const NO_ENV = () => undefined;

function envOf(vars: Record<string, string>) {
  return (n: string) => vars[n];
}

async function config(text: string): Promise<AwsConfigFile> {
  const dir = await Deno.makeTempDir({ prefix: "aws-vault-resolve-test-" });
  try {
    await Deno.writeTextFile(`${dir}/config`, text);
    return await loadConfigFile(`${dir}/config`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("resolve: own section, then include_profile, then [default] at the end of the chain", async () => {
  const file = await config(`
[default]
region = us-east-1
mfa_serial = arn:default-mfa
external_id = from-default

[profile base]
role_arn = arn:aws:iam::1:role/base
region = eu-west-1

[profile app]
include_profile = base
role_session_name = app-session
`);
  const p = resolveProfile(file, "app", BASE, NO_ENV);
  assertEquals(p.name, "app");
  assertEquals(p.roleArn, "arn:aws:iam::1:role/base");
  assertEquals(p.region, "eu-west-1");
  assertEquals(p.roleSessionName, "app-session");
  assertEquals(p.mfaSerial, "arn:default-mfa");
  assertEquals(p.externalId, "from-default");

  // A profile without a section still gets [default].
  const missing = resolveProfile(file, "nowhere", BASE, NO_ENV);
  assertEquals(missing.region, "us-east-1");
  // default itself does not loop into itself.
  assertEquals(resolveProfile(file, "default", BASE, NO_ENV).region, "us-east-1");
});

Deno.test("resolve: flags beat the environment, which beats the file", async () => {
  const file = await config("[profile a]\nregion = eu-west-1\nmfa_serial = file-mfa\n");
  const env = envOf({
    AWS_REGION: "ap-south-1",
    AWS_DEFAULT_REGION: "sa-east-1",
    AWS_MFA_SERIAL: "env-mfa",
  });
  assertEquals(resolveProfile(file, "a", BASE, env).region, "ap-south-1");
  assertEquals(resolveProfile(file, "a", BASE, env).mfaSerial, "env-mfa");
  assertEquals(
    resolveProfile(file, "a", BASE, envOf({ AWS_DEFAULT_REGION: "sa-east-1" })).region,
    "sa-east-1",
  );
  assertEquals(
    resolveProfile(file, "a", { ...BASE, region: "us-west-2" }, env).region,
    "us-west-2",
  );
  assertEquals(resolveProfile(file, "a", BASE, NO_ENV).region, "eu-west-1");
});

Deno.test("resolve: include_profile loops are reported", async () => {
  const file = await config("[profile a]\ninclude_profile = b\n[profile b]\ninclude_profile = a\n");
  assertThrows(
    () => resolveProfile(file, "a", BASE, NO_ENV),
    UserError,
    "Loop detected in config file for profile 'a'",
  );
});

Deno.test("resolve: source_profile chains are linked both ways; loops are reported", async () => {
  const file = await config(`
[profile root]
region = eu-west-1
mfa_serial = arn:root-mfa
[profile middle]
source_profile = root
role_arn = arn:middle
[profile top]
source_profile = middle
role_arn = arn:top
[profile self]
source_profile = self
[profile x]
source_profile = y
[profile y]
source_profile = z
[profile z]
source_profile = x
`);
  const top = resolveProfile(file, "top", { ...BASE, mfaToken: "123456" }, NO_ENV);
  const middle = top.sourceProfile!;
  const root = middle.sourceProfile!;
  assertEquals([top.name, middle.name, root.name], ["top", "middle", "root"]);
  assertEquals(root.sourceProfile, undefined);
  assert(middle.chainedFromProfile === top);
  assert(root.chainedFromProfile === middle);
  assertEquals(root.mfaToken, "123456"); // the base is copied into every profile
  // mfa_serial is not inherited from the source profile.
  assertEquals(top.mfaSerial, "");
  assertEquals(root.mfaSerial, "arn:root-mfa");

  const self = resolveProfile(file, "self", BASE, NO_ENV);
  assertEquals(self.sourceProfileName, "");
  assertEquals(self.sourceProfile, undefined);

  assertThrows(
    () => resolveProfile(file, "x", BASE, NO_ENV),
    UserError,
    "Loop detected in config file for profile 'x': source_profile chain x -> y -> z -> x",
  );
});

Deno.test("resolve: source_profile inherited from [default] is followed, and a self-reference dropped", async () => {
  const file = await config("[default]\nsource_profile = base\n[profile base]\nregion = x\n");
  const p = resolveProfile(file, "anything", BASE, NO_ENV);
  assertEquals(p.sourceProfileName, "base");
  // "base" inherits source_profile = base from [default]: a self-reference, dropped.
  assertEquals(p.sourceProfile?.sourceProfileName, "");
});

Deno.test("resolve: target-only environment variables do not reach source profiles", async () => {
  const file = await config("[profile src]\n[profile t]\nsource_profile = src\n");
  const env = envOf({
    AWS_ROLE_ARN: "arn:env-role",
    AWS_ROLE_SESSION_NAME: "env-session",
    AWS_SESSION_TAGS: "team = blue, env=dev",
    AWS_TRANSITIVE_TAGS: "team,,env ",
    AWS_SOURCE_IDENTITY: "me",
    AWS_STS_REGIONAL_ENDPOINTS: "legacy",
    AWS_ASSUME_ROLE_TTL: "2h",
  });
  const t = resolveProfile(file, "t", BASE, env);
  assertEquals(t.roleArn, "arn:env-role");
  assertEquals(t.roleSessionName, "env-session");
  assertEquals(t.sessionTags, { team: "blue", env: "dev" });
  assertEquals(t.transitiveSessionTags, ["team", "env"]);
  assertEquals(t.sourceIdentity, "me");
  const src = t.sourceProfile!;
  assertEquals(src.roleArn, "");
  assertEquals(src.sessionTags, {});
  assertEquals(src.sourceIdentity, "");
  // These apply to every profile.
  assertEquals(src.stsRegionalEndpoints, "legacy");
  assertEquals(src.assumeRoleDuration, 2 * HOUR);

  assertThrows(
    () => resolveProfile(file, "t", BASE, envOf({ AWS_SESSION_TAGS: "novalue" })),
    UserError,
    "Failed to parse AWS_SESSION_TAGS environment variable: session tags string must be <key1>=<value1>,[<key2>=<value2>[,...]]",
  );
});

Deno.test("resolve: session_tags from the first section that sets them; bad tags are an error", async () => {
  const file = await config(`
[default]
session_tags = a=1
transitive_session_tags = a
[profile t]
session_tags = k1 = v1 ,k2=v=2
[profile bad]
session_tags = k1=v1,oops
`);
  const t = resolveProfile(file, "t", BASE, NO_ENV);
  assertEquals(t.sessionTags, { k1: "v1", k2: "v=2" });
  assertEquals(t.transitiveSessionTags, ["a"]);
  assertThrows(
    () => resolveProfile(file, "bad", BASE, NO_ENV),
    UserError,
    "Failed to parse session_tags profile setting: session tags string must be <key1>=<value1>,[<key2>=<value2>[,...]]",
  );
});

Deno.test("resolve: durations: defaults, duration_seconds, TTL variables, --duration", async () => {
  const file = await config(
    "[profile a]\nduration_seconds = 7200\n[profile b]\nduration_seconds = 1h\n",
  );
  const a = resolveProfile(file, "a", BASE, NO_ENV);
  assertEquals(a.assumeRoleDuration, 2 * HOUR);
  assertEquals(a.nonChainedGetSessionTokenDuration, HOUR);
  assertEquals(a.chainedGetSessionTokenDuration, 8 * HOUR);
  assertEquals(a.getFederationTokenDuration, HOUR);
  // An invalid duration_seconds counts as unset.
  assertEquals(resolveProfile(file, "b", BASE, NO_ENV).assumeRoleDuration, HOUR);

  const env = envOf({
    AWS_ASSUME_ROLE_TTL: "3h",
    AWS_SESSION_TOKEN_TTL: "90m",
    AWS_CHAINED_SESSION_TOKEN_TTL: "12h",
    AWS_FEDERATION_TOKEN_TTL: "30m",
  });
  const fromEnv = resolveProfile(file, "a", BASE, env);
  assertEquals(fromEnv.assumeRoleDuration, 3 * HOUR); // env beats duration_seconds
  assertEquals(fromEnv.nonChainedGetSessionTokenDuration, 1.5 * HOUR);
  assertEquals(fromEnv.chainedGetSessionTokenDuration, 12 * HOUR);
  assertEquals(fromEnv.getFederationTokenDuration, 0.5 * HOUR);

  const flag = resolveProfile(file, "a", { ...BASE, duration: 15 * 60_000 }, env);
  assertEquals(flag.assumeRoleDuration, 15 * 60_000);
  assertEquals(flag.nonChainedGetSessionTokenDuration, 15 * 60_000);
  assertEquals(flag.getFederationTokenDuration, 15 * 60_000);
  assertEquals(flag.chainedGetSessionTokenDuration, 12 * HOUR); // --duration does not apply

  const invalid = resolveProfile(
    file,
    "a",
    BASE,
    envOf({ AWS_ASSUME_ROLE_TTL: "3600", AWS_SESSION_TOKEN_TTL: "soon" }),
  );
  assertEquals(invalid.assumeRoleDuration, 2 * HOUR);
  assertEquals(invalid.nonChainedGetSessionTokenDuration, HOUR);
});

Deno.test("resolve: sso_session copies the [sso-session] values over inherited ones", async () => {
  const file = await config(`
[default]
sso_start_url = https://default/start
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start#/
sso_region = eu-central-1
sso_registration_scopes = sso:account:access
[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Dev
sso_region = us-east-1
[profile inline]
sso_start_url = https://inline/start
sso_region = ap-south-1
[profile lost]
sso_session = nowhere
`);
  const dev = resolveProfile(file, "dev", BASE, NO_ENV);
  assertEquals(dev.ssoSession, "corp");
  assertEquals(dev.ssoStartUrl, "https://corp.awsapps.com/start#/");
  assertEquals(dev.ssoRegion, "eu-central-1");
  assertEquals(dev.ssoRegistrationScopes, "sso:account:access");
  assertEquals(dev.ssoAccountId, "111111111111");
  assertEquals(dev.ssoRoleName, "Dev");
  const inline = resolveProfile(file, "inline", BASE, NO_ENV);
  assertEquals([inline.ssoStartUrl, inline.ssoRegion], ["https://inline/start", "ap-south-1"]);
  const lost = resolveProfile(file, "lost", BASE, NO_ENV);
  assertEquals([lost.ssoSession, lost.ssoStartUrl], ["nowhere", "https://default/start"]);
});

Deno.test("resolve: endpoint_url, services sub-sections, ignore_configured_endpoint_urls", async () => {
  const file = await config(`
[default]
ignore_configured_endpoint_urls = true
[services local]
sts =
  endpoint_url = http://127.0.0.1:4566
IAM =
  endpoint_url = http://127.0.0.1:4567
sso-oidc =
  endpoint_url = http://127.0.0.1:4568
s3 =
  addressing_style = path
[profile a]
services = local
endpoint_url = http://127.0.0.1:9000
ignore_configured_endpoint_urls = false
[profile b]
services = missing
`);
  const a = resolveProfile(file, "a", BASE, NO_ENV);
  assertEquals(a.endpointUrl, "http://127.0.0.1:9000");
  assertEquals(a.serviceEndpointUrls, {
    sts: "http://127.0.0.1:4566",
    iam: "http://127.0.0.1:4567",
    "sso-oidc": "http://127.0.0.1:4568",
  });
  assertEquals(a.ignoreConfiguredEndpointUrls, false); // the own section wins over [default]
  const b = resolveProfile(file, "b", BASE, NO_ENV);
  assertEquals(b.serviceEndpointUrls, {});
  assertEquals(b.ignoreConfiguredEndpointUrls, true);
});

Deno.test("resolve: process, web identity and base fields", async () => {
  const file = await config(`
[profile p]
credential_process = /usr/bin/helper --json
mfa_process = /usr/bin/otp
web_identity_token_file = /tmp/token
web_identity_token_process = /usr/bin/token
sts_regional_endpoints = regional
source_identity = file-identity
external_id = ext
`);
  const p = resolveProfile(
    file,
    "p",
    { ...BASE, mfaPromptMethod: "terminal", ssoUseStdout: true },
    NO_ENV,
  );
  assertEquals(p.credentialProcess, "/usr/bin/helper --json");
  assertEquals(p.mfaProcess, "/usr/bin/otp");
  assertEquals(p.webIdentityTokenFile, "/tmp/token");
  assertEquals(p.webIdentityTokenProcess, "/usr/bin/token");
  assertEquals(p.stsRegionalEndpoints, "regional");
  assertEquals(p.sourceIdentity, "file-identity");
  assertEquals(p.externalId, "ext");
  assertEquals(p.mfaPromptMethod, "terminal");
  assertEquals(p.ssoUseStdout, true);
  // No internal bookkeeping leaks into the result.
  assertEquals(Object.keys(p).includes("taken"), false);
});
