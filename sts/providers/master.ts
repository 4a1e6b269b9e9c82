/** The long-term keys stored under a profile's name (aws-vault's MasterCredentialsProvider). */
import type { Credentials, CredentialsProvider } from "../../lib/credentials.ts";
import { decodeMasterCredentials } from "../../keystore/credential_items.ts";
import type { Keystore } from "../../keystore/keystore.ts";

export class MasterCredentialsProvider implements CredentialsProvider {
  /** Marks the source as long-term keys, which decides whether GetSessionToken may be used. */
  readonly isMaster = true;
  #cached?: Promise<Credentials>;

  constructor(readonly keystore: Keystore, readonly credentialsName: string) {}

  /** Reads the keystore once per provider (the file backend would otherwise decrypt again). */
  retrieve(): Promise<Credentials> {
    this.#cached ??= this.#read();
    this.#cached.catch(() => (this.#cached = undefined));
    return this.#cached;
  }

  async #read(): Promise<Credentials> {
    const item = await this.keystore.get(this.credentialsName);
    const creds = decodeMasterCredentials(item.data);
    if (creds.accessKeyId === "" || creds.secretAccessKey === "") {
      throw new Error(`Invalid data in keyring: no access key stored for ${this.credentialsName}`);
    }
    return creds;
  }
}

/** Whether `provider` hands out stored long-term keys unchanged. */
export function isMasterCredentialsProvider(provider: CredentialsProvider): boolean {
  return (provider as Partial<MasterCredentialsProvider>).isMaster === true;
}
