/**
 * `exec --ecs-server` and `exec --ec2-server` (aws-vault's cli/exec.go with server/ecsserver.go and
 * server/ec2server.go): start a loopback credential server, run the child as a subprocess pointed
 * at it, stop the server when the child exits and return the child's exit code.
 *
 * Credentials are fetched (and MFA/SSO prompts answered) before the child starts, unless --lazy.
 * After that first success, MFA prompts are forbidden: the child owns the terminal, and a
 * background prompt would hang the SDK's request. A refresh that needs a new code then gives the
 * SDK a clear error instead.
 */
import type { Credentials, CredentialsProvider } from "../lib/credentials.ts";
import type { ProfileConfig } from "../sts/config/profile_config.ts";
import { errorMessage, UserError } from "../lib/errors.ts";
import { debug, isDebug } from "../lib/log.ts";
import { runChild } from "../lib/child.ts";
import { CredentialCache } from "./credential_cache.ts";
import { pathFromFileUrl } from "../lib/file_url.ts";
import { importAtRunTime } from "../lib/lazy_import.ts";

/** What `cmd/exec.ts` passes to the server modes. */
export interface ServerExecOptions {
  profile: ProfileConfig;
  /** The profile's provider chain (session cache included). */
  provider: CredentialsProvider;
  /** Fetch credentials on the first request instead of before starting the child. */
  lazy: boolean;
  /** With --ec2-server: do not start the root proxy on 169.254.169.254:80. */
  noEc2Proxy: boolean;
  command: string;
  args: string[];
  /**
   * The child environment without credentials (the AWS_* credential and profile variables removed,
   * as cli/exec.go does).
   */
  env: Record<string, string>;
  /** Print the mode's hint on stderr (interactive subshell) instead of the debug log. */
  showHelpMessages?: boolean;
}

/** Removed from the child's environment in both server modes: they would shadow the server. */
export const SERVER_UNSET_VARIABLES = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_SECURITY_TOKEN",
  "AWS_CREDENTIAL_EXPIRATION",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
];

export const MFA_FORBIDDEN_REASON =
  "credentials expired and refreshing them needs an MFA code; restart aws-vault exec";

/** `exec --ecs-server`: returns the child's exit code. */
export async function execWithEcsServer(opts: ServerExecOptions): Promise<number> {
  const cache = await profileCache(opts);
  const roleCache = roleCredentials(opts.profile, cache);
  const { startEcsServer } = await importAtRunTime<typeof import("./ecs_server.ts")>(
    "server/ecs_server.ts",
  );
  const server = startEcsServer({ credentials: cache, roleCredentials: roleCache });
  debug(`Starting ECS credential server on ${server.url}`);
  hint(
    opts,
    "Starting a local ECS credential server; your app's AWS sdk must support AWS_CONTAINER_CREDENTIALS_FULL_URI.",
  );
  const env = ecsChildEnv(opts.env, server.url, server.token);
  try {
    return await runChild({ command: opts.command, args: opts.args, env });
  } finally {
    await closeQuickly(server.close());
  }
}

/** The ECS mode's child environment: no static keys, the server's URI and token. */
export function ecsChildEnv(
  base: Record<string, string>,
  url: string,
  token: string,
): Record<string, string> {
  const env = { ...base };
  for (const name of SERVER_UNSET_VARIABLES) delete env[name];
  env.AWS_CONTAINER_CREDENTIALS_FULL_URI = url;
  env.AWS_CONTAINER_AUTHORIZATION_TOKEN = token;
  return env;
}

/** `exec --ec2-server`: returns the child's exit code. */
export async function execWithEc2Server(opts: ServerExecOptions): Promise<number> {
  const cache = await profileCache(opts);
  const { startEc2Server } = await importAtRunTime<typeof import("./ec2_server.ts")>(
    "server/ec2_server.ts",
  );
  const server = startEc2Server({ credentials: cache, region: opts.profile.region });
  debug(`Starting EC2 metadata server on ${server.url}`);
  let proxyStarted = false;
  try {
    if (!opts.noEc2Proxy) {
      await startRootProxy(server.port);
      proxyStarted = true;
      hint(
        opts,
        "Warning: Starting a local EC2 credential server on 169.254.169.254:80; AWS credentials will be accessible to any process while it is running",
      );
    } else {
      hint(
        opts,
        `Starting a local EC2 credential server on ${server.url}; AWS credentials will be accessible to any local process while it is running`,
      );
    }
    const env = ec2ChildEnv(opts.env, server.url);
    return await runChild({ command: opts.command, args: opts.args, env });
  } finally {
    if (proxyStarted) await stopRootProxy();
    await closeQuickly(server.close());
  }
}

/**
 * The EC2 mode's child environment: no static keys or container variables (SDKs try those before
 * IMDS), IMDS enabled, and AWS_EC2_METADATA_SERVICE_ENDPOINT at our loopback port so that current
 * SDKs need no root proxy.
 */
export function ec2ChildEnv(base: Record<string, string>, url: string): Record<string, string> {
  const env = { ...base };
  for (const name of SERVER_UNSET_VARIABLES) delete env[name];
  delete env.AWS_EC2_METADATA_DISABLED;
  env.AWS_EC2_METADATA_SERVICE_ENDPOINT = url;
  return env;
}

/**
 * The profile's credentials cache: filled now unless lazy (so prompts happen before the child
 * starts), and MFA prompts forbidden after the first success.
 */
async function profileCache(opts: ServerExecOptions): Promise<CredentialCache> {
  const { forbidMfaPrompts } = await importAtRunTime<typeof import("../sts/mfa/mfa.ts")>(
    "sts/mfa/mfa.ts",
  );
  const cache = new CredentialCache(opts.provider, {
    name: `credentials for profile ${opts.profile.name}`,
    onFirstSuccess: () => forbidMfaPrompts(MFA_FORBIDDEN_REASON),
  });
  if (!opts.lazy) {
    try {
      await cache.retrieve();
    } catch (err) {
      throw new UserError(`Retrieving creds: ${errorMessage(err)}`);
    }
  }
  return cache;
}

/** Role caches kept for `/role-arn/<arn>`; the least recently used goes beyond this. */
const MAX_ROLE_CACHES = 64;
/** How long a failed `/role-arn/<arn>` is answered from memory before STS is asked again. */
const ROLE_FAILURE_TTL_MS = 30_000;
/**
 * What AssumeRole can accept as a role ARN (IAM ARN format; partition names like aws-us-gov):
 * anything else is refused without an STS call.
 */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/;

/**
 * `/role-arn/<arn>`: AssumeRole from the server's base credentials (no MFA, tags or external id,
 * as aws-vault), session name = UnixNano, duration = the profile's AssumeRole duration; one
 * refreshing cache per ARN. Unlike aws-vault, whose per-ARN map grows with every ARN asked for and
 * which asks STS again for every failed request, failures are remembered for
 * ROLE_FAILURE_TTL_MS, at most MAX_ROLE_CACHES ARNs are kept (least recently used first out), and
 * malformed ARNs never reach STS (issue 10).
 */
export function roleCredentials(
  profile: ProfileConfig,
  base: CredentialsProvider,
  maxRoles = MAX_ROLE_CACHES,
  assume: (roleArn: string) => Promise<Credentials> = (arn) => assumeRole(profile, base, arn),
): (roleArn: string) => Promise<Credentials> {
  const caches = new Map<string, CredentialCache>();
  return (roleArn) => {
    if (!ROLE_ARN.test(roleArn)) {
      return Promise.reject(new UserError("the path after /role-arn/ is not an IAM role ARN"));
    }
    let cache = caches.get(roleArn);
    if (cache) {
      // Most recently used last: Map keeps insertion order.
      caches.delete(roleArn);
    } else {
      cache = new CredentialCache({ retrieve: () => assume(roleArn) }, {
        name: `credentials for role ${roleArn}`,
        failureTtlMs: ROLE_FAILURE_TTL_MS,
      });
      if (caches.size >= maxRoles) caches.delete(caches.keys().next().value!);
    }
    caches.set(roleArn, cache);
    return cache.retrieve();
  };
}

async function assumeRole(
  profile: ProfileConfig,
  base: CredentialsProvider,
  roleArn: string,
): Promise<Credentials> {
  const sts = await importAtRunTime<typeof import("../sts/providers/sts_access.ts")>(
    "sts/providers/sts_access.ts",
  );
  const client = await sts.newStsClient(profile, await base.retrieve(), (n) => Deno.env.get(n));
  const creds = await client.assumeRole({
    roleArn,
    roleSessionName: sts.defaultRoleSessionName(),
    durationSeconds: sts.durationSeconds(profile.assumeRoleDuration || 3_600_000),
  });
  sts.logGenerated(creds, "AssumeRole");
  return creds;
}

/** Starts `sudo -b <this binary> proxy --target-port <port>`, as aws-vault does on Unix. */
async function startRootProxy(targetPort: number): Promise<void> {
  const { IMDS_HOST, IMDS_PORT } = await importAtRunTime<typeof import("./ec2_proxy.ts")>(
    "server/ec2_proxy.ts",
  );
  if (await acceptsConnections(IMDS_HOST, IMDS_PORT, 10)) {
    throw new UserError(`Another process is already bound to ${IMDS_HOST}:${IMDS_PORT}`);
  }
  const argv = proxyCommand(targetPort, isDebug());
  const [exe, ...args] = Deno.build.os === "windows" ? argv : ["sudo", "-b", ...argv];
  debug(`Starting the EC2 metadata proxy: ${[exe, ...args].join(" ")}`);
  const child = new Deno.Command(exe, {
    args,
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  if (Deno.build.os === "windows") {
    child.unref();
    await new Promise((r) => setTimeout(r, 1000));
    if (!(await acceptsConnections(IMDS_HOST, IMDS_PORT, 1000))) {
      throw new UserError(
        "The EC2 Instance Metadata endpoint proxy server isn't running. Run `aws-vault proxy` as Administrator or root in the background and then try this command again",
      );
    }
    return;
  }
  const status = await child.status;
  if (!status.success) {
    throw new UserError(`starting the EC2 metadata proxy: sudo exited ${status.code}`);
  }
}

/** The argv of `<this binary> proxy --target-port <port>`; from source, `deno run -A main.ts`. */
export function proxyCommand(targetPort: number, withDebug: boolean): string[] {
  const exe = Deno.execPath();
  const fromSource = /^deno(\.exe)?$/i.test(exe.split(/[\\/]/).pop() ?? "");
  const self = fromSource
    ? [exe, "run", "-A", pathFromFileUrl(new URL("../main.ts", import.meta.url))]
    : [exe];
  return [...self, ...(withDebug ? ["--debug"] : []), "proxy", "--target-port", String(targetPort)];
}

async function stopRootProxy(): Promise<void> {
  try {
    const { requestProxyStop } = await importAtRunTime<typeof import("./ec2_proxy.ts")>(
      "server/ec2_proxy.ts",
    );
    await requestProxyStop();
  } catch (err) {
    debug(`Stopping the EC2 metadata proxy: ${errorMessage(err)}`);
  }
}

async function acceptsConnections(hostname: string, port: number, timeoutMs: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const attempt = Deno.connect({ hostname, port }).then((conn) => {
    conn.close();
    return true;
  }, () => false);
  const timeout = new Promise<boolean>((r) => timer = setTimeout(() => r(false), timeoutMs));
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Closing waits for open requests; a request stuck on STS must not hold our exit hostage. */
async function closeQuickly(closing: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([closing, new Promise((r) => timer = setTimeout(r, 1000))]);
  clearTimeout(timer);
}

function hint(opts: ServerExecOptions, message: string): void {
  if (opts.showHelpMessages) Deno.stderr.writeSync(new TextEncoder().encode(message + "\n"));
  else debug(message);
}
