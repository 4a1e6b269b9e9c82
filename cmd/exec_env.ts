/**
 * The environment `aws-vault exec` gives its child (aws-vault's cli/exec.go: the inherited
 * environment cleaned, then the credentials added). Pure functions over plain records so that the
 * set/unset rules are tested byte for byte.
 */
import { type Credentials, iso8601 } from "../lib/credentials.ts";
import { windowsDefaultShell } from "../lib/child_windows.ts";

/**
 * Removed from the parent environment before anything is added: stale credentials, and the
 * profile selectors that would make SDKs prefer a profile over the injected keys.
 */
export const UNSET_VARIABLES = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_SECURITY_TOKEN",
  "AWS_CREDENTIAL_FILE",
  "AWS_DEFAULT_PROFILE",
  "AWS_PROFILE",
  "AWS_SDK_LOAD_CONFIG",
] as const;

/**
 * The child environment without credentials: `parent` minus UNSET_VARIABLES, plus
 * `AWS_VAULT=<profile>`, and, when a region was resolved, `AWS_REGION` and `AWS_DEFAULT_REGION`.
 * This is what the ECS/EC2 server modes give their child.
 *
 * `endpointUrl` is the profile's `endpoint_url` (empty when the profile ignores configured
 * endpoints): the child no longer sees the profile (AWS_PROFILE is unset), so, as the ByteNess
 * fork does since v7.8.6 (cli/exec.go createEnv), it gets the URL as `AWS_ENDPOINT_URL`, unless
 * the parent already sets that variable, which SDKs prefer to the config anyway.
 */
export function baseChildEnv(
  parent: Record<string, string>,
  profileName: string,
  region: string,
  endpointUrl = "",
): Record<string, string> {
  const env: Record<string, string> = { ...parent };
  for (const name of UNSET_VARIABLES) delete env[name];
  env.AWS_VAULT = profileName;
  if (region) {
    env.AWS_REGION = region;
    env.AWS_DEFAULT_REGION = region;
  }
  if (endpointUrl && !env.AWS_ENDPOINT_URL) env.AWS_ENDPOINT_URL = endpointUrl;
  return env;
}

/**
 * Adds the credentials of the default (environment) mode: the key pair, the session token when
 * non-empty and `AWS_CREDENTIAL_EXPIRATION` (UTC, no fractions) when the credentials expire.
 * Returns a new record.
 */
export function withCredentials(
  env: Record<string, string>,
  creds: Credentials,
): Record<string, string> {
  const out: Record<string, string> = { ...env };
  out.AWS_ACCESS_KEY_ID = creds.accessKeyId;
  out.AWS_SECRET_ACCESS_KEY = creds.secretAccessKey;
  if (creds.sessionToken) out.AWS_SESSION_TOKEN = creds.sessionToken;
  if (creds.expiration) out.AWS_CREDENTIAL_EXPIRATION = iso8601(creds.expiration);
  return out;
}

/**
 * The command to run: the given one, or a subshell (`$SHELL`, else `/bin/sh`; on Windows
 * %COMSPEC%, else cmd.exe) with no arguments (not a login shell), as aws-vault does.
 */
export function childCommand(
  rest: string[],
  env: (name: string) => string | undefined,
  os: typeof Deno.build.os = Deno.build.os,
): { command: string; args: string[]; subshell: boolean } {
  if (rest.length > 0) return { command: rest[0], args: rest.slice(1), subshell: false };
  const shell = env("SHELL") || (os === "windows" ? windowsDefaultShell(env) : "/bin/sh");
  return { command: shell, args: [], subshell: true };
}
