/**
 * A fake AWS STS + IAM endpoint for tests (Query protocol, real-looking XML, AWS-style errors).
 * Every signed request is checked by our own SigV4 verifier (sigv4_verify.ts), never by the
 * aws4fetch signer the clients use. One URL serves both services: the credential scope in the
 * Authorization header says which (unsigned requests are STS: AssumeRoleWithWebIdentity).
 *
 * ```ts
 * await using fake = await startFakeAws();           // or: const fake = ...; await fake.close()
 * const alice = fake.addUser("alice", { mfa: { codes: ["123456"] } });
 * //   alice.accessKeyId / alice.secretAccessKey (AKIA...), alice.arn, alice.userId,
 * //   alice.mfaSerial ("arn:aws:iam::123456789012:mfa/alice"), alice.credentials() -> Credentials
 * const role = fake.addRole("admin", { requireMfa: true, maxSessionDuration: 43200 });
 * //   role.arn = "arn:aws:iam::123456789012:role/admin"; trust defaults to the whole account
 * //   options: trust: string[] (user/role ARNs, "arn:aws:iam::<acct>:root", "*"),
 * //            maxSessionDuration (s, default 3600), requireMfa, externalId, webIdentityToken
 * const env = await writeAwsConfig(home, fake, "[profile a]\nregion=us-east-1\n");
 * //   writes <home>/.aws/config; env = { AWS_CONFIG_FILE, AWS_ENDPOINT_URL: fake.url }
 * fake.url                                  // "http://127.0.0.1:<port>"
 * fake.addAccessKey("alice")                // a second AKIA key for the user
 * fake.addMfaDevice("alice", { serial?, codes?: ["123456"], rejectReuse?: false })
 * fake.failNext("AssumeRole", { status: 503, code: "ServiceUnavailable", times: 1 })
 * fake.failNext("*", { status: 400, code: "Throttling", message: "Rate exceeded" })
 * fake.delayNext("GetSessionToken", 2000)    // answer late (client timeout tests)
 * fake.setNewKeyDelay(3)                     // keys from CreateAccessKey fail their first 3 requests
 * fake.setSessionLifetime(120)               // every issued session lasts 120 s
 * fake.setClockOffset(20 * 60_000)          // the fake's clock runs 20 min ahead: Date headers
 *                                            //   and the SigV4 skew check use it
 * fake.requireStsRegion("eu-west-1")         // STS requests must be signed for this region
 * fake.expireCredentials("ASIA...")          // that session now gets ExpiredToken
 * fake.calls                                 // FakeCall[]: service, action, params, accessKeyId
 *                                            //   (as claimed by the signature, "" if unsigned),
 *                                            //   region, time, status, errorCode, userAgent
 * fake.callsTo("AssumeRole"); fake.callCount("GetSessionToken"); fake.callCounts(); fake.clearCalls()
 * fake.session("ASIA...")                    // FakeSession: kind, arn, chain, mfaAuthenticated,
 *                                            //   tags, transitiveTagKeys, sourceIdentity, expiration
 * fake.state                                 // the raw FakeAwsState, for anything else
 * fake.sso / fake.approveDevice(userCode)    // IAM Identity Center (SSO OIDC + portal):
 *                                            //   see sso_actions.ts
 * ```
 *
 * Rules implemented: GetSessionToken/GetFederationToken need long-term keys; AssumeRole from any
 * session credentials is limited to 1 h (role chaining) and by the role's MaxSessionDuration;
 * DurationSeconds bounds (900..43200 / 900..129600); wrong MFA -> AccessDenied
 * "MultiFactorAuthentication failed with invalid MFA one time pass code."; MFA-required roles
 * refuse callers without MFA (a GetSessionToken session made with MFA counts, and MFA is carried
 * down a role chain); transitive tags and source identity carry down a chain; IAM refuses
 * session-token credentials made without MFA (InvalidClientTokenId) and needs UserName from role
 * credentials; at most 2 access keys per user (LimitExceeded). Errors on authentication:
 * MissingAuthenticationToken, InvalidClientTokenId (unknown/inactive/not yet valid key, wrong or
 * missing session token), SignatureDoesNotMatch (bad signature, clock skew > 15 min, IAM not
 * signed for us-east-1), ExpiredToken.
 *
 * IAM must be signed for us-east-1 (cn-north-1, us-gov-west-1), as our IamClient does; note that
 * the AWS CLI signs IAM with the profile's region when given --endpoint-url, so run `aws iam` against
 * the fake with region us-east-1. The Debian AWS CLI (2.9) predates AWS_ENDPOINT_URL: pass
 * `--endpoint-url` to it; aws-vault itself honours AWS_ENDPOINT_URL.
 */
import type { Credentials } from "../../lib/credentials.ts";
import { authenticate, AwsFault, type Caller, claimedScope } from "./caller.ts";
import { IAM_ACTIONS } from "./iam_actions.ts";
import { FakeAwsState, type FakeCall, type FakeRole, type FakeSession } from "./state.ts";
import { FakeSso } from "./sso_actions.ts";
import { STS_ACTIONS } from "./sts_actions.ts";
import { errorXml, IAM_NS, STS_NS, successXml } from "./xml_responses.ts";

export type { FakeCall, FakeRole, FakeSession } from "./state.ts";
export type { FakeSso } from "./sso_actions.ts";

export interface FakeAwsOptions {
  /** Default "123456789012". */
  accountId?: string;
}

export interface MfaOptions {
  /** Default `arn:aws:iam::<account>:mfa/<user>`. */
  serial?: string;
  /** Accepted codes; default ["123456"]. */
  codes?: string[];
  /** Refuse a code that was already used once (as AWS does); default false. */
  rejectReuse?: boolean;
}

export interface AddUserOptions {
  /** Give the user an MFA device (true: the defaults of MfaOptions). */
  mfa?: boolean | MfaOptions;
  /** Actions refused to this user and sessions derived from it, e.g. ["iam:GetUser"]. */
  deny?: string[];
}

/** A user as tests see it: names plus its first access key. */
export interface FakeUserHandle {
  userName: string;
  userId: string;
  arn: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** "" when the user has no MFA device. */
  mfaSerial: string;
  /** The long-term key as our Credentials type (sessionToken ""). */
  credentials(): Credentials;
}

export interface FailureOptions {
  status?: number;
  code?: string;
  message?: string;
  type?: "Sender" | "Receiver";
  /** How many requests fail; default 1. */
  times?: number;
}

const VERSIONS: Record<string, string> = { sts: "2011-06-15", iam: "2010-05-08" };

export class FakeAws {
  readonly state: FakeAwsState;
  readonly url: string;
  /** IAM Identity Center: SSO OIDC and the SSO portal (sso_actions.ts). */
  readonly sso: FakeSso;
  #server: Deno.HttpServer<Deno.NetAddr>;
  #closing = new AbortController();

  constructor(accountId: string) {
    this.state = new FakeAwsState(accountId);
    this.#server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: () => {},
    }, async (req) => {
      const res = await this.#handle(req);
      // An explicit Date is kept by Deno.serve; it shows the fake's (possibly offset) clock.
      res.headers.set("date", new Date(Date.now() + this.state.clockOffsetMs).toUTCString());
      return res;
    });
    this.url = `http://127.0.0.1:${this.#server.addr.port}`;
    this.sso = new FakeSso(this.state, this.url);
  }

  /** Approves an SSO device authorization, as the user would in the browser. */
  approveDevice(userCode: string): void {
    this.sso.approveDevice(userCode);
  }

  get accountId(): string {
    return this.state.accountId;
  }

  addUser(userName: string, options: AddUserOptions = {}): FakeUserHandle {
    const user = this.state.addUser(userName, options.deny ?? []);
    const key = this.state.addAccessKey(userName);
    const mfaSerial = options.mfa
      ? this.addMfaDevice(userName, options.mfa === true ? {} : options.mfa)
      : "";
    return {
      userName,
      userId: user.userId,
      arn: user.arn,
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      mfaSerial,
      credentials: () => ({
        accessKeyId: key.accessKeyId,
        secretAccessKey: key.secretAccessKey,
        sessionToken: "",
      }),
    };
  }

  addAccessKey(userName: string): { accessKeyId: string; secretAccessKey: string } {
    const key = this.state.addAccessKey(userName);
    return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  }

  /** Adds an MFA device; returns its serial number. */
  addMfaDevice(userName: string, options: MfaOptions = {}): string {
    return this.state.addMfaDevice(
      userName,
      options.codes ?? ["123456"],
      options.serial,
      options.rejectReuse ?? false,
    ).serialNumber;
  }

  addRole(
    roleName: string,
    options: Partial<Omit<FakeRole, "roleName" | "roleId" | "arn">> = {},
  ): FakeRole {
    return this.state.addRole(roleName, options);
  }

  /** The next `times` requests for `action` ("*" = any) get this error instead of an answer. */
  failNext(action: string, options: FailureOptions = {}): void {
    const status = options.status ?? 500;
    const queue = this.state.failures.get(action) ?? [];
    queue.push({
      status,
      code: options.code ?? (status >= 500 ? "InternalFailure" : "Throttling"),
      message: options.message ??
        (status >= 500
          ? "The request processing has failed because of an unknown error."
          : "Rate exceeded"),
      type: options.type ?? (status >= 500 ? "Receiver" : "Sender"),
      times: options.times ?? 1,
    });
    this.state.failures.set(action, queue);
  }

  /** The next `times` requests for `action` ("*" = any) are answered after `ms`. */
  delayNext(action: string, ms: number, times = 1): void {
    const queue = this.state.delays.get(action) ?? [];
    queue.push({ ms, times });
    this.state.delays.set(action, queue);
  }

  setNewKeyDelay(requests: number): void {
    this.state.newKeyDelayRequests = requests;
  }

  /** Moves the fake's clock (Date headers, the 15-minute signature window) by `ms`. */
  setClockOffset(ms: number): void {
    this.state.clockOffsetMs = ms;
  }

  setSessionLifetime(seconds: number | undefined): void {
    this.state.sessionLifetimeSeconds = seconds;
  }

  requireStsRegion(region: string | undefined): void {
    this.state.stsRegion = region;
  }

  expireCredentials(accessKeyId: string): void {
    const session = this.state.sessions.get(accessKeyId);
    if (!session) throw new Error(`fake AWS: no session ${accessKeyId}`);
    session.expiration = new Date(Date.now() - 1000);
  }

  session(accessKeyId: string): FakeSession | undefined {
    return this.state.sessions.get(accessKeyId);
  }

  get calls(): FakeCall[] {
    return this.state.calls;
  }

  callsTo(action: string): FakeCall[] {
    return this.state.calls.filter((c) => c.action === action);
  }

  callCount(action?: string): number {
    return action === undefined ? this.state.calls.length : this.callsTo(action).length;
  }

  /** Number of calls per action, e.g. `{ GetSessionToken: 1, AssumeRole: 2 }`. */
  callCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const c of this.state.calls) counts[c.action] = (counts[c.action] ?? 0) + 1;
    return counts;
  }

  clearCalls(): void {
    this.state.calls.length = 0;
  }

  async close(): Promise<void> {
    this.#closing.abort();
    await this.#server.shutdown();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (FakeSso.handles(req.method, url.pathname)) return await this.sso.handle(req);
    const body = new Uint8Array(await req.arrayBuffer());
    const params = Object.fromEntries(url.searchParams);
    const contentType = req.headers.get("content-type") ?? "";
    if (req.method === "POST" && contentType.startsWith("application/x-www-form-urlencoded")) {
      Object.assign(
        params,
        Object.fromEntries(new URLSearchParams(new TextDecoder().decode(body))),
      );
    }
    const scope = claimedScope(req.headers);
    const service = scope.service;
    const ns = service === "iam" ? IAM_NS : STS_NS;
    const { Action: action = "", Version: version = "", ...actionParams } = params;
    const requestId = crypto.randomUUID();
    const call: FakeCall = {
      service: service === "iam" ? "iam" : "sts",
      action,
      params: actionParams,
      accessKeyId: scope.accessKeyId,
      region: scope.region,
      time: new Date(),
      status: 200,
      userAgent: req.headers.get("user-agent") ?? "",
    };
    this.state.calls.push(call);

    try {
      const delay = this.state.takeDelay(action);
      if (delay) await this.#sleep(delay.ms);
      const failure = this.state.takeFailure(action);
      if (failure) throw new AwsFault(failure.status, failure.code, failure.message, failure.type);

      const actions = service === "iam" ? IAM_ACTIONS : STS_ACTIONS;
      const handler = Object.hasOwn(actions, action) ? actions[action] : undefined;
      let caller: Caller | undefined;
      const unsignedOk = action === "AssumeRoleWithWebIdentity" &&
        !req.headers.has("authorization");
      if (!unsignedOk) {
        caller = authenticate(this.state, {
          method: req.method,
          url: req.url,
          headers: req.headers,
          body,
        }, service);
      }
      if (!handler || version !== VERSIONS[service]) {
        throw new AwsFault(
          400,
          "InvalidAction",
          `Could not find operation ${action} for version ${version}`,
        );
      }
      const result = handler({ state: this.state, caller, params: actionParams });
      return xmlResponse(200, successXml(ns, action, requestId, result), requestId);
    } catch (err) {
      if (!(err instanceof AwsFault)) throw err;
      call.status = err.status;
      call.errorCode = err.code;
      return xmlResponse(
        err.status,
        errorXml(ns, err.type, err.code, err.message, requestId),
        requestId,
      );
    }
  }

  /** Sleeps, but wakes up early when the server closes so shutdown never waits on a delay. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.#closing.signal;
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
    });
  }
}

function xmlResponse(status: number, xml: string, requestId: string): Response {
  return new Response(xml, {
    status,
    headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
  });
}

/** Starts a fake STS+IAM on 127.0.0.1 with a free port. */
export function startFakeAws(options: FakeAwsOptions = {}): Promise<FakeAws> {
  return Promise.resolve(new FakeAws(options.accountId ?? "123456789012"));
}

/**
 * Writes `<home>/.aws/config` with `configText` and returns the environment that points the CLI
 * (and any AWS SDK) at the fake: AWS_CONFIG_FILE and AWS_ENDPOINT_URL.
 */
export async function writeAwsConfig(
  home: string,
  fake: FakeAws,
  configText: string,
): Promise<Record<string, string>> {
  await Deno.mkdir(`${home}/.aws`, { recursive: true });
  const path = `${home}/.aws/config`;
  await Deno.writeTextFile(path, configText);
  return { AWS_CONFIG_FILE: path, AWS_ENDPOINT_URL: fake.url };
}

/** `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` of a user, e.g. for `aws-vault add --env`. */
export function keyEnv(user: FakeUserHandle): Record<string, string> {
  return { AWS_ACCESS_KEY_ID: user.accessKeyId, AWS_SECRET_ACCESS_KEY: user.secretAccessKey };
}
