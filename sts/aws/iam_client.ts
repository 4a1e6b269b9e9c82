/**
 * The IAM calls aws-vault makes (login's user name lookup, rotate): GetUser, ListAccessKeys,
 * CreateAccessKey and DeleteAccessKey. IAM is a global service: requests go to the partition's
 * IAM endpoint and are signed for its home region (us-east-1, cn-north-1, us-gov-west-1).
 */
import type { Credentials } from "../../lib/credentials.ts";
import { queryAws, type QueryRequest } from "./query.ts";
import { resolveEndpoint } from "./endpoints.ts";
import type { AwsClientOptions } from "./sts_client.ts";
import { members, path, textAt, type XmlElement } from "./xml.ts";

export interface IamUser {
  userName: string;
  arn: string;
  userId: string;
}

export interface AccessKeyMetadata {
  userName: string;
  accessKeyId: string;
  /** "Active" or "Inactive". */
  status: string;
  createDate?: Date;
}

export class IamClient {
  constructor(readonly options: AwsClientOptions) {}

  /** The named user, or the caller when `userName` is omitted. */
  async getUser(userName?: string): Promise<IamUser> {
    const result = await this.#call("GetUser", { UserName: userName });
    return {
      userName: textAt(result, "User", "UserName"),
      arn: textAt(result, "User", "Arn"),
      userId: textAt(result, "User", "UserId"),
    };
  }

  async listAccessKeys(userName?: string): Promise<AccessKeyMetadata[]> {
    const result = await this.#call("ListAccessKeys", { UserName: userName });
    return members(path(result, "AccessKeyMetadata")).map((m) => {
      const created = textAt(m, "CreateDate");
      return {
        userName: textAt(m, "UserName"),
        accessKeyId: textAt(m, "AccessKeyId"),
        status: textAt(m, "Status"),
        createDate: created ? new Date(created) : undefined,
      };
    });
  }

  /** A new long-term key for the user (sessionToken "", no expiration). */
  async createAccessKey(userName?: string): Promise<Credentials> {
    const result = await this.#call("CreateAccessKey", { UserName: userName });
    const creds: Credentials = {
      accessKeyId: textAt(result, "AccessKey", "AccessKeyId"),
      secretAccessKey: textAt(result, "AccessKey", "SecretAccessKey"),
      sessionToken: "",
    };
    if (!creds.accessKeyId || !creds.secretAccessKey) {
      throw new Error("IAM CreateAccessKey answer has no key");
    }
    return creds;
  }

  async deleteAccessKey(accessKeyId: string, userName?: string): Promise<void> {
    await this.#call("DeleteAccessKey", { AccessKeyId: accessKeyId, UserName: userName });
  }

  #call(action: string, params: QueryRequest["params"]): Promise<XmlElement> {
    const o = this.options;
    if (!o.credentials) throw new Error(`IAM ${action}: no credentials to sign the request with`);
    return queryAws({
      service: "iam",
      action,
      params,
      endpoint: resolveEndpoint("iam", o.profile, { env: o.env, endpointUrl: o.endpointUrl }),
      credentials: o.credentials,
      timeoutMs: o.timeoutMs,
      retryDelayMs: o.retryDelayMs,
    });
  }
}
