/**
 * A profile after resolution (aws-vault's vault/config.go ProfileConfig): flags, then environment,
 * then the profile's own section, its include_profile chain and [default]. Durations are in
 * milliseconds. Empty string means "not set" for every string field.
 */
export interface ProfileConfig {
  name: string;

  region: string;
  stsRegionalEndpoints: string;

  mfaSerial: string;
  /** From --mfa-token: used for every MFA call in the chain. */
  mfaToken: string;
  /** From --prompt / AWS_VAULT_PROMPT. */
  mfaPromptMethod: string;
  mfaProcess: string;

  roleArn: string;
  externalId: string;
  roleSessionName: string;
  sessionTags: Record<string, string>;
  transitiveSessionTags: string[];
  sourceIdentity: string;

  sourceProfileName: string;
  /** The resolved source profile, linked both ways as aws-vault does. */
  sourceProfile?: ProfileConfig;
  /** The profile that uses this one as its source_profile. */
  chainedFromProfile?: ProfileConfig;

  ssoSession: string;
  ssoStartUrl: string;
  ssoRegion: string;
  ssoAccountId: string;
  ssoRoleName: string;
  ssoRegistrationScopes: string;

  webIdentityTokenFile: string;
  webIdentityTokenProcess: string;
  credentialProcess: string;

  /** Durations (ms) after flags, environment and config; defaults applied. */
  assumeRoleDuration: number;
  nonChainedGetSessionTokenDuration: number;
  chainedGetSessionTokenDuration: number;
  getFederationTokenDuration: number;

  /** --stdout: SSO prints the URL instead of opening a browser. */
  ssoUseStdout: boolean;
  /** --use-device-code / AWS_VAULT_SSO_USE_DEVICE_CODE: SSO logs in with the device code flow. */
  ssoUseDeviceCode: boolean;

  /** Endpoint configuration as the AWS SDKs define it (sts/endpoints.ts resolves it). */
  endpointUrl: string;
  /**
   * From the profile's `services` section: lower-case service id ("sts", "iam"...) -> endpoint_url.
   */
  serviceEndpointUrls: Record<string, string>;
  /**
   * `ignore_configured_endpoint_urls` in the profile (the environment variable is read separately).
   */
  ignoreConfiguredEndpointUrls: boolean;
}

/** What the command line puts into every profile of a chain (copied into source profiles too). */
export interface ProfileBaseConfig {
  region: string;
  mfaToken: string;
  mfaPromptMethod: string;
  /** --duration in ms; 0 when not given. */
  duration: number;
  ssoUseStdout: boolean;
  ssoUseDeviceCode: boolean;
}

/** A base config with nothing given on the command line (clear, rotate, tests). */
export function emptyBaseConfig(overrides: Partial<ProfileBaseConfig> = {}): ProfileBaseConfig {
  return {
    region: "",
    mfaToken: "",
    mfaPromptMethod: "",
    duration: 0,
    ssoUseStdout: false,
    ssoUseDeviceCode: false,
    ...overrides,
  };
}
