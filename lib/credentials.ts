/** AWS credentials as every layer passes them around. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Empty for long-term (master) keys. */
  sessionToken: string;
  /** Undefined when the credentials do not expire (master keys). */
  expiration?: Date;
  /** The AWS account id, when known (credential_process and the ECS server pass it on). */
  accountId?: string;
}

/** Something that can produce credentials, possibly by calling AWS. */
export interface CredentialsProvider {
  retrieve(): Promise<Credentials>;
}

/** UTC RFC 3339 without fractions (`2023-05-25T12:34:56Z`), as aws-vault prints expirations. */
export function iso8601(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
