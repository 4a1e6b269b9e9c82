/**
 * `doctor`'s checks of the environment: `AWS_*` variables that override the config for aws-vault
 * (profile_resolve.ts reads them before the file) or for the SDKs of programs run outside
 * `exec`, a nested aws-vault shell, and endpoint overrides. Values are shown only for variables
 * that never hold a secret (profile names, regions, URLs, durations).
 */
import { parseDuration } from "../../lib/duration.ts";
import type { AwsConfigFile } from "../config/config.ts";
import { type Check, fail, ok, warn } from "./report.ts";

type Env = (name: string) => string | undefined;

/** Variables that hold credentials: their values are never shown. */
const CREDENTIAL_VARIABLES = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];

/** Variables profile_resolve.ts reads before the profile's section (aws-vault vault/config.go). */
const PROFILE_OVERRIDES: [variable: string, key: string][] = [
  ["AWS_REGION", "region"],
  ["AWS_DEFAULT_REGION", "region"],
  ["AWS_STS_REGIONAL_ENDPOINTS", "sts_regional_endpoints"],
  ["AWS_MFA_SERIAL", "mfa_serial"],
  ["AWS_ROLE_ARN", "role_arn"],
  ["AWS_ROLE_SESSION_NAME", "role_session_name"],
  ["AWS_SESSION_TAGS", "session_tags"],
  ["AWS_TRANSITIVE_TAGS", "transitive_session_tags"],
  ["AWS_SOURCE_IDENTITY", "source_identity"],
];

/** Go durations that aws-vault silently ignores when they do not parse. */
const DURATION_VARIABLES = [
  "AWS_ASSUME_ROLE_TTL",
  "AWS_SESSION_TOKEN_TTL",
  "AWS_CHAINED_SESSION_TOKEN_TTL",
  "AWS_FEDERATION_TOKEN_TTL",
  "AWS_MIN_TTL",
];

/** `vars` is the whole environment (the endpoint variables are found by prefix). */
export function checkEnvironment(vars: Record<string, string>, file: AwsConfigFile): Check[] {
  const env: Env = (name) => vars[name];
  const checks: Check[] = [];
  const set = (name: string) => (env(name) ?? "") !== "";

  const vaultProfile = env("AWS_VAULT") ?? "";
  if (vaultProfile !== "") {
    checks.push(warn(
      "AWS_VAULT",
      `set to '${vaultProfile}': this is a shell started by 'aws-vault exec', so exec refuses ` +
        `to nest and the AWS_* credentials here are that session's`,
      "'exit' the subshell (or unset AWS_VAULT to force nesting)",
    ));
  }

  const credentials = CREDENTIAL_VARIABLES.filter(set);
  if (credentials.length > 0 && vaultProfile === "") {
    checks.push(warn(
      "credentials",
      `${credentials.join(", ")} set: SDKs use these before any profile, and 'aws-vault add ` +
        `--env' stores them`,
      `unset ${credentials.join(" ")} unless you mean to use them`,
    ));
  } else if (credentials.length === 0) {
    checks.push(ok("credentials", "no AWS credentials in the environment"));
  }

  for (const variable of ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"]) {
    const name = env(variable) ?? "";
    if (name === "") continue;
    if (file.hasProfile(name)) {
      checks.push(ok(variable, `'${name}': SDKs outside 'aws-vault exec' use this profile`));
    } else {
      checks.push(fail(
        variable,
        `'${name}' is not a profile in ${file.path}: SDKs and the AWS CLI fail with ` +
          `"The config profile (${name}) could not be found"`,
        `unset ${variable} or add [profile ${name}] to ${file.path}`,
      ));
    }
  }

  const overrides = PROFILE_OVERRIDES.filter(([v]) => set(v));
  for (const [variable, key] of overrides) {
    const shown = variable === "AWS_SESSION_TAGS" ? "set" : `'${env(variable)}'`;
    checks.push(warn(
      variable,
      `${shown}: overrides ${key} of ${
        ["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_STS_REGIONAL_ENDPOINTS", "AWS_MFA_SERIAL"]
            .includes(variable)
          ? "every profile"
          : "the profile named on the command line"
      }`,
      `unset ${variable} unless you mean to override the config`,
    ));
  }

  for (const variable of DURATION_VARIABLES) {
    const text = env(variable) ?? "";
    if (text === "") continue;
    let valid: boolean;
    try {
      valid = parseDuration(text) > 0;
    } catch {
      valid = false;
    }
    if (!valid) {
      checks.push(warn(
        variable,
        `'${text}' is not a positive Go duration (like 1h or 15m), so it is ignored`,
        `set ${variable} to a duration such as 1h, or unset it`,
      ));
    }
  }

  const endpoints = endpointVariables(vars);
  for (const [variable, url] of endpoints) {
    checks.push(warn(
      variable,
      `'${url}': AWS calls of aws-vault and of every SDK${
        variable === "AWS_ENDPOINT_URL" ? "" : " for that service"
      } go there instead of AWS`,
      `unset ${variable} unless you use a proxy or an emulator on purpose`,
    ));
  }
  const ignore = (env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") ?? "").trim().toLowerCase();
  if (ignore === "true" && endpoints.length > 0) {
    checks.push(ok(
      "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
      "true: the AWS_ENDPOINT_URL* variables above are ignored",
    ));
  }
  return checks;
}

/** AWS_ENDPOINT_URL and every AWS_ENDPOINT_URL_<SERVICE>, sorted. */
function endpointVariables(vars: Record<string, string>): [string, string][] {
  return Object.entries(vars)
    .filter(([n, v]) => (n === "AWS_ENDPOINT_URL" || n.startsWith("AWS_ENDPOINT_URL_")) && v !== "")
    .sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
}
