/**
 * Endpoint precedence, table-driven. The configured-endpoint cases follow the structure of the
 * AWS CLI's cross-SDK suite (tests/functional/configured_endpoint_urls/profile-tests.json), with
 * our services (STS, IAM, SSO OIDC) and our own values.
 */
import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { testProfile } from "../../tests/fake_aws/test_profile.ts";
import { type AwsServiceName, MissingRegionError, resolveEndpoint } from "./endpoints.ts";
import type { ProfileConfig } from "../config/profile_config.ts";

const PROFILES: Record<string, Partial<ProfileConfig>> = {
  plain: {},
  globalOnly: { endpointUrl: "https://profile-global.example" },
  stsSpecific: { serviceEndpointUrls: { sts: "https://profile-sts.example" } },
  globalAndSts: {
    endpointUrl: "https://profile-global.example",
    serviceEndpointUrls: { sts: "https://profile-sts.example", iam: "https://profile-iam.example" },
  },
  ignoring: {
    endpointUrl: "https://profile-global.example",
    serviceEndpointUrls: { sts: "https://profile-sts.example" },
    ignoreConfiguredEndpointUrls: true,
  },
};

const ENVS: Record<string, Record<string, string>> = {
  none: {},
  global: { AWS_ENDPOINT_URL: "https://env-global.example" },
  sts: { AWS_ENDPOINT_URL_STS: "https://env-sts.example" },
  globalAndSts: {
    AWS_ENDPOINT_URL: "https://env-global.example",
    AWS_ENDPOINT_URL_STS: "https://env-sts.example",
  },
  ignoreAll: {
    AWS_ENDPOINT_URL: "https://env-global.example",
    AWS_ENDPOINT_URL_STS: "https://env-sts.example",
    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true",
  },
  notIgnoring: {
    AWS_ENDPOINT_URL: "https://env-global.example",
    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "false",
  },
  iamAndOidc: {
    AWS_ENDPOINT_URL_IAM: "https://env-iam.example",
    AWS_ENDPOINT_URL_SSO_OIDC: "https://env-oidc.example",
  },
};

const DEFAULT_STS = "https://sts.eu-west-1.amazonaws.com";

// [case, profile, environment, explicit client endpoint, service, expected URL]
const CASES: [string, string, string, string, AwsServiceName, string][] = [
  ["SDK default", "plain", "none", "", "sts", DEFAULT_STS],
  [
    "profile endpoint_url over default",
    "globalOnly",
    "none",
    "",
    "sts",
    "https://profile-global.example",
  ],
  ["[services] sts over default", "stsSpecific", "none", "", "sts", "https://profile-sts.example"],
  [
    "[services] sts over profile endpoint_url",
    "globalAndSts",
    "none",
    "",
    "sts",
    "https://profile-sts.example",
  ],
  ["AWS_ENDPOINT_URL over default", "plain", "global", "", "sts", "https://env-global.example"],
  [
    "AWS_ENDPOINT_URL over profile endpoint_url",
    "globalOnly",
    "global",
    "",
    "sts",
    "https://env-global.example",
  ],
  [
    "AWS_ENDPOINT_URL over [services]",
    "stsSpecific",
    "global",
    "",
    "sts",
    "https://env-global.example",
  ],
  [
    "AWS_ENDPOINT_URL over both config values",
    "globalAndSts",
    "global",
    "",
    "sts",
    "https://env-global.example",
  ],
  ["AWS_ENDPOINT_URL_STS over default", "plain", "sts", "", "sts", "https://env-sts.example"],
  [
    "AWS_ENDPOINT_URL_STS over [services]",
    "stsSpecific",
    "sts",
    "",
    "sts",
    "https://env-sts.example",
  ],
  [
    "AWS_ENDPOINT_URL_STS over AWS_ENDPOINT_URL",
    "plain",
    "globalAndSts",
    "",
    "sts",
    "https://env-sts.example",
  ],
  [
    "AWS_ENDPOINT_URL_STS over everything",
    "globalAndSts",
    "globalAndSts",
    "",
    "sts",
    "https://env-sts.example",
  ],
  [
    "client endpoint over everything",
    "globalAndSts",
    "globalAndSts",
    "https://client.example",
    "sts",
    "https://client.example",
  ],
  ["ignored by the environment", "globalAndSts", "ignoreAll", "", "sts", DEFAULT_STS],
  ["ignored by the profile", "ignoring", "globalAndSts", "", "sts", DEFAULT_STS],
  [
    "env false beats profile true",
    "ignoring",
    "notIgnoring",
    "",
    "sts",
    "https://env-global.example",
  ],
  [
    "client endpoint survives ignore (env)",
    "plain",
    "ignoreAll",
    "https://client.example",
    "sts",
    "https://client.example",
  ],
  [
    "client endpoint survives ignore (profile)",
    "ignoring",
    "none",
    "https://client.example",
    "sts",
    "https://client.example",
  ],
  ["another service's env var is not used", "plain", "sts", "", "iam", "https://iam.amazonaws.com"],
  ["[services] iam for IAM", "globalAndSts", "none", "", "iam", "https://profile-iam.example"],
  ["AWS_ENDPOINT_URL_IAM", "plain", "iamAndOidc", "", "iam", "https://env-iam.example"],
  ["AWS_ENDPOINT_URL_SSO_OIDC", "plain", "iamAndOidc", "", "sso-oidc", "https://env-oidc.example"],
  ["AWS_ENDPOINT_URL for IAM", "plain", "global", "", "iam", "https://env-global.example"],
];

for (const [name, profile, env, explicit, service, expected] of CASES) {
  Deno.test(`endpoint precedence: ${name}`, () => {
    const resolved = resolveEndpoint(
      service,
      testProfile({ ssoRegion: "eu-west-1", ...PROFILES[profile] }),
      {
        env: (n) => ENVS[env][n],
        endpointUrl: explicit || undefined,
      },
    );
    assertEquals(resolved.url, expected);
  });
}

// [region, sts_regional_endpoints, service, expected URL, signing region]
const DEFAULTS: [string, string, AwsServiceName, string, string][] = [
  ["eu-west-1", "", "sts", "https://sts.eu-west-1.amazonaws.com", "eu-west-1"],
  ["eu-west-1", "regional", "sts", "https://sts.eu-west-1.amazonaws.com", "eu-west-1"],
  ["eu-west-1", "legacy", "sts", "https://sts.amazonaws.com", "us-east-1"],
  ["us-east-1", "legacy", "sts", "https://sts.amazonaws.com", "us-east-1"],
  ["ap-east-1", "legacy", "sts", "https://sts.ap-east-1.amazonaws.com", "ap-east-1"],
  ["af-south-1", "legacy", "sts", "https://sts.af-south-1.amazonaws.com", "af-south-1"],
  ["aws-global", "", "sts", "https://sts.amazonaws.com", "us-east-1"],
  ["cn-north-1", "", "sts", "https://sts.cn-north-1.amazonaws.com.cn", "cn-north-1"],
  [
    "cn-northwest-1",
    "legacy",
    "sts",
    "https://sts.cn-northwest-1.amazonaws.com.cn",
    "cn-northwest-1",
  ],
  ["us-gov-west-1", "", "sts", "https://sts.us-gov-west-1.amazonaws.com", "us-gov-west-1"],
  ["eu-west-1", "", "iam", "https://iam.amazonaws.com", "us-east-1"],
  ["cn-northwest-1", "", "iam", "https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1"],
  ["us-gov-east-1", "", "iam", "https://iam.us-gov.amazonaws.com", "us-gov-west-1"],
  // The European Sovereign Cloud (aws-eusc): its own DNS suffix and IAM home region.
  ["eusc-de-east-1", "", "sts", "https://sts.eusc-de-east-1.amazonaws.eu", "eusc-de-east-1"],
  ["eusc-de-east-1", "", "iam", "https://iam.eusc-de-east-1.amazonaws.eu", "eusc-de-east-1"],
];

Deno.test("default endpoints per region, partition and sts_regional_endpoints", () => {
  for (const [region, mode, service, url, signingRegion] of DEFAULTS) {
    const resolved = resolveEndpoint(service, testProfile({ region, stsRegionalEndpoints: mode }), {
      env: () => undefined,
    });
    assertEquals([resolved.url, resolved.signingRegion, resolved.source], [
      url,
      signingRegion,
      "default",
    ], `${region} ${mode} ${service}`);
  }
});

Deno.test("configured endpoints keep the signing region; IAM signs for its partition", () => {
  const env = (n: string) => n === "AWS_ENDPOINT_URL" ? "http://127.0.0.1:1234/" : undefined;
  const sts = resolveEndpoint("sts", testProfile({ region: "ap-south-1" }), { env });
  assertEquals([sts.url, sts.signingRegion, sts.source], [
    "http://127.0.0.1:1234",
    "ap-south-1",
    "env-global",
  ]);
  const iam = resolveEndpoint("iam", testProfile({ region: "ap-south-1" }), { env });
  assertEquals([iam.url, iam.signingRegion], ["http://127.0.0.1:1234", "us-east-1"]);
});

Deno.test("no region: STS goes to the global endpoint signed for us-east-1, as botocore's", () => {
  const none = () => undefined;
  for (const mode of ["", "regional", "legacy"]) {
    const sts = resolveEndpoint("sts", testProfile({ region: "", stsRegionalEndpoints: mode }), {
      env: none,
    });
    assertEquals([sts.url, sts.signingRegion, sts.source], [
      "https://sts.amazonaws.com",
      "us-east-1",
      "default",
    ]);
  }
  const configured = resolveEndpoint("sts", testProfile({ region: "" }), {
    env: (n) => n === "AWS_ENDPOINT_URL" ? "http://127.0.0.1:1234" : undefined,
  });
  assertEquals([configured.url, configured.signingRegion], ["http://127.0.0.1:1234", "us-east-1"]);
  const iam = resolveEndpoint("iam", testProfile({ region: "" }), { env: none });
  assertEquals([iam.url, iam.signingRegion], ["https://iam.amazonaws.com", "us-east-1"]);
});

Deno.test("no SSO region: the SDK's error, naming the setting", () => {
  const err = assertThrows(
    () =>
      resolveEndpoint("sso", testProfile({ name: "work", region: "eu-west-1" }), {
        env: () => undefined,
      }),
    MissingRegionError,
    "an AWS region is required, but was not found",
  );
  assertEquals(err.message.includes("'work'"), true);
  assertThrows(
    () =>
      resolveEndpoint("sso-oidc", testProfile({ name: "sso", region: "eu-west-1" }), {
        env: () => undefined,
      }),
    MissingRegionError,
    "sso_region",
  );
});

Deno.test("SSO endpoints: sso_region, AWS_ENDPOINT_URL_SSO(_OIDC), [services] sso / sso_oidc", () => {
  const sso = (overrides: Partial<ProfileConfig>, env: Record<string, string>) => {
    const profile = testProfile({ region: "us-east-1", ssoRegion: "eu-west-2", ...overrides });
    return ["sso", "sso-oidc"].map((s) =>
      resolveEndpoint(s as AwsServiceName, profile, { env: (n) => env[n] })
    ).map((r) => `${r.url} ${r.signingRegion} ${r.source}`);
  };
  assertEquals(sso({}, {}), [
    "https://portal.sso.eu-west-2.amazonaws.com eu-west-2 default",
    "https://oidc.eu-west-2.amazonaws.com eu-west-2 default",
  ]);
  assertEquals(sso({ ssoRegion: "cn-north-1" }, {}), [
    "https://portal.sso.cn-north-1.amazonaws.com.cn cn-north-1 default",
    "https://oidc.cn-north-1.amazonaws.com.cn cn-north-1 default",
  ]);
  assertEquals(
    sso({}, {
      AWS_ENDPOINT_URL: "http://global",
      AWS_ENDPOINT_URL_SSO: "http://portal",
      AWS_ENDPOINT_URL_SSO_OIDC: "http://oidc",
      AWS_ENDPOINT_URL_STS: "http://sts",
    }),
    ["http://portal eu-west-2 env-service", "http://oidc eu-west-2 env-service"],
  );
  assertEquals(sso({}, { AWS_ENDPOINT_URL: "http://global/" }), [
    "http://global eu-west-2 env-global",
    "http://global eu-west-2 env-global",
  ]);
  assertEquals(
    sso({
      endpointUrl: "http://profile",
      serviceEndpointUrls: { sso: "http://cfg-portal", sso_oidc: "http://cfg-oidc" },
    }, {}),
    ["http://cfg-portal eu-west-2 config-service", "http://cfg-oidc eu-west-2 config-service"],
  );
  assertEquals(
    sso({ endpointUrl: "http://profile", serviceEndpointUrls: { sts: "http://x" } }, {}),
    [
      "http://profile eu-west-2 config-global",
      "http://profile eu-west-2 config-global",
    ],
  );
  assertEquals(
    sso({}, { AWS_ENDPOINT_URL: "http://global", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" })[0],
    "https://portal.sso.eu-west-2.amazonaws.com eu-west-2 default",
  );
});
