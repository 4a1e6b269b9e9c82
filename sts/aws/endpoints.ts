/**
 * Endpoint resolution with the AWS SDKs' rules (sdkref "feature-ss-endpoints"), in this order:
 *   1. an explicit endpoint given to the client (tests; never ignored)
 *   2. AWS_ENDPOINT_URL_<SERVICE>            (STS, IAM, SSO, SSO_OIDC)
 *   3. AWS_ENDPOINT_URL
 *   4. the profile's `services` section:  [services x] sts = \n  endpoint_url = ...
 *   5. the profile's `endpoint_url`
 *   6. the SDK default for the region (regional STS; the partition's global IAM; with no region,
 *      the global STS endpoint signed for us-east-1)
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (or, when that variable is unset, the profile's
 * ignore_configured_endpoint_urls=true) drops 2-5.
 */
import { UserError } from "../../lib/errors.ts";
import type { ProfileConfig } from "../config/profile_config.ts";

export type AwsServiceName = "sts" | "iam" | "sso" | "sso-oidc";

/** The profile fields endpoint resolution reads. */
export type EndpointProfile = Pick<
  ProfileConfig,
  | "name"
  | "region"
  | "stsRegionalEndpoints"
  | "ssoRegion"
  | "endpointUrl"
  | "serviceEndpointUrls"
  | "ignoreConfiguredEndpointUrls"
>;

export type EndpointSource =
  | "client"
  | "env-service"
  | "env-global"
  | "config-service"
  | "config-global"
  | "default";

export interface ResolvedEndpoint {
  /** Base URL, e.g. `https://sts.eu-west-1.amazonaws.com`. */
  url: string;
  /** Region for the SigV4 credential scope. */
  signingRegion: string;
  source: EndpointSource;
}

export interface ResolveOptions {
  env?: (name: string) => string | undefined;
  /** An explicit client endpoint: wins over everything, including the ignore setting. */
  endpointUrl?: string;
}

/** The environment-variable suffix and `[services]` key of each service (SDK identifiers). */
const SERVICE_IDS: Record<AwsServiceName, { env: string; configKeys: string[] }> = {
  sts: { env: "STS", configKeys: ["sts"] },
  iam: { env: "IAM", configKeys: ["iam"] },
  sso: { env: "SSO", configKeys: ["sso"] },
  "sso-oidc": { env: "SSO_OIDC", configKeys: ["sso_oidc", "sso-oidc"] },
};

/**
 * Regions for which `sts_regional_endpoints = legacy` means the global endpoint (botocore's legacy
 * STS endpoint list).
 */
const LEGACY_GLOBAL_STS_REGIONS = new Set([
  "ap-northeast-1",
  "ap-south-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "aws-global",
  "ca-central-1",
  "eu-central-1",
  "eu-north-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
]);

/** The SDK's error when no region is configured, naming the profile. */
export class MissingRegionError extends UserError {
  constructor(profileName: string, service: AwsServiceName) {
    const setting = service.startsWith("sso") ? "sso_region" : "region";
    super(
      `failed to resolve service endpoint, an AWS region is required, but was not found ` +
        `(set ${setting} in profile '${profileName}'${
          setting === "region" ? " or AWS_REGION" : ""
        })`,
    );
    this.name = "MissingRegionError";
  }
}

interface Partition {
  dnsSuffix: string;
  /** Where IAM lives and the region IAM requests are signed for. */
  iamUrl: string;
  iamRegion: string;
}

/** The partition a region belongs to (aws, aws-cn, aws-us-gov, aws-eusc). */
export function partitionOf(region: string): Partition {
  // The AWS European Sovereign Cloud (botocore's partitions.json "aws-eusc": regions
  // `eusc-de-*`, DNS suffix amazonaws.eu, global services in eusc-de-east-1).
  if (region.startsWith("eusc-")) {
    return {
      dnsSuffix: "amazonaws.eu",
      iamUrl: "https://iam.eusc-de-east-1.amazonaws.eu",
      iamRegion: "eusc-de-east-1",
    };
  }
  if (region.startsWith("cn-")) {
    return {
      dnsSuffix: "amazonaws.com.cn",
      iamUrl: "https://iam.cn-north-1.amazonaws.com.cn",
      iamRegion: "cn-north-1",
    };
  }
  if (region.startsWith("us-gov-")) {
    return {
      dnsSuffix: "amazonaws.com",
      iamUrl: "https://iam.us-gov.amazonaws.com",
      iamRegion: "us-gov-west-1",
    };
  }
  return {
    dnsSuffix: "amazonaws.com",
    iamUrl: "https://iam.amazonaws.com",
    iamRegion: "us-east-1",
  };
}

/** Resolves where `service` calls for `profile` go, and which region signs them. */
export function resolveEndpoint(
  service: AwsServiceName,
  profile: EndpointProfile,
  options: ResolveOptions = {},
): ResolvedEndpoint {
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  let region = service.startsWith("sso") ? profile.ssoRegion : profile.region;
  // STS and IAM are global services: with no region anywhere, botocore and the JavaScript SDK send
  // STS to the global endpoint and sign it for us-east-1. aws-vault v7.2.0 posts to
  // `https://sts..amazonaws.com/` and fails with "no such host" (99designs #866, #967, #1094).
  if (!region && (service === "sts" || service === "iam")) region = "aws-global";
  if (!region) throw new MissingRegionError(profile.name, service);
  const fallback = defaultEndpoint(service, region, profile.stsRegionalEndpoints);
  // IAM is signed for its partition's home region wherever the request goes, and the global STS
  // endpoint for us-east-1.
  const signingRegion = service === "iam" || region === "aws-global"
    ? fallback.signingRegion
    : region;

  const configured = configuredEndpoint(service, profile, env, options.endpointUrl);
  if (configured) {
    return { url: trimSlash(configured.url), signingRegion, source: configured.source };
  }
  return fallback;
}

function configuredEndpoint(
  service: AwsServiceName,
  profile: EndpointProfile,
  env: (name: string) => string | undefined,
  explicit: string | undefined,
): { url: string; source: EndpointSource } | undefined {
  if (explicit) return { url: explicit, source: "client" };
  if (ignoreConfigured(profile, env)) return undefined;
  const ids = SERVICE_IDS[service];
  const serviceEnv = env(`AWS_ENDPOINT_URL_${ids.env}`);
  if (serviceEnv) return { url: serviceEnv, source: "env-service" };
  const globalEnv = env("AWS_ENDPOINT_URL");
  if (globalEnv) return { url: globalEnv, source: "env-global" };
  for (const key of ids.configKeys) {
    const url = profile.serviceEndpointUrls[key];
    if (url) return { url, source: "config-service" };
  }
  if (profile.endpointUrl) return { url: profile.endpointUrl, source: "config-global" };
  return undefined;
}

/** The environment variable decides when set; otherwise the profile setting. */
function ignoreConfigured(
  profile: EndpointProfile,
  env: (name: string) => string | undefined,
): boolean {
  const fromEnv = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  if (fromEnv !== undefined && fromEnv.trim() !== "") {
    return fromEnv.trim().toLowerCase() === "true";
  }
  return profile.ignoreConfiguredEndpointUrls;
}

function defaultEndpoint(
  service: AwsServiceName,
  region: string,
  stsMode: string,
): ResolvedEndpoint {
  const partition = partitionOf(region);
  switch (service) {
    case "iam":
      return { url: partition.iamUrl, signingRegion: partition.iamRegion, source: "default" };
    case "sso":
      return {
        url: `https://portal.sso.${region}.${partition.dnsSuffix}`,
        signingRegion: region,
        source: "default",
      };
    case "sso-oidc":
      return {
        url: `https://oidc.${region}.${partition.dnsSuffix}`,
        signingRegion: region,
        source: "default",
      };
    case "sts":
      // The global endpoint is signed for us-east-1, as the SDK's endpoint rules say.
      if (
        region === "aws-global" || (stsMode === "legacy" && LEGACY_GLOBAL_STS_REGIONS.has(region))
      ) {
        return { url: "https://sts.amazonaws.com", signingRegion: "us-east-1", source: "default" };
      }
      return {
        url: `https://sts.${region}.${partition.dnsSuffix}`,
        signingRegion: region,
        source: "default",
      };
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
