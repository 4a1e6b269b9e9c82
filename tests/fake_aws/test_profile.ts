/** A fully populated ProfileConfig for unit tests: every field empty/default unless overridden. */
import type { ProfileConfig } from "../../sts/config/profile_config.ts";

export function testProfile(overrides: Partial<ProfileConfig> = {}): ProfileConfig {
  return {
    name: "test",
    region: "eu-west-1",
    stsRegionalEndpoints: "",
    mfaSerial: "",
    mfaToken: "",
    mfaPromptMethod: "",
    mfaProcess: "",
    roleArn: "",
    externalId: "",
    roleSessionName: "",
    sessionTags: {},
    transitiveSessionTags: [],
    sourceIdentity: "",
    sourceProfileName: "",
    ssoSession: "",
    ssoStartUrl: "",
    ssoRegion: "",
    ssoAccountId: "",
    ssoRoleName: "",
    ssoRegistrationScopes: "",
    webIdentityTokenFile: "",
    webIdentityTokenProcess: "",
    credentialProcess: "",
    assumeRoleDuration: 3_600_000,
    nonChainedGetSessionTokenDuration: 3_600_000,
    chainedGetSessionTokenDuration: 28_800_000,
    getFederationTokenDuration: 3_600_000,
    ssoUseStdout: false,
    endpointUrl: "",
    serviceEndpointUrls: {},
    ignoreConfiguredEndpointUrls: false,
    ...overrides,
  };
}
