/**
 * The fake AWS account's state: IAM users with access keys and MFA devices, roles with trust
 * rules, issued temporary credentials, injected failures and the log of every call. The server
 * (server.ts) reads and changes it; tests set it up through the FakeAws handle.
 */

/** A long-term access key (AKIA...). */
export interface FakeAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  userName: string;
  status: "Active" | "Inactive";
  createDate: Date;
  /** Requests still to be refused with InvalidClientTokenId (emulates IAM propagation delay). */
  notValidForRequests: number;
}

/** A virtual MFA device. Any listed code is accepted (optionally only once). */
export interface FakeMfaDevice {
  serialNumber: string;
  userName: string;
  codes: string[];
  /** Refuse a code that was already accepted once, as AWS does within a code's time window. */
  rejectReuse: boolean;
  usedCodes: string[];
}

export interface FakeUser {
  userName: string;
  userId: string;
  arn: string;
  /** Actions (e.g. "iam:GetUser", "sts:AssumeRole") this user's principals are refused. */
  deniedActions: string[];
}

export interface FakeRole {
  roleName: string;
  roleId: string;
  arn: string;
  /**
   * Principals allowed to assume the role: user or role ARNs, `arn:aws:iam::<acct>:root`
   * (anyone in the account), or "*".
   */
  trust: string[];
  /** Seconds; AssumeRole beyond it is a ValidationError. */
  maxSessionDuration: number;
  requireMfa: boolean;
  /** When set, AssumeRole must pass this ExternalId. */
  externalId?: string;
  /** When set, AssumeRoleWithWebIdentity accepts exactly this token. */
  webIdentityToken?: string;
}

export type SessionKind = "session-token" | "assumed-role" | "federated-user" | "web-identity";

/** Temporary credentials (ASIA...) the fake issued. */
export interface FakeSession {
  kind: SessionKind;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  /** What GetCallerIdentity reports. */
  arn: string;
  userId: string;
  /** The IAM user at the root of the chain ("" for web identity). */
  userName: string;
  /** For assumed roles: the role ARN and session name. */
  roleArn?: string;
  roleSessionName?: string;
  /** Identities from the long-term key to this session, oldest first (user ARN, then roles). */
  chain: string[];
  /** MFA was used somewhere in the chain (aws:MultiFactorAuthPresent). */
  mfaAuthenticated: boolean;
  durationSeconds: number;
  tags: Record<string, string>;
  transitiveTagKeys: string[];
  sourceIdentity?: string;
  /** Access key id that signed the request creating this session. */
  issuedBy: string;
}

/** One received request, successful or not. */
export interface FakeCall {
  service: "sts" | "iam" | "sso-oidc" | "sso";
  action: string;
  /** All form/query parameters except Action and Version; secrets are kept (tests assert on them). */
  params: Record<string, string>;
  /** Access key id named in the signature (even if refused); "" when unsigned. */
  accessKeyId: string;
  /** Region from the credential scope; "" when unsigned. */
  region: string;
  time: Date;
  status: number;
  /** AWS error code when the call failed. */
  errorCode?: string;
  userAgent: string;
}

/** A failure to answer instead of processing a request. */
export interface InjectedFailure {
  status: number;
  code: string;
  message: string;
  type: "Sender" | "Receiver";
  times: number;
}

export interface InjectedDelay {
  ms: number;
  times: number;
}

/** Letters and digits for AWS-looking ids. */
const ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

export function randomId(prefix: string, length = 20, alphabet = ID_CHARS): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length - prefix.length));
  return prefix + Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

export function randomSecret(length = 40): string {
  return randomId("", length, SECRET_CHARS);
}

export class FakeAwsState {
  readonly users = new Map<string, FakeUser>();
  readonly accessKeys = new Map<string, FakeAccessKey>();
  readonly mfaDevices = new Map<string, FakeMfaDevice>();
  readonly roles = new Map<string, FakeRole>();
  readonly sessions = new Map<string, FakeSession>();
  readonly calls: FakeCall[] = [];
  readonly failures = new Map<string, InjectedFailure[]>();
  readonly delays = new Map<string, InjectedDelay[]>();
  /** Keys made by CreateAccessKey refuse this many requests first (IAM propagation delay). */
  newKeyDelayRequests = 0;
  /** When set, every issued session lasts this many seconds, whatever was asked. */
  sessionLifetimeSeconds?: number;
  /** How far the fake's clock is from the real one (setClockOffset). */
  clockOffsetMs = 0;
  /** When set, STS requests must be signed for this region. */
  stsRegion?: string;

  constructor(readonly accountId: string) {}

  addUser(userName: string, deniedActions: string[] = []): FakeUser {
    const user: FakeUser = {
      userName,
      userId: randomId("AIDA", 21),
      arn: `arn:aws:iam::${this.accountId}:user/${userName}`,
      deniedActions,
    };
    this.users.set(userName, user);
    return user;
  }

  addAccessKey(userName: string, notValidForRequests = 0): FakeAccessKey {
    if (!this.users.has(userName)) throw new Error(`fake AWS: no user ${userName}`);
    const key: FakeAccessKey = {
      accessKeyId: randomId("AKIA"),
      secretAccessKey: randomSecret(),
      userName,
      status: "Active",
      createDate: new Date(),
      notValidForRequests,
    };
    this.accessKeys.set(key.accessKeyId, key);
    return key;
  }

  keysOf(userName: string): FakeAccessKey[] {
    return [...this.accessKeys.values()].filter((k) => k.userName === userName);
  }

  addMfaDevice(
    userName: string,
    codes: string[],
    serialNumber?: string,
    rejectReuse = false,
  ): FakeMfaDevice {
    const device: FakeMfaDevice = {
      serialNumber: serialNumber ?? `arn:aws:iam::${this.accountId}:mfa/${userName}`,
      userName,
      codes,
      rejectReuse,
      usedCodes: [],
    };
    this.mfaDevices.set(device.serialNumber, device);
    return device;
  }

  /** Checks (and consumes, when reuse is refused) an MFA code. */
  checkMfa(serialNumber: string, code: string): boolean {
    const device = this.mfaDevices.get(serialNumber);
    if (!device || !device.codes.includes(code)) return false;
    if (device.rejectReuse && device.usedCodes.includes(code)) return false;
    device.usedCodes.push(code);
    return true;
  }

  addRole(
    roleName: string,
    options: Partial<Omit<FakeRole, "roleName" | "roleId" | "arn">> = {},
  ): FakeRole {
    const role: FakeRole = {
      roleName,
      roleId: randomId("AROA", 21),
      arn: `arn:aws:iam::${this.accountId}:role/${roleName}`,
      trust: options.trust ?? [`arn:aws:iam::${this.accountId}:root`],
      maxSessionDuration: options.maxSessionDuration ?? 3600,
      requireMfa: options.requireMfa ?? false,
      externalId: options.externalId,
      webIdentityToken: options.webIdentityToken,
    };
    this.roles.set(role.arn, role);
    return role;
  }

  /** Whether `principalArn` may assume `role` under the role's trust policy. */
  trusts(role: FakeRole, principalArn: string): boolean {
    return role.trust.some((t) =>
      t === "*" || t === principalArn || t === `arn:aws:iam::${this.accountId}:root`
    );
  }

  issueSession(
    fields: Omit<FakeSession, "accessKeyId" | "secretAccessKey" | "sessionToken" | "expiration">,
  ): FakeSession {
    const lifetime = this.sessionLifetimeSeconds ?? fields.durationSeconds;
    const session: FakeSession = {
      ...fields,
      accessKeyId: randomId("ASIA"),
      secretAccessKey: randomSecret(),
      // Real tokens are long base64 blobs; the prefix makes them recognisable in test failures.
      sessionToken: "FwoGZXIvYXdzE" + randomSecret(300),
      expiration: new Date(Math.floor(Date.now() / 1000) * 1000 + lifetime * 1000),
    };
    this.sessions.set(session.accessKeyId, session);
    return session;
  }

  /** Takes one injected failure for the action ("*" matches any), if any is pending. */
  takeFailure(action: string): InjectedFailure | undefined {
    return take(this.failures, action);
  }

  takeDelay(action: string): InjectedDelay | undefined {
    return take(this.delays, action);
  }
}

function take<T extends { times: number }>(map: Map<string, T[]>, action: string): T | undefined {
  for (const key of [action, "*"]) {
    const queue = map.get(key);
    if (!queue?.length) continue;
    const item = queue[0];
    item.times -= 1;
    if (item.times <= 0) queue.shift();
    return item;
  }
  return undefined;
}
