/**
 * Resolves a profile the way aws-vault's ConfigLoader does (vault/config.go):
 * every field is "first non-empty wins", filled from the command-line base, then the environment,
 * then the profile's own section, its include_profile chain, and `[default]` at the end of every
 * include chain. The source_profile chain is resolved recursively and linked both ways.
 * Unlike aws-vault, a source_profile cycle is reported instead of overflowing the stack.
 */
import { ConfigLoadError, UserError } from "../../lib/errors.ts";
import { debug } from "../../lib/log.ts";
import { formatDuration, parseDuration } from "../../lib/duration.ts";
import type { AwsConfigFile } from "./config.ts";
import type { IniSection } from "./ini.ts";
import { emptyBaseConfig, type ProfileBaseConfig, type ProfileConfig } from "./profile_config.ts";

type Env = (name: string) => string | undefined;

const HOUR = 3_600_000;
const DEFAULT_SESSION_DURATION = HOUR;
const DEFAULT_CHAINED_SESSION_DURATION = 8 * HOUR;

const SESSION_TAGS_SYNTAX = "session tags string must be <key1>=<value1>,[<key2>=<value2>[,...]]";

/** Settings that are taken whole from the first section defining them (even if "empty"). */
type WholeSetting = "sessionTags" | "transitiveSessionTags" | "ignoreEndpoints" | "services";

/** A profile while it is being filled, with markers for the settings already taken. */
interface Draft extends ProfileConfig {
  taken: Set<WholeSetting>;
}

/**
 * Resolves `name` and its source profiles. `env` defaults to the process environment. Throws
 * ConfigLoadError (`Error loading config: ...`, aws-vault's wording for every error of its config
 * loader) for include or source_profile loops, bad session_tags and invalid regions.
 */
export function resolveProfile(
  file: AwsConfigFile,
  name: string,
  base: ProfileBaseConfig,
  env: Env = (n) => Deno.env.get(n),
): ProfileConfig {
  try {
    return resolveChain(file, name, base, env);
  } catch (err) {
    if (err instanceof UserError && !(err instanceof ConfigLoadError)) {
      throw new ConfigLoadError(err.message);
    }
    throw err;
  }
}

/**
 * The profile and its source_profile chain, linked both ways. Iterative, and linear in the length
 * of the chains: organisations generate deep and wide configs, and the recursive version overflowed
 * the stack on a 3,000-deep source_profile chain (issue 10).
 */
function resolveChain(
  file: AwsConfigFile,
  name: string,
  base: ProfileBaseConfig,
  env: Env,
): ProfileConfig {
  const chain: ProfileConfig[] = [];
  const seen = new Set<string>();
  let current = name;
  while (true) {
    if (seen.has(current)) {
      const names = [...chain.map((p) => p.name), current];
      throw new UserError(
        `Loop detected in config file for profile '${current}': source_profile chain ${
          shortChain(names)
        }`,
      );
    }
    seen.add(current);
    const profile = resolveOne(file, current, base, env, current === name);
    const previous = chain.at(-1);
    if (previous) {
      profile.chainedFromProfile = previous;
      previous.sourceProfile = profile;
    }
    chain.push(profile);
    if (profile.sourceProfileName === "") return chain[0];
    current = profile.sourceProfileName;
  }
}

/** `a -> b -> c`, with the middle of a very long chain left out. */
function shortChain(names: string[]): string {
  const shown = names.length <= 12
    ? names
    : [...names.slice(0, 5), `... (${names.length - 10} more)`, ...names.slice(-5)];
  return shown.join(" -> ");
}

/** One profile of a source chain, without following its source_profile. */
function resolveOne(
  file: AwsConfigFile,
  name: string,
  base: ProfileBaseConfig,
  env: Env,
  isTarget: boolean,
): ProfileConfig {
  const draft = newDraft(name, base);
  populateFromEnv(draft, env, isTarget);
  populateFromFile(file, draft, name);
  // A self-reference means "use my own stored credentials".
  if (draft.sourceProfileName === name) draft.sourceProfileName = "";
  populateDefaults(draft);
  checkRegion(name, "region", draft.region);
  checkRegion(name, "sso_region", draft.ssoRegion);
  const { taken: _taken, ...profile } = draft;
  return profile;
}

/**
 * A region becomes part of a host name and of the signature's scope in the Authorization header;
 * one with a control character or a space must not get that far (issue 10). The rule is
 * botocore's validate_region_name (a DNS label).
 */
const REGION_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;

/** True for "" (not set) and for a valid region name. */
export function isValidRegionName(value: string): boolean {
  return value === "" || REGION_NAME.test(value);
}

function checkRegion(profile: string, key: "region" | "sso_region", value: string): void {
  if (isValidRegionName(value)) return;
  throw new UserError(
    `profile ${profile}: ${key} ${
      JSON.stringify(value.length > 64 ? value.slice(0, 64) + "..." : value)
    } is not a valid region name (letters, digits and hyphens)`,
  );
}

function newDraft(name: string, base: ProfileBaseConfig): Draft {
  return {
    name,
    region: base.region,
    stsRegionalEndpoints: "",
    mfaSerial: "",
    mfaToken: base.mfaToken,
    mfaPromptMethod: base.mfaPromptMethod,
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
    // --duration sets the AssumeRole, non-chained GetSessionToken and federation durations; the
    // chained GetSessionToken keeps its own (aws-vault v7.2.0).
    assumeRoleDuration: base.duration,
    nonChainedGetSessionTokenDuration: base.duration,
    chainedGetSessionTokenDuration: 0,
    getFederationTokenDuration: base.duration,
    ssoUseStdout: base.ssoUseStdout,
    ssoUseDeviceCode: base.ssoUseDeviceCode,
    endpointUrl: "",
    serviceEndpointUrls: {},
    ignoreConfiguredEndpointUrls: false,
    taken: new Set(),
  };
}

function populateFromEnv(p: Draft, env: Env, isTarget: boolean): void {
  const get = (n: string) => env(n) ?? "";
  for (const variable of ["AWS_REGION", "AWS_DEFAULT_REGION"]) {
    if (get(variable) !== "" && p.region === "") {
      debug(`Using region ${JSON.stringify(get(variable))} from ${variable}`);
      p.region = get(variable);
    }
  }
  if (get("AWS_STS_REGIONAL_ENDPOINTS") !== "" && p.stsRegionalEndpoints === "") {
    debug(
      `Using ${JSON.stringify(get("AWS_STS_REGIONAL_ENDPOINTS"))} from AWS_STS_REGIONAL_ENDPOINTS`,
    );
    p.stsRegionalEndpoints = get("AWS_STS_REGIONAL_ENDPOINTS");
  }
  if (get("AWS_MFA_SERIAL") !== "" && p.mfaSerial === "") {
    debug(`Using mfa_serial ${JSON.stringify(get("AWS_MFA_SERIAL"))} from AWS_MFA_SERIAL`);
    p.mfaSerial = get("AWS_MFA_SERIAL");
  }
  const ttl = (variable: string, field: DurationField) => {
    if (get(variable) === "" || p[field] !== 0) return;
    const ms = envDuration(get(variable));
    if (ms > 0) {
      debug(`Using duration ${JSON.stringify(formatDuration(ms))} from ${variable}`);
      p[field] = ms;
    }
  };
  ttl("AWS_ASSUME_ROLE_TTL", "assumeRoleDuration");
  ttl("AWS_SESSION_TOKEN_TTL", "nonChainedGetSessionTokenDuration");
  ttl("AWS_CHAINED_SESSION_TOKEN_TTL", "chainedGetSessionTokenDuration");
  ttl("AWS_FEDERATION_TOKEN_TTL", "getFederationTokenDuration");

  // These describe the role being assumed for the profile named on the command line only.
  if (!isTarget) return;
  if (get("AWS_ROLE_ARN") !== "" && p.roleArn === "") {
    debug(`Using role_arn ${JSON.stringify(get("AWS_ROLE_ARN"))} from AWS_ROLE_ARN`);
    p.roleArn = get("AWS_ROLE_ARN");
  }
  if (get("AWS_ROLE_SESSION_NAME") !== "" && p.roleSessionName === "") {
    debug(
      `Using role_session_name ${
        JSON.stringify(get("AWS_ROLE_SESSION_NAME"))
      } from AWS_ROLE_SESSION_NAME`,
    );
    p.roleSessionName = get("AWS_ROLE_SESSION_NAME");
  }
  if (get("AWS_SESSION_TAGS") !== "" && !p.taken.has("sessionTags")) {
    // aws-vault exits through log.Fatalf here, which hides the message without --debug.
    const tags = parseSessionTags(get("AWS_SESSION_TAGS"));
    if (tags === undefined) {
      throw new UserError(
        `Failed to parse AWS_SESSION_TAGS environment variable: ${SESSION_TAGS_SYNTAX}`,
      );
    }
    debug(`Using session_tags ${JSON.stringify(tags)} from AWS_SESSION_TAGS`);
    p.sessionTags = tags;
    p.taken.add("sessionTags");
  }
  if (get("AWS_TRANSITIVE_TAGS") !== "" && !p.taken.has("transitiveSessionTags")) {
    p.transitiveSessionTags = parseTransitiveTags(get("AWS_TRANSITIVE_TAGS"));
    debug(
      `Using transitive_session_tags ${
        JSON.stringify(p.transitiveSessionTags)
      } from AWS_TRANSITIVE_TAGS`,
    );
    p.taken.add("transitiveSessionTags");
  }
  if (get("AWS_SOURCE_IDENTITY") !== "" && p.sourceIdentity === "") {
    debug(
      `Using source_identity ${
        JSON.stringify(get("AWS_SOURCE_IDENTITY"))
      } from AWS_SOURCE_IDENTITY`,
    );
    p.sourceIdentity = get("AWS_SOURCE_IDENTITY");
  }
}

type DurationField =
  | "assumeRoleDuration"
  | "nonChainedGetSessionTokenDuration"
  | "chainedGetSessionTokenDuration"
  | "getFederationTokenDuration";

/** A TTL variable in Go duration syntax; an unparsable or negative value is ignored (0). */
function envDuration(text: string): number {
  try {
    return Math.max(0, parseDuration(text));
  } catch {
    return 0;
  }
}

/**
 * Fills empty fields from `name`'s section, then from each profile of its include_profile chain
 * (which ends at [default]), in a loop rather than recursion.
 */
function populateFromFile(file: AwsConfigFile, p: Draft, name: string): void {
  const visited = new Set<string>();
  let next: string | undefined = name;
  while (next !== undefined) {
    if (visited.has(next)) {
      throw new UserError(`Loop detected in config file for profile '${next}'`);
    }
    visited.add(next);
    next = populateFromSection(file, p, next);
  }
}

/** Fills empty fields from one section; returns the profile to read next, if any. */
function populateFromSection(file: AwsConfigFile, p: Draft, name: string): string | undefined {
  const section = file.profileSection(name);
  if (!section) debug(`Profile '${name}' missing in config file`);
  const v = (key: string) => section?.values.get(key) ?? "";
  const fill = (field: StringField, key: string) => {
    if (p[field] === "") p[field] = v(key);
  };

  fill("mfaSerial", "mfa_serial");
  fill("roleArn", "role_arn");
  fill("externalId", "external_id");
  fill("region", "region");
  fill("stsRegionalEndpoints", "sts_regional_endpoints");
  fill("roleSessionName", "role_session_name");
  if (p.assumeRoleDuration === 0) p.assumeRoleDuration = durationSeconds(v("duration_seconds"));
  fill("sourceProfileName", "source_profile");
  if (p.ssoSession === "" && v("sso_session") !== "") {
    p.ssoSession = v("sso_session");
    // The session's values win over anything inherited so far, as in aws-vault.
    const sso = file.ssoSessionSection(p.ssoSession);
    if (sso) {
      p.ssoStartUrl = sso.values.get("sso_start_url") ?? "";
      p.ssoRegion = sso.values.get("sso_region") ?? "";
      p.ssoRegistrationScopes = sso.values.get("sso_registration_scopes") ?? "";
    } else {
      debug(`[sso-session] '${p.ssoSession}' missing in config file`);
    }
  }
  fill("ssoStartUrl", "sso_start_url");
  fill("ssoRegion", "sso_region");
  fill("ssoAccountId", "sso_account_id");
  fill("ssoRoleName", "sso_role_name");
  fill("webIdentityTokenFile", "web_identity_token_file");
  fill("webIdentityTokenProcess", "web_identity_token_process");
  fill("sourceIdentity", "source_identity");
  fill("credentialProcess", "credential_process");
  if (v("session_tags") !== "" && !p.taken.has("sessionTags")) {
    const tags = parseSessionTags(v("session_tags"));
    if (tags === undefined) {
      throw new UserError(`Failed to parse session_tags profile setting: ${SESSION_TAGS_SYNTAX}`);
    }
    p.sessionTags = tags;
    p.taken.add("sessionTags");
  }
  if (v("transitive_session_tags") !== "" && !p.taken.has("transitiveSessionTags")) {
    p.transitiveSessionTags = parseTransitiveTags(v("transitive_session_tags"));
    p.taken.add("transitiveSessionTags");
  }
  fill("mfaProcess", "mfa_process");
  fill("endpointUrl", "endpoint_url");
  if (section?.values.has("ignore_configured_endpoint_urls") && !p.taken.has("ignoreEndpoints")) {
    p.taken.add("ignoreEndpoints");
    p.ignoreConfiguredEndpointUrls = v("ignore_configured_endpoint_urls").toLowerCase() === "true";
  }
  if (v("services") !== "" && !p.taken.has("services")) {
    p.taken.add("services");
    p.serviceEndpointUrls = serviceEndpoints(file, v("services"));
  }

  const include = v("include_profile");
  if (include !== "") return include;
  return name !== "default" ? "default" : undefined;
}

type StringField = {
  [K in keyof ProfileConfig]-?: ProfileConfig[K] extends string ? K : never;
}[keyof ProfileConfig];

/** `[services <name>]`: each nested block's endpoint_url, keyed by the service id as written. */
function serviceEndpoints(file: AwsConfigFile, servicesName: string): Record<string, string> {
  const section: IniSection | undefined = file.servicesSection(servicesName);
  if (!section) {
    debug(`[services] '${servicesName}' missing in config file`);
    return {};
  }
  const urls: Record<string, string> = {};
  for (const [service, settings] of section.nested) {
    const url = settings.get("endpoint_url");
    if (url) urls[service] = url;
  }
  return urls;
}

function populateDefaults(p: Draft): void {
  if (p.assumeRoleDuration === 0) p.assumeRoleDuration = DEFAULT_SESSION_DURATION;
  if (p.getFederationTokenDuration === 0) p.getFederationTokenDuration = DEFAULT_SESSION_DURATION;
  if (p.nonChainedGetSessionTokenDuration === 0) {
    p.nonChainedGetSessionTokenDuration = DEFAULT_SESSION_DURATION;
  }
  if (p.chainedGetSessionTokenDuration === 0) {
    p.chainedGetSessionTokenDuration = DEFAULT_CHAINED_SESSION_DURATION;
  }
}

/** `duration_seconds`: an unsigned integer; anything else counts as unset (0), as in aws-vault. */
function durationSeconds(text: string): number {
  return /^\d+$/.test(text) ? Number(text) * 1000 : 0;
}

/** `k1=v1,k2=v2` with trimmed keys and values; undefined if a pair has no `=`. */
export function parseSessionTags(text: string): Record<string, string> | undefined {
  const tags: Record<string, string> = {};
  for (const pair of text.split(",")) {
    const eq = pair.indexOf("=");
    if (eq === -1) return undefined;
    tags[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return tags;
}

/** `k1,k2`: trimmed keys, empty entries dropped. */
export function parseTransitiveTags(text: string): string[] {
  return text.split(",").map((t) => t.trim()).filter((t) => t !== "");
}

/**
 * The profile's SSO start URL as its credentials would use it (own section, sso_session,
 * include_profile, [default]); "" when it has none or does not resolve. `list` and `clear` use it
 * to find the profile's `oidc:` token.
 */
export function resolvedSsoStartUrl(file: AwsConfigFile, name: string): string {
  if (!file.hasProfile(name)) return "";
  try {
    return resolveProfile(file, name, emptyBaseConfig(), () => undefined).ssoStartUrl;
  } catch {
    // A profile that does not resolve (a loop, bad session_tags) has no token we could find.
    return "";
  }
}
