/**
 * The AWS console federation flow of `aws-vault login` (aws-vault's cli/login.go and
 * vault/federationtokenprovider.go):
 *
 * 1. credentials: the environment (no profile), or the profile's provider chain with
 *    GetSessionToken disabled for the target profile itself;
 * 2. role credentials (AssumeRole, web identity, SSO) are used as they are; anything else is
 *    checked with GetCallerIdentity and, unless it is already an assumed role, exchanged for a
 *    federated user session with GetFederationToken (allow-all policy, IAM user name as Name);
 * 3. `getSigninToken` on the partition's federation endpoint, then the login URL.
 *
 * The sign-in request is aws-vault's exactly: no `SessionDuration` parameter. The console session
 * therefore lasts what AWS derives from the credentials (for federated users the token's duration,
 * at most 12h; for roles AWS's default), which is the source of the session-length confusion in
 * aws-vault issues #77/#431/#463/#550: `--duration` sets the GetFederationToken / AssumeRole
 * duration, not a console setting.
 *
 * `AWS_VAULT_SIGNIN_ENDPOINT` (ours, not aws-vault's) replaces the `https://signin.../federation`
 * prefix for both requests; it exists so tests (and users behind a proxy) can point the sign-in
 * call at another endpoint. The console destination is unchanged.
 */
import type { Credentials, CredentialsProvider } from "../lib/credentials.ts";
import { ConfigLoadError, UsageError, UserError } from "../lib/errors.ts";
import { debug } from "../lib/log.ts";
import { goJson } from "../keystore/go_json.ts";
import type { Keystore } from "../keystore/keystore.ts";
import type { AwsConfigFile } from "./config/config.ts";
import type { ProfileBaseConfig, ProfileConfig } from "./config/profile_config.ts";
import { AssumeRoleProvider } from "./providers/assume_role.ts";
import { WebIdentityProvider } from "./providers/web_identity.ts";
import { durationSeconds, type Env, logGenerated } from "./providers/sts_access.ts";
import { CachedSessionProvider } from "./session_cache.ts";
import { importAtRunTime } from "../lib/lazy_import.ts";

/** The session policy aws-vault passes to GetFederationToken: the user's own permissions apply. */
export const ALLOW_ALL_POLICY =
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}';

/** Our override of the sign-in federation endpoint (tests, proxies). */
export const SIGNIN_ENDPOINT_VARIABLE = "AWS_VAULT_SIGNIN_ENDPOINT";

/** GetFederationToken refuses longer names. */
const MAX_FEDERATED_NAME_LENGTH = 32;

/** How long we wait for the sign-in endpoint (Go's default client would wait forever). */
const SIGNIN_TIMEOUT_MS = 30_000;

export const NO_PROFILE_NOR_ENV_MESSAGE =
  "argument 'profile' not provided, nor any AWS env vars found. Try --help";

// ---------------------------------------------------------------------------------------------
// URLs

/**
 * Go's url.QueryEscape: unreserved bytes kept, space as `+`, everything else `%XX` (upper case).
 */
export function queryEscape(text: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** Go's url.Values.Encode: `k=v` pairs joined by `&`, keys sorted, both query-escaped. */
export function encodeQuery(values: Record<string, string>): string {
  return Object.keys(values).sort()
    .map((k) => `${queryEscape(k)}=${queryEscape(values[k])}`)
    .join("&");
}

/** The federation endpoint and the console page to land on (aws-vault's generateLoginURL). */
export interface LoginTarget {
  /** `https://signin.<partition domain>/federation` (or the override). */
  prefix: string;
  destination: string;
}

/**
 * As cli/login.go picks it. Without a region the global console is used and `path` is ignored, as
 * in aws-vault. `path` is inserted verbatim after the host (so `--path=s3` gives `/s3`,
 * `--path=/s3` gives `//s3`).
 */
export function loginTarget(
  region: string,
  path: string,
  env: Env = (n) => Deno.env.get(n),
): LoginTarget {
  let prefix = "https://signin.aws.amazon.com/federation";
  let destination = "https://console.aws.amazon.com/";
  if (region !== "") {
    let domain = "console.aws.amazon.com";
    if (region.startsWith("cn-")) {
      prefix = "https://signin.amazonaws.cn/federation";
      domain = "console.amazonaws.cn";
    } else if (region.startsWith("us-gov-")) {
      prefix = "https://signin.amazonaws-us-gov.com/federation";
      domain = "console.amazonaws-us-gov.com";
    } else if (region.startsWith("eusc-")) {
      // The European Sovereign Cloud signs in per region, as the AWS CLI's console login does
      // (the ByteNess fork uses signin.amazonaws-eusc.eu, which it notes is not available).
      prefix = `https://${region}.signin.amazonaws-eusc.eu/federation`;
      domain = "console.amazonaws-eusc.eu";
    }
    destination = path !== ""
      ? `https://${region}.${domain}/${path}?region=${region}`
      : `https://${region}.${domain}/console/home?region=${region}`;
  }
  const override = env(SIGNIN_ENDPOINT_VARIABLE) ?? "";
  if (override !== "") {
    debug(`Using sign-in endpoint ${override} from ${SIGNIN_ENDPOINT_VARIABLE}`);
    prefix = override;
  }
  return { prefix, destination };
}

/** The URL that logs the browser in. It contains the sign-in token (a secret). */
export function loginUrl(target: LoginTarget, signinToken: string): string {
  return `${target.prefix}?Action=login&Issuer=aws-vault&Destination=${
    queryEscape(target.destination)
  }&SigninToken=${queryEscape(signinToken)}`;
}

/**
 * `login --auto-logout` (ByteNess fork cli/login.go): the console's logout endpoint first, which
 * then redirects to the login URL, so a browser already signed in to another account switches.
 * The fork puts the destination and token into the redirect unescaped and always logs out of the
 * commercial partition; we escape the whole login URL once and log out where the login goes.
 */
export function logoutThenLoginUrl(target: LoginTarget, loginUrlText: string): string {
  const host = new URL(target.prefix).host;
  const logoutHost = host === "signin.aws.amazon.com" ? "us-east-1.signin.aws.amazon.com" : host;
  return `https://${logoutHost}/oauth?Action=logout&redirect_uri=${queryEscape(loginUrlText)}`;
}

/** The `Session` parameter: Go's json.Marshal of a map, so keys sorted and HTML-safe escapes. */
export function signinSessionJson(creds: Credentials): string {
  return goJson({
    sessionId: creds.accessKeyId,
    sessionKey: creds.secretAccessKey,
    sessionToken: creds.sessionToken,
  });
}

/** The getSigninToken request URL (contains the secret key: never log or print it). */
export function signinTokenRequestUrl(prefix: string, creds: Credentials): string {
  return `${prefix}?${
    encodeQuery({ Action: "getSigninToken", Session: signinSessionJson(creds) })
  }`;
}

/**
 * Exchanges temporary credentials for a sign-in token. Errors never contain the
 * request URL (its query holds the secret key; aws-vault's Go error would show it).
 */
export async function requestSigninToken(prefix: string, creds: Credentials): Promise<string> {
  const url = signinTokenRequestUrl(prefix, creds);
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(SIGNIN_TIMEOUT_MS) });
  } catch (err) {
    const reason = err instanceof DOMException && err.name === "TimeoutError"
      ? `no answer within ${SIGNIN_TIMEOUT_MS / 1000}s`
      : scrub(failureText(err), url, prefix);
    throw new UserError(`Call to getSigninToken at ${prefix} failed: ${reason}`);
  }
  const body = await response.text();
  if (response.status !== 200) {
    debug(`Response body was ${body}`);
    const line = `${response.status} ${response.statusText}`.trim();
    throw new UserError(`Call to getSigninToken failed with ${line}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    // Not the parser's message: V8 quotes the start of the body, which may hold the token.
    throw new UserError("getSigninToken returned invalid JSON");
  }
  const token = parsed !== null && typeof parsed === "object"
    ? (parsed as Record<string, unknown>).SigninToken
    : undefined;
  if (typeof token !== "string") throw new UserError("Expected a response with SigninToken");
  return token;
}

/** fetch's "fetch failed" plus the reason in its cause (which quotes the whole URL). */
function failureText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? err.cause.message : "";
  return cause && cause !== err.message ? `${err.message}: ${cause}` : err.message;
}

/** Removes the secret-bearing query of the request URL from an error message. */
function scrub(message: string, url: string, prefix: string): string {
  const query = url.slice(prefix.length);
  return message.split(query).join("").replace(/\?Action=getSigninToken&Session=[^\s)]*/g, "");
}

// ---------------------------------------------------------------------------------------------
// Credentials

/**
 * The SDK's environment credentials (aws-sdk-go-v2 NewEnvConfig): AWS_ACCESS_KEY_ID (or
 * AWS_ACCESS_KEY), AWS_SECRET_ACCESS_KEY (or AWS_SECRET_KEY) and AWS_SESSION_TOKEN. Undefined
 * unless both the key id and the secret are set.
 */
export function environmentCredentials(env: Env): Credentials | undefined {
  const accessKeyId = environmentAccessKeyId(env);
  const secretAccessKey = firstSet(env, "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY");
  if (accessKeyId === "" || secretAccessKey === "") return undefined;
  return { accessKeyId, secretAccessKey, sessionToken: env("AWS_SESSION_TOKEN") ?? "" };
}

/**
 * The access key id the SDK would take from the environment. login without a profile uses the
 * environment when it is set (the fork's cli/login.go checks AccessKeyID), else shows the picker.
 */
export function environmentAccessKeyId(env: Env): string {
  return firstSet(env, "AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY");
}

function firstSet(env: Env, ...names: string[]): string {
  return names.map((n) => env(n) ?? "").find((v) => v !== "") ?? "";
}

/** Session types whose credentials are role sessions the console accepts as they are. */
const ROLE_SESSION_TYPES: ReadonlySet<string> = new Set([
  "sts.AssumeRole",
  "sts.AssumeRoleWithWebIdentity",
  "sso.GetRoleCredentials",
]);

/**
 * aws-vault's canProviderBeUsedForLogin: AssumeRole, web identity and SSO providers (also behind
 * the session cache) give credentials that need no GetFederationToken and no identity check.
 */
export function isRoleProvider(provider: unknown): boolean {
  if (provider instanceof AssumeRoleProvider || provider instanceof WebIdentityProvider) {
    return true;
  }
  if (provider instanceof CachedSessionProvider) {
    return ROLE_SESSION_TYPES.has(provider.options.meta.type) ||
      isRoleProvider(provider.options.provider);
  }
  return false;
}

/** True when an STS/IAM ARN names an assumed-role session (the 6th `:` field). */
export function isAssumedRoleArn(arn: string): boolean {
  const parts = arn.split(":");
  if (parts.length < 6) throw new UserError(`unable to parse ARN: ${arn}`);
  return parts[5].startsWith("assumed-role");
}

/** aws-vault's match on a GetUser AccessDenied, which still names the caller. */
const GET_USER_ERROR = /^AccessDenied: User: arn:aws:iam::(\d+):user\/(.+) is not/;

/** GetFederationToken's Name: the user name cut to 32 characters. */
export function federatedUserName(userName: string): string {
  return userName.slice(0, MAX_FEDERATED_NAME_LENGTH);
}

/**
 * aws-vault's GetUsernameFromSession over an IAM GetUser result or error: UserName, else the last
 * `:` field of the ARN (`root` for the root user); on AccessDenied the user named in the message.
 */
export function userNameFromGetUser(
  result: { userName: string; arn: string } | { error: unknown },
): string {
  if ("error" in result) {
    const message = result.error instanceof Error ? result.error.message : String(result.error);
    const match = GET_USER_ERROR.exec(message);
    if (match) return match[2].split("/").pop()!;
    throw result.error;
  }
  if (result.userName !== "") return result.userName;
  if (result.arn !== "") return result.arn.split(":").pop()!;
  throw new UserError("Couldn't determine current username");
}

/**
 * vault/federationtokenprovider.go: a federated user session for long-term (or non-role)
 * credentials.
 */
export async function federationToken(
  creds: Credentials,
  profile: ProfileConfig,
  env: Env,
): Promise<Credentials> {
  const [{ IamClient }, { StsClient }] = await Promise.all([
    importAtRunTime<typeof import("./aws/iam_client.ts")>("sts/aws/iam_client.ts"),
    importAtRunTime<typeof import("./aws/sts_client.ts")>("sts/aws/sts_client.ts"),
  ]);
  const iam = new IamClient({ profile, credentials: creds, env });
  let userName: string;
  try {
    userName = userNameFromGetUser(await iam.getUser());
  } catch (error) {
    userName = userNameFromGetUser({ error });
  }
  debug("Using GetFederationToken for credentials");
  const sts = new StsClient({ profile, credentials: creds, env });
  const federated = await sts.getFederationToken({
    name: federatedUserName(userName),
    durationSeconds: durationSeconds(profile.getFederationTokenDuration),
    policy: ALLOW_ALL_POLICY,
  });
  logGenerated(federated, "GetFederationToken");
  return federated;
}

/**
 * The credentials the console will accept. Role providers are used directly; anything
 * else is retrieved once and checked with GetCallerIdentity.
 */
export async function consoleCredentials(
  provider: CredentialsProvider,
  profile: ProfileConfig,
  env: Env,
): Promise<Credentials> {
  if (isRoleProvider(provider)) return await provider.retrieve();
  const creds = await provider.retrieve();
  const { StsClient } = await importAtRunTime<typeof import("./aws/sts_client.ts")>(
    "sts/aws/sts_client.ts",
  );
  const identity = await new StsClient({ profile, credentials: creds, env }).getCallerIdentity();
  if (isAssumedRoleArn(identity.arn)) return creds;
  return await federationToken(creds, profile, env);
}

// ---------------------------------------------------------------------------------------------
// The whole flow

export interface ConsoleLoginRequest {
  config: AwsConfigFile;
  /** "" = credentials from the environment; region etc. from [default] and the environment. */
  profileName: string;
  base: ProfileBaseConfig;
  /** Opened only when a profile is named (the environment case needs no keystore). */
  openKeystore: () => Promise<Keystore>;
  /** --no-session: no GetSessionToken anywhere in the chain. */
  noSession: boolean;
  /** --path: the console page after the host; ignored without a region. */
  path: string;
  /** --auto-logout: log the browser out of its current console session first. */
  autoLogout?: boolean;
  env?: Env;
}

/** Credentials source and the resolved profile, before any AWS call. */
async function loginSource(
  req: ConsoleLoginRequest,
  env: Env,
): Promise<{ profile: ProfileConfig; provider: CredentialsProvider }> {
  if (req.profileName === "") {
    const { resolveProfile } = await importAtRunTime<typeof import("./config/profile_resolve.ts")>(
      "sts/config/profile_resolve.ts",
    );
    const profile = resolveProfile(req.config, "", req.base, env);
    const creds = environmentCredentials(env);
    if (!creds) throw new UserError(NO_PROFILE_NOR_ENV_MESSAGE);
    return { profile, provider: { retrieve: () => Promise.resolve(creds) } };
  }
  const { getCredentialsProvider } = await importAtRunTime<typeof import("./chain.ts")>(
    "sts/chain.ts",
  );
  const keystore = await req.openKeystore();
  try {
    return await getCredentialsProvider({
      config: req.config,
      profileName: req.profileName,
      base: req.base,
      keystore,
      noSession: req.noSession,
      // GetFederationToken needs long-term keys, so the target's own keys are not exchanged for
      // a session token (its source profiles may still use one).
      disableSessionsForProfile: req.profileName,
      env,
    });
  } catch (err) {
    // A bad --prompt keeps kingpin's usage format; aws-vault's own messages already named
    // the profile would otherwise read "profile x: profile x: ...".
    if (
      !(err instanceof UserError) || err instanceof UsageError || err instanceof ConfigLoadError ||
      err.message.startsWith(`profile ${req.profileName} `) ||
      err.message.startsWith(`profile ${req.profileName}: `)
    ) {
      throw err;
    }
    throw new UserError(`profile ${req.profileName}: ${err.message}`);
  }
}

/** Runs the whole flow and returns the console login URL (which contains a sign-in token). */
export async function consoleLoginUrl(req: ConsoleLoginRequest): Promise<string> {
  const env = req.env ?? ((n: string) => Deno.env.get(n));
  const { profile, provider } = await loginSource(req, env);
  const creds = await consoleCredentials(provider, profile, env);
  const target = loginTarget(profile.region, req.path, env);
  const token = await requestSigninToken(target.prefix, creds);
  const url = loginUrl(target, token);
  return req.autoLogout ? logoutThenLoginUrl(target, url) : url;
}
