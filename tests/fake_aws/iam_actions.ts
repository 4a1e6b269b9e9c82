/**
 * The IAM actions of the fake AWS that aws-vault uses: GetUser (login, rotate), ListAccessKeys,
 * CreateAccessKey (at most 2 keys per user) and DeleteAccessKey (rotate).
 */
import { AwsFault, type Caller, checkAllowed } from "./caller.ts";
import type { FakeUser } from "./state.ts";
import { type ActionContext, requireCaller, required } from "./sts_actions.ts";
import { accessKeyFields, type XmlFields } from "./xml_responses.ts";

export const IAM_ACTIONS: Record<string, (ctx: ActionContext) => XmlFields | undefined> = {
  GetUser(ctx) {
    const user = targetUser(ctx, "iam:GetUser");
    return {
      User: {
        Path: "/",
        UserName: user.userName,
        UserId: user.userId,
        Arn: user.arn,
        CreateDate: new Date("2020-01-01T00:00:00Z"),
      },
    };
  },

  ListAccessKeys(ctx) {
    const user = targetUser(ctx, "iam:ListAccessKeys");
    return {
      AccessKeyMetadata: ctx.state.keysOf(user.userName).map((k) => accessKeyFields(k, false)),
      IsTruncated: false,
    };
  },

  CreateAccessKey(ctx) {
    const user = targetUser(ctx, "iam:CreateAccessKey");
    if (ctx.state.keysOf(user.userName).length >= 2) {
      throw new AwsFault(409, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2");
    }
    const key = ctx.state.addAccessKey(user.userName, ctx.state.newKeyDelayRequests);
    return { AccessKey: accessKeyFields(key, true) };
  },

  DeleteAccessKey(ctx) {
    const user = targetUser(ctx, "iam:DeleteAccessKey");
    const id = required(ctx.params, "AccessKeyId", "accessKeyId");
    const key = ctx.state.accessKeys.get(id);
    if (!key || key.userName !== user.userName) {
      throw new AwsFault(404, "NoSuchEntity", `The Access Key with id ${id} cannot be found.`);
    }
    ctx.state.accessKeys.delete(id);
    return undefined;
  },
};

/**
 * The user an IAM call acts on: `UserName`, or the calling user. Session-token credentials
 * without MFA cannot call IAM at all (AWS answers InvalidClientTokenId), and role credentials
 * must name the user.
 */
function targetUser(ctx: ActionContext, action: string): FakeUser {
  const caller = requireCaller(ctx.caller);
  if (caller.session?.kind === "session-token" && !caller.session.mfaAuthenticated) {
    throw new AwsFault(
      403,
      "InvalidClientTokenId",
      "The security token included in the request is invalid",
    );
  }
  const name = ctx.params.UserName ?? callingUserName(caller);
  const user = ctx.state.users.get(name);
  const resource = `arn:aws:iam::${ctx.state.accountId}:user/${name}`;
  checkAllowed(caller, action, resource);
  if (!user) throw new AwsFault(404, "NoSuchEntity", `The user with name ${name} cannot be found.`);
  return user;
}

function callingUserName(caller: Caller): string {
  const isUser = caller.longTermKey || caller.session?.kind === "session-token";
  if (!isUser || !caller.user) {
    throw new AwsFault(
      400,
      "ValidationError",
      "Must specify userName when calling with non-User credentials",
    );
  }
  return caller.user.userName;
}
