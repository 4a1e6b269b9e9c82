/**
 * `doctor`'s checks of one profile: it resolves (no include or source_profile loop), what it
 * references exists, its keys are ones something reads, it has a region, role chaining and MFA
 * settings do what the user probably expects, its helper programs exist, and the credentials
 * file does not hold keys that SDKs would use instead. Resolution is profile_resolve.ts's and the
 * GetSessionToken rules are the chain's (sts/chain.ts), so doctor reports what aws-vault does.
 */
import { errorMessage } from "../../lib/errors.ts";
import type { AwsConfigFile } from "../config/config.ts";
import { resolveProfile } from "../config/profile_resolve.ts";
import { emptyBaseConfig, type ProfileConfig } from "../config/profile_config.ts";
import { resolveEndpoint } from "../aws/endpoints.ts";
import { ROLE_CHAINING_MAXIMUM_MS } from "../chain.ts";
import { didYouMean, PROFILE_SECTION_KEYS, SSO_SESSION_KEYS } from "./known_keys.ts";
import type { CredentialsFile } from "./config_file_checks.ts";
import { programChecks } from "./program_checks.ts";
import { defaultPromptDriver } from "../mfa/prompt_drivers.ts";
import { type Check, fail, ok, warn } from "./report.ts";

type Env = (name: string) => string | undefined;

export interface ProfileCheckContext {
  file: AwsConfigFile;
  credentialsFile: CredentialsFile;
  /** `[name]` sections of the config file: name -> line. */
  bareSections: Map<string, number>;
  /** Master-credential keys in the keystore; undefined when they could not be listed. */
  storedKeys: Set<string> | undefined;
  env: Env;
  /** True when the user named the profile (missing credentials then fail instead of warn). */
  named: boolean;
  /** --prompt / AWS_VAULT_PROMPT; "" for aws-vault's automatic choice. */
  promptDriver: string;
  /** The automatic driver under credential_process, once computed. */
  sdkPromptDriver?: string;
}

/** Every check of `name`. */
export function checkProfile(ctx: ProfileCheckContext, name: string): Check[] {
  const { file } = ctx;
  const checks: Check[] = [];
  const inConfig = file.hasProfile(name);
  const stored = ctx.storedKeys?.has(name) ?? false;
  if (!inConfig) {
    const bareLine = ctx.bareSections.get(name);
    if (bareLine !== undefined) {
      checks.push(fail(
        "section",
        `only [${name}] exists (line ${bareLine}), which is not a profile in the config file`,
        `rename it to [profile ${name}] in ${file.path}`,
      ));
    } else if (!stored) {
      checks.push(fail(
        "section",
        `profile ${name} not found in ${file.path} and no credentials stored for it`,
        `add a [profile ${name}] section, or store keys with 'aws-vault add ${name}'`,
      ));
      return checks;
    }
  }

  checks.push(...keyChecks(ctx, name));
  checks.push(...referenceChecks(ctx, name));

  let profile: ProfileConfig;
  try {
    profile = resolveProfile(file, name, emptyBaseConfig(), ctx.env);
  } catch (err) {
    checks.push(fail("resolve", errorMessage(err), `fix the profile in ${file.path}`));
    return checks;
  }
  checks.push(...credentialSourceChecks(ctx, profile));
  checks.push(...regionChecks(ctx, profile));
  checks.push(...chainingChecks(profile));
  checks.push(...mfaChecks(ctx, profile));
  checks.push(...programChecks(ctx.env, profile));
  checks.push(...staticKeyChecks(ctx, profile));
  return checks;
}

/** Unknown keys in the profile's own section and its sso-session, with a likely intended key. */
function keyChecks(ctx: ProfileCheckContext, name: string): Check[] {
  const checks: Check[] = [];
  const section = ctx.file.profileSection(name);
  if (!section) return checks;
  const unknown: string[] = [];
  const inspect = (keys: Iterable<string>, known: ReadonlySet<string>, where: string) => {
    for (const key of keys) {
      if (known.has(key)) continue;
      const guess = didYouMean(key, known);
      if (guess) {
        checks.push(warn(
          "keys",
          `${where} sets '${key}', which nothing reads (a typo of '${guess}'?)`,
          `rename '${key}' to '${guess}' in ${ctx.file.path}`,
        ));
      } else unknown.push(key);
    }
  };
  inspect(section.values.keys(), PROFILE_SECTION_KEYS, `[${section.name}]`);
  const sso = section.values.get("sso_session");
  const ssoSection = sso ? ctx.file.ssoSessionSection(sso) : undefined;
  if (ssoSection) inspect(ssoSection.values.keys(), SSO_SESSION_KEYS, `[${ssoSection.name}]`);
  if (unknown.length > 0) {
    checks.push(ok(
      "keys",
      `not read by aws-vault or the AWS SDKs (other tools may use them): ${unknown.join(", ")}`,
    ));
  } else if (checks.length === 0) {
    checks.push(ok("keys", "every key is one aws-vault or AWS reads"));
  }
  return checks;
}

/**
 * source_profile, include_profile and sso_session targets along the profile's include chain.
 * aws-vault ignores a missing include_profile target and fails later for the others.
 */
function referenceChecks(ctx: ProfileCheckContext, name: string): Check[] {
  const { file } = ctx;
  const checks: Check[] = [];
  const seen = new Set<string>();
  let current: string | undefined = name;
  while (current !== undefined && !seen.has(current)) {
    seen.add(current);
    const section = file.profileSection(current);
    if (!section) break;
    const where = `[${section.name}]`;
    const source = section.values.get("source_profile") ?? "";
    if (source !== "" && source !== current) {
      const exists = file.hasProfile(source) || (ctx.storedKeys?.has(source) ?? false);
      if (!exists) {
        const bare = ctx.bareSections.has(source)
          ? ` ([${source}] exists but is not a profile)`
          : "";
        checks.push(fail(
          "source_profile",
          `${where}: source_profile '${source}' has no section in ${file.path} and no stored ` +
            `credentials${bare}`,
          `add [profile ${source}] or run 'aws-vault add ${source}'`,
        ));
      } else checks.push(ok("source_profile", `${where}: '${source}' exists`));
    }
    const sso = section.values.get("sso_session") ?? "";
    if (sso !== "") {
      if (!file.ssoSessionSection(sso)) {
        checks.push(fail(
          "sso_session",
          `${where}: sso_session '${sso}' has no [sso-session ${sso}] section, so the profile ` +
            `has no SSO start URL`,
          `add [sso-session ${sso}] with sso_start_url and sso_region to ${file.path}`,
        ));
      } else checks.push(ok("sso_session", `${where}: [sso-session ${sso}] exists`));
    }
    const include = section.values.get("include_profile") ?? "";
    if (include !== "" && !file.hasProfile(include)) {
      checks.push(warn(
        "include_profile",
        `${where}: include_profile '${include}' has no section in ${file.path}; aws-vault ` +
          `ignores it, so nothing is included (not even [default])`,
        `add [profile ${include}] or remove include_profile`,
      ));
    }
    current = include !== "" ? include : undefined;
  }
  return checks;
}

/**
 * Where the profile's credentials come from, as the chain (sts/chain.ts providerFor) decides,
 * following source_profile down to the profile that has them.
 */
function credentialSourceChecks(ctx: ProfileCheckContext, p: ProfileConfig): Check[] {
  if (ctx.storedKeys === undefined) {
    return [warn(
      "credentials",
      "not checked: the keystore's items could not be listed without a prompt",
      "see the keystore checks",
    )];
  }
  let root = p;
  while (!ctx.storedKeys.has(root.name) && root.sourceProfile) root = root.sourceProfile;
  const via = root === p ? "" : ` (through source_profile, from '${root.name}')`;
  const found = rootCredentials(ctx.storedKeys, root);
  if (typeof found === "string") return [ok("credentials", found + via)];
  if (found.missing) {
    return [fail(
      "credentials",
      `SSO profile${via ? ` '${root.name}'` : ""} without ${found.missing}`,
      `set ${found.missing} in [profile ${root.name}] or its sso-session`,
    )];
  }
  // Named on the command line it cannot work; in the full listing it may be a settings profile.
  const problem = ctx.named ? fail : warn;
  return [problem(
    "credentials",
    `none${via}: no stored keys, source_profile, SSO, web identity or credential_process ` +
      `(aws-vault fails with 'profile ${root.name}: credentials missing')`,
    `run 'aws-vault add ${root.name}'${root === p ? ` or set source_profile` : ""}`,
  )];
}

/** What serves the end of a source chain, or what it lacks. */
function rootCredentials(
  storedKeys: Set<string>,
  p: ProfileConfig,
): string | { missing: string } {
  if (storedKeys.has(p.name)) return "stored keys in the keystore";
  if (p.ssoStartUrl !== "") {
    const missing = [
      p.ssoAccountId === "" ? "sso_account_id" : "",
      p.ssoRoleName === "" ? "sso_role_name" : "",
      p.ssoRegion === "" ? "sso_region" : "",
    ].filter((k) => k !== "");
    return missing.length > 0 ? { missing: missing.join(", ") } : `SSO (${p.ssoStartUrl})`;
  }
  if (p.webIdentityTokenFile !== "" || p.webIdentityTokenProcess !== "") {
    return "web identity token";
  }
  if (p.credentialProcess !== "") return "credential_process";
  return { missing: "" };
}

/** A profile without a region, and what then happens (the endpoint rules say it). */
function regionChecks(ctx: ProfileCheckContext, p: ProfileConfig): Check[] {
  const checks: Check[] = [];
  if (p.region !== "") {
    checks.push(ok("region", p.region));
  } else {
    let outcome: string;
    try {
      const endpoint = resolveEndpoint("sts", p, { env: ctx.env });
      outcome = `STS calls go to ${endpoint.url}`;
    } catch (err) {
      outcome = `STS calls fail (${errorMessage(err)})`;
    }
    checks.push(warn(
      "region",
      `no region in the profile, its include_profile chain, [default], AWS_REGION or ` +
        `AWS_DEFAULT_REGION: ${outcome}, and programs run by exec get no AWS_REGION`,
      `set region = <region> in [profile ${p.name}] or [default]`,
    ));
  }
  if (p.ssoStartUrl !== "" && p.ssoRegion === "") {
    checks.push(fail(
      "sso_region",
      "SSO profile without sso_region: the SSO sign-in cannot start",
      `set sso_region in [profile ${p.name}] or its sso-session`,
    ));
  }
  return checks;
}

/**
 * Role chaining and MFA: AWS limits a role assumed with temporary credentials to 1 h, and the
 * chain (sts/chain.ts cannotUseGetSessionToken) skips the source's MFA session for a role asking
 * for more, or for a role whose mfa_serial differs from its source's.
 */
function chainingChecks(p: ProfileConfig): Check[] {
  const checks: Check[] = [];
  const source = p.sourceProfile;
  if (p.roleArn === "" || !source) return checks;
  const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;
  const sourceIsTemporary = source.roleArn !== "" || source.ssoStartUrl !== "" ||
    source.credentialProcess !== "" || source.webIdentityTokenFile !== "" ||
    source.webIdentityTokenProcess !== "";
  const overLimit = p.assumeRoleDuration > ROLE_CHAINING_MAXIMUM_MS;
  if (sourceIsTemporary && overLimit) {
    checks.push(fail(
      "duration_seconds",
      `${minutes(p.assumeRoleDuration)} for a role assumed with '${source.name}''s temporary ` +
        `credentials: AWS refuses role chaining beyond 1 h`,
      `set duration_seconds = 3600 (or less) in [profile ${p.name}]`,
    ));
  } else if (p.mfaSerial !== "" && source.mfaSerial === p.mfaSerial && overLimit) {
    checks.push(warn(
      "duration_seconds",
      `${minutes(p.assumeRoleDuration)} is over the 1 h limit of roles chained from an MFA ` +
        `session, so '${source.name}''s MFA session is skipped: the role is assumed from the ` +
        `master keys with a new MFA code each time its session expires`,
      `set duration_seconds = 3600 (or less) in [profile ${p.name}] to reuse the MFA session`,
    ));
  }
  if (p.mfaSerial !== "" && source.mfaSerial !== "" && source.mfaSerial !== p.mfaSerial) {
    checks.push(warn(
      "mfa_serial",
      `the role's mfa_serial differs from source profile '${source.name}''s, so its MFA ` +
        `session is skipped and each asks for its own code`,
      `use the same mfa_serial in both, or remove it from one of them`,
    ));
  } else if (p.mfaSerial !== "" && source.mfaSerial === p.mfaSerial && !overLimit) {
    checks.push(ok("mfa_serial", `the role uses '${source.name}''s MFA session`));
  }
  return checks;
}

/**
 * Where MFA codes would come from (sts/mfa/mfa.ts): mfa_process, else the prompt driver, which
 * aws-vault chooses by whether stdout is a terminal, so it differs between a shell and an SDK
 * running us as credential_process. Doctor only says which; it never asks.
 */
function mfaChecks(ctx: ProfileCheckContext, p: ProfileConfig): Check[] {
  let serial = "";
  for (let q: ProfileConfig | undefined = p; q && serial === ""; q = q.sourceProfile) {
    serial = q.mfaSerial;
  }
  if (serial === "") return [];
  if (p.mfaProcess !== "") return [ok("mfa", "codes come from mfa_process")];
  if (ctx.promptDriver !== "") {
    return [ok("mfa", `codes are asked with the '${ctx.promptDriver}' prompt (--prompt)`)];
  }
  // The same for every profile, and it looks for four programs on PATH: once per run.
  ctx.sdkPromptDriver ??= defaultPromptDriver({
    serverMode: false,
    stdoutIsTerminal: false,
    env: ctx.env,
  });
  const fromSdk = ctx.sdkPromptDriver;
  return [ok(
    "mfa",
    `codes are asked on the terminal from a shell, with '${fromSdk}' under credential_process` +
      (fromSdk === "terminal" ? " (the /dev/tty of the program that runs it)" : ""),
  )];
}

/**
 * Static keys under the same name in the shared credentials file: SDKs (botocore's provider
 * order: shared credentials file before credential_process) use them instead of aws-vault.
 */
function staticKeyChecks(ctx: ProfileCheckContext, p: ProfileConfig): Check[] {
  const line = ctx.credentialsFile.staticKeys.get(p.name);
  if (line === undefined) return [];
  const why = p.credentialProcess !== ""
    ? "SDKs use them instead of this profile's credential_process"
    : p.roleArn !== "" || p.ssoStartUrl !== ""
    ? "they sit next to aws-vault's keys in plain text"
    : "SDKs run without aws-vault use these plain-text keys";
  return [warn(
    "credentials_file",
    `[${p.name}] at line ${line} of ${ctx.credentialsFile.path} holds static keys: ${why}`,
    `move them into aws-vault ('aws-vault add ${p.name}') and delete the section from ` +
      ctx.credentialsFile.path,
  )];
}
