/**
 * The STS actions of the fake AWS, with the rules aws-vault's engine depends on: long-term keys
 * for GetSessionToken, the 1-hour role-chaining limit, DurationSeconds bounds, MFA checks, trust
 * policies, tags and source identity carried through chains.
 */
import { AwsFault, type Caller, checkAllowed, notAuthorized } from "./caller.ts";
import type { FakeAwsState, FakeSession } from "./state.ts";
import { credentialsFields, type XmlFields } from "./xml_responses.ts";

export interface ActionContext {
  state: FakeAwsState;
  caller?: Caller;
  params: Record<string, string>;
}

const INVALID_MFA = "MultiFactorAuthentication failed with invalid MFA one time pass code.";
const NAME_PATTERN = /^[\w+=,.@-]+$/;

export const STS_ACTIONS: Record<string, (ctx: ActionContext) => XmlFields> = {
  GetCallerIdentity({ caller, state }) {
    const c = requireCaller(caller);
    return { Arn: c.arn, UserId: c.userId, Account: state.accountId };
  },

  GetSessionToken({ caller, params, state }) {
    const c = requireCaller(caller);
    if (!c.longTermKey) {
      throw new AwsFault(
        403,
        "AccessDenied",
        "Cannot call GetSessionToken with session credentials",
      );
    }
    checkAllowed(c, "sts:GetSessionToken", c.arn);
    const duration = durationParam(params, 43200, 900, 129600);
    const mfa = checkMfaParams(state, params);
    const session = state.issueSession({
      kind: "session-token",
      arn: c.arn,
      userId: c.userId,
      userName: c.user!.userName,
      chain: [c.arn],
      mfaAuthenticated: mfa,
      durationSeconds: duration,
      tags: {},
      transitiveTagKeys: [],
      issuedBy: c.accessKeyId,
    });
    return { Credentials: credentialsFields(session) };
  },

  AssumeRole({ caller, params, state }) {
    const c = requireCaller(caller);
    const roleArn = required(params, "RoleArn", "roleArn");
    const sessionName = sessionNameParam(params);
    const role = state.roles.get(roleArn);
    checkAllowed(c, "sts:AssumeRole", roleArn);
    if (!role || !state.trusts(role, c.principalArn)) {
      throw notAuthorized(c, "sts:AssumeRole", roleArn);
    }
    if (role.externalId !== undefined && params.ExternalId !== role.externalId) {
      throw notAuthorized(c, "sts:AssumeRole", roleArn);
    }
    const mfaNow = checkMfaParams(state, params);
    const mfa = mfaNow || c.mfaAuthenticated;
    if (role.requireMfa && !mfa) throw notAuthorized(c, "sts:AssumeRole", roleArn);

    const duration = durationParam(params, 3600, 900, 43200);
    if (c.session && duration > 3600) {
      throw new AwsFault(
        400,
        "ValidationError",
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
      );
    }
    if (duration > role.maxSessionDuration) {
      throw new AwsFault(
        400,
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
      );
    }
    const { tags, transitiveTagKeys } = sessionTags(params, c.session);
    const sourceIdentity = params.SourceIdentity ?? c.session?.sourceIdentity;
    if (
      c.session?.sourceIdentity && params.SourceIdentity &&
      params.SourceIdentity !== c.session.sourceIdentity
    ) {
      throw new AwsFault(
        400,
        "ValidationError",
        "Source identity cannot be changed once set in a role chain.",
      );
    }
    const arn = `arn:aws:sts::${state.accountId}:assumed-role/${role.roleName}/${sessionName}`;
    const session = state.issueSession({
      kind: "assumed-role",
      arn,
      userId: `${role.roleId}:${sessionName}`,
      userName: c.user?.userName ?? "",
      roleArn,
      roleSessionName: sessionName,
      chain: [...(c.session?.chain ?? [c.arn]), roleArn],
      mfaAuthenticated: mfa,
      durationSeconds: duration,
      tags,
      transitiveTagKeys,
      sourceIdentity,
      issuedBy: c.accessKeyId,
    });
    return {
      Credentials: credentialsFields(session),
      AssumedRoleUser: { AssumedRoleId: session.userId, Arn: arn },
      PackedPolicySize: Object.keys(tags).length ? 6 : undefined,
      SourceIdentity: sourceIdentity,
    };
  },

  AssumeRoleWithWebIdentity({ params, state, caller }) {
    const roleArn = required(params, "RoleArn", "roleArn");
    const sessionName = sessionNameParam(params);
    const token = required(params, "WebIdentityToken", "webIdentityToken");
    const role = state.roles.get(roleArn);
    if (!role || role.webIdentityToken === undefined) {
      throw notAuthorized(undefined, "sts:AssumeRoleWithWebIdentity", roleArn);
    }
    if (token !== role.webIdentityToken) {
      throw new AwsFault(
        400,
        "InvalidIdentityToken",
        "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.",
      );
    }
    const duration = durationParam(params, 3600, 900, 43200);
    if (duration > role.maxSessionDuration) {
      throw new AwsFault(
        400,
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
      );
    }
    const arn = `arn:aws:sts::${state.accountId}:assumed-role/${role.roleName}/${sessionName}`;
    const session = state.issueSession({
      kind: "web-identity",
      arn,
      userId: `${role.roleId}:${sessionName}`,
      userName: "",
      roleArn,
      roleSessionName: sessionName,
      chain: [roleArn],
      mfaAuthenticated: false,
      durationSeconds: duration,
      tags: {},
      transitiveTagKeys: [],
      issuedBy: caller?.accessKeyId ?? "",
    });
    return {
      Credentials: credentialsFields(session),
      SubjectFromWebIdentityToken: "fake-web-identity-subject",
      AssumedRoleUser: { AssumedRoleId: session.userId, Arn: arn },
      Provider: "fake-oidc.example.com",
      Audience: "sts.amazonaws.com",
    };
  },

  GetFederationToken({ caller, params, state }) {
    const c = requireCaller(caller);
    if (!c.longTermKey) {
      throw new AwsFault(
        403,
        "AccessDenied",
        "Cannot call GetFederationToken with session credentials",
      );
    }
    const name = required(params, "Name", "name");
    if (name.length < 2 || name.length > 32 || !NAME_PATTERN.test(name)) {
      throw new AwsFault(
        400,
        "ValidationError",
        `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: ` +
          "Member must have length less than or equal to 32",
      );
    }
    checkAllowed(
      c,
      "sts:GetFederationToken",
      `arn:aws:sts::${state.accountId}:federated-user/${name}`,
    );
    const duration = durationParam(params, 43200, 900, 129600);
    const arn = `arn:aws:sts::${state.accountId}:federated-user/${name}`;
    const session = state.issueSession({
      kind: "federated-user",
      arn,
      userId: `${state.accountId}:${name}`,
      userName: c.user!.userName,
      chain: [c.arn, arn],
      mfaAuthenticated: false,
      durationSeconds: duration,
      tags: {},
      transitiveTagKeys: [],
      issuedBy: c.accessKeyId,
    });
    return {
      Credentials: credentialsFields(session),
      FederatedUser: { FederatedUserId: session.userId, Arn: arn },
      PackedPolicySize: params.Policy ? 6 : undefined,
    };
  },
};

export function requireCaller(caller: Caller | undefined): Caller {
  if (!caller) {
    throw new AwsFault(
      403,
      "MissingAuthenticationToken",
      "Request is missing Authentication Token",
    );
  }
  return caller;
}

export function required(params: Record<string, string>, name: string, member: string): string {
  const value = params[name];
  if (value === undefined || value === "") {
    throw new AwsFault(
      400,
      "ValidationError",
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

function sessionNameParam(params: Record<string, string>): string {
  const name = required(params, "RoleSessionName", "roleSessionName");
  const problem = name.length < 2
    ? "Member must have length greater than or equal to 2"
    : name.length > 64
    ? "Member must have length less than or equal to 64"
    : NAME_PATTERN.test(name)
    ? ""
    : "Member must satisfy regular expression pattern: [\\w+=,.@-]*";
  if (problem) {
    throw new AwsFault(
      400,
      "ValidationError",
      `1 validation error detected: Value '${name}' at 'roleSessionName' failed to satisfy constraint: ${problem}`,
    );
  }
  return name;
}

function durationParam(
  params: Record<string, string>,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = params.DurationSeconds;
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) {
    throw new AwsFault(
      400,
      "ValidationError",
      `Value '${raw}' for DurationSeconds is not a valid integer`,
    );
  }
  if (value < min || value > max) {
    const bound = value < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`;
    throw new AwsFault(
      400,
      "ValidationError",
      `1 validation error detected: Value '${value}' at 'durationSeconds' failed to satisfy constraint: ` +
        `Member must have value ${bound}`,
    );
  }
  return value;
}

/** Validates SerialNumber + TokenCode when given; true when a valid code was presented. */
function checkMfaParams(state: FakeAwsState, params: Record<string, string>): boolean {
  const serial = params.SerialNumber;
  const code = params.TokenCode;
  if (serial === undefined && code === undefined) return false;
  if (!serial || !code || !state.checkMfa(serial, code)) {
    throw new AwsFault(403, "AccessDenied", INVALID_MFA);
  }
  return true;
}

/** Tags.member.N.Key/Value and TransitiveTagKeys.member.N, plus transitive tags inherited. */
function sessionTags(
  params: Record<string, string>,
  parent: FakeSession | undefined,
): { tags: Record<string, string>; transitiveTagKeys: string[] } {
  const tags: Record<string, string> = {};
  const transitiveTagKeys: string[] = [];
  for (const key of parent?.transitiveTagKeys ?? []) {
    tags[key] = parent!.tags[key];
    transitiveTagKeys.push(key);
  }
  for (let i = 1; params[`Tags.member.${i}.Key`] !== undefined; i++) {
    tags[params[`Tags.member.${i}.Key`]] = params[`Tags.member.${i}.Value`] ?? "";
  }
  for (let i = 1; params[`TransitiveTagKeys.member.${i}`] !== undefined; i++) {
    const key = params[`TransitiveTagKeys.member.${i}`];
    if (!(key in tags)) {
      throw new AwsFault(
        400,
        "InvalidParameterValue",
        `The specified transitive tag key must be included in the requested tags.`,
      );
    }
    if (!transitiveTagKeys.includes(key)) transitiveTagKeys.push(key);
  }
  return { tags, transitiveTagKeys };
}
