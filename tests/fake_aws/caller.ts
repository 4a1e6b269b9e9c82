/**
 * Who signed a request: authentication of the fake AWS (key lookup, SigV4 check through the
 * independent verifier, session token and expiry), and the AwsFault that handlers throw.
 */
import {
  parseAuthorization,
  type ReceivedRequest,
  SigV4Error,
  verifySignature,
} from "./sigv4_verify.ts";
import type { FakeAccessKey, FakeAwsState, FakeSession, FakeUser } from "./state.ts";

/** An AWS error answer: status, `<Code>`, `<Message>` and `<Type>`. */
export class AwsFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: "Sender" | "Receiver" = "Sender",
  ) {
    super(message);
  }
}

/** The authenticated principal behind a request. */
export interface Caller {
  accessKeyId: string;
  region: string;
  /** Set when signed with a long-term key (AKIA...). */
  longTermKey?: FakeAccessKey;
  /** Set when signed with temporary credentials (ASIA...). */
  session?: FakeSession;
  /** The IAM user at the root of the chain (none for web identity sessions). */
  user?: FakeUser;
  /** The identity trust policies see: the user ARN, or the role ARN for an assumed role. */
  principalArn: string;
  /** What GetCallerIdentity reports and what AccessDenied messages name. */
  arn: string;
  userId: string;
  mfaAuthenticated: boolean;
}

const INVALID_TOKEN = "The security token included in the request is invalid.";

/** What the Authorization header claims, before any check (for routing and the call log). */
export interface ClaimedScope {
  service: string;
  accessKeyId: string;
  region: string;
}

/** Which service a request is for: the credential scope says; unsigned requests go to STS. */
export function claimedScope(headers: Headers): ClaimedScope {
  const header = headers.get("authorization");
  try {
    if (header) return parseAuthorization(header);
  } catch {
    // Malformed: authenticate() reports it.
  }
  return { service: "sts", accessKeyId: "", region: "" };
}

/** Authenticates a signed request or throws the AwsFault AWS would answer with. */
export function authenticate(state: FakeAwsState, req: ReceivedRequest, service: string): Caller {
  const header = req.headers.get("authorization");
  if (!header) {
    throw new AwsFault(
      403,
      "MissingAuthenticationToken",
      "Request is missing Authentication Token",
    );
  }
  let auth;
  try {
    auth = parseAuthorization(header);
  } catch (err) {
    throw sigFault(err);
  }
  checkScope(state, service, auth.region);

  const token = req.headers.get("x-amz-security-token");
  const longTermKey = state.accessKeys.get(auth.accessKeyId);
  const session = state.sessions.get(auth.accessKeyId);
  if (!longTermKey && !session) throw new AwsFault(403, "InvalidClientTokenId", INVALID_TOKEN);
  if (longTermKey) {
    if (token !== null || longTermKey.status !== "Active") {
      throw new AwsFault(403, "InvalidClientTokenId", INVALID_TOKEN);
    }
    if (longTermKey.notValidForRequests > 0) {
      longTermKey.notValidForRequests -= 1;
      throw new AwsFault(403, "InvalidClientTokenId", INVALID_TOKEN);
    }
  }
  if (session && token !== session.sessionToken) {
    throw new AwsFault(403, "InvalidClientTokenId", INVALID_TOKEN);
  }

  const secret = longTermKey?.secretAccessKey ?? session!.secretAccessKey;
  try {
    verifySignature(req, secret, { now: new Date(Date.now() + state.clockOffsetMs) });
  } catch (err) {
    throw sigFault(err);
  }
  if (session && session.expiration.getTime() <= Date.now()) {
    throw new AwsFault(
      403,
      "ExpiredToken",
      "The security token included in the request is expired",
    );
  }

  if (longTermKey) {
    const user = state.users.get(longTermKey.userName)!;
    return {
      accessKeyId: auth.accessKeyId,
      region: auth.region,
      longTermKey,
      user,
      principalArn: user.arn,
      arn: user.arn,
      userId: user.userId,
      mfaAuthenticated: false,
    };
  }
  const s = session!;
  return {
    accessKeyId: auth.accessKeyId,
    region: auth.region,
    session: s,
    user: s.userName ? state.users.get(s.userName) : undefined,
    principalArn: s.roleArn ?? s.chain[s.chain.length - 1] ?? s.arn,
    arn: s.arn,
    userId: s.userId,
    mfaAuthenticated: s.mfaAuthenticated,
  };
}

function checkScope(state: FakeAwsState, service: string, region: string): void {
  if (service !== "sts" && service !== "iam") {
    throw new AwsFault(
      403,
      "SignatureDoesNotMatch",
      `Credential should be scoped to correct service: 'sts'. `,
    );
  }
  const valid = service === "iam"
    ? ["us-east-1", "cn-north-1", "us-gov-west-1"].includes(region)
    : state.stsRegion
    ? region === state.stsRegion
    : /^[a-z]{2}(-[a-z]+)+-\d+$/.test(region);
  if (!valid) {
    throw new AwsFault(
      403,
      "SignatureDoesNotMatch",
      `Credential should be scoped to a valid region. `,
    );
  }
}

function sigFault(err: unknown): AwsFault {
  if (!(err instanceof SigV4Error)) throw err;
  const status = err.code === "IncompleteSignature" ? 400 : 403;
  return new AwsFault(status, err.code, err.message);
}

/** The AccessDenied message AWS gives when a policy refuses an action. */
export function notAuthorized(
  caller: Caller | undefined,
  action: string,
  resource: string,
): AwsFault {
  const who = caller ? `User: ${caller.arn}` : "Not authorized";
  return new AwsFault(
    403,
    "AccessDenied",
    caller
      ? `${who} is not authorized to perform: ${action} on resource: ${resource}`
      : `Not authorized to perform ${action}`,
  );
}

/** Refuses the action when the chain's IAM user has it in deniedActions. */
export function checkAllowed(caller: Caller | undefined, action: string, resource: string): void {
  if (caller?.user?.deniedActions.includes(action)) throw notAuthorized(caller, action, resource);
}
