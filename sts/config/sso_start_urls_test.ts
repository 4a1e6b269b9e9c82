import { assertEquals } from "../../tests/assert.ts";
import { AwsConfigFile } from "./config.ts";
import { parseIni } from "./ini.ts";
import { resolvedSsoStartUrl } from "./profile_resolve.ts";
import { ssoStartUrlsByProfile } from "./sso_start_urls.ts";

function config(text: string): AwsConfigFile {
  return new AwsConfigFile("config", parseIni(text));
}

/** Every profile's URL from the linear walk, checked against resolving the profile on its own. */
function urls(file: AwsConfigFile): Record<string, string> {
  const all = ssoStartUrlsByProfile(file);
  for (const name of file.profileNames()) {
    assertEquals(all.get(name), resolvedSsoStartUrl(file, name), `profile ${name}`);
  }
  return Object.fromEntries(all);
}

Deno.test("ssoStartUrlsByProfile: an invalid region or sso_region anywhere in the chain: no URL", () => {
  const file = config(`
[profile bad-region]
sso_start_url = https://a.awsapps.com/start
region = eu west 1

[profile uses-bad-region]
source_profile = bad-region
sso_start_url = https://b.awsapps.com/start

[profile bad-included-sso-region]
include_profile = bad-sso
sso_start_url = https://c.awsapps.com/start

[profile bad-sso]
sso_region = bad/region

[profile session-fixes-sso-region]
include_profile = bad-sso
sso_session = s

[profile missing-session-keeps-bad]
include_profile = bad-sso
sso_session = nowhere
sso_start_url = https://d.awsapps.com/start

[profile fine]
sso_start_url = https://e.awsapps.com/start
region = eu-west-1
sso_region = eu-west-1

[sso-session s]
sso_start_url = https://s.awsapps.com/start
sso_region = eu-central-1
`);
  assertEquals(urls(file), {
    "bad-region": "",
    "uses-bad-region": "",
    "bad-included-sso-region": "",
    "bad-sso": "",
    "session-fixes-sso-region": "https://s.awsapps.com/start",
    "missing-session-keeps-bad": "",
    fine: "https://e.awsapps.com/start",
  });
});

Deno.test("ssoStartUrlsByProfile: [default]'s region counts for every walk that ends there", () => {
  const file = config(`
[default]
region = not a region

[profile sso]
sso_start_url = https://a.awsapps.com/start

[profile own-region]
sso_start_url = https://b.awsapps.com/start
region = us-east-1
`);
  assertEquals(urls(file), {
    default: "",
    sso: "",
    "own-region": "https://b.awsapps.com/start",
  });
});
