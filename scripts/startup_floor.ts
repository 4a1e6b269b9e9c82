/**
 * The start-up floor of a cached `export --format=json` on the file backend, for
 * scripts/bench_startup.ts: the least such a call must do, in one module with no imports and no
 * checks. It finds the profile in the config, lists the store, reads the newest
 * `sts.GetSessionToken` item of the profile, decrypts it as the file format requires (PBKDF2, AES key
 * unwrap, AES-GCM: keystore/jwe.ts), and prints the credential_process JSON.
 *
 * It is not part of the program and handles nothing else (no MFA, roles, SSO, expiry or errors):
 * its time shows how much of the goal the runtime and the file format leave to our code.
 *
 *   deno run -A scripts/startup_floor.ts <profile>   # env as in bench_startup.ts
 */
const env = (name: string) => Deno.env.get(name) ?? "";
const profile = Deno.args[Deno.args.length - 1];
const config = Deno.readTextFileSync(env("AWS_CONFIG_FILE") || `${env("HOME")}/.aws/config`);
if (!config.includes(`[profile ${profile}]`)) throw new Error(`no profile ${profile}`);

const dir = env("AWS_VAULT_FILE_DIR") || `${env("HOME")}/.awsvault/keys`;
const encoder = new TextEncoder();
const b64url = (bytes: Uint8Array) => bytes.toBase64({ alphabet: "base64url", omitPadding: true });
const fromB64url = (text: string) => Uint8Array.fromBase64(text, { alphabet: "base64url" });
const prefix = `sts.GetSessionToken,${b64url(encoder.encode(profile))},`;
const name = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.startsWith(prefix))
  .sort().pop()!;
const [header64, wrapped64, iv64, ciphertext64, tag64] = Deno.readTextFileSync(`${dir}/${name}`)
  .split(".");
const header = JSON.parse(new TextDecoder().decode(fromB64url(header64)));

// RFC 7518 section 4.8.1.1: the PBKDF2 salt is the algorithm name, a zero byte, then p2s.
const alg = encoder.encode(header.alg);
const p2s = fromB64url(header.p2s);
const salt = new Uint8Array(alg.length + 1 + p2s.length);
salt.set(alg);
salt.set(p2s, alg.length + 1);
const passphrase = await crypto.subtle.importKey(
  "raw",
  encoder.encode(env("AWS_VAULT_FILE_PASSPHRASE")),
  "PBKDF2",
  false,
  ["deriveKey"],
);
const kek = await crypto.subtle.deriveKey(
  { name: "PBKDF2", hash: "SHA-256", salt, iterations: header.p2c },
  passphrase,
  { name: "AES-KW", length: 128 },
  false,
  ["unwrapKey"],
);
const cek = await crypto.subtle.unwrapKey(
  "raw",
  fromB64url(wrapped64),
  kek,
  "AES-KW",
  "AES-GCM",
  false,
  [
    "decrypt",
  ],
);
const ciphertext = fromB64url(ciphertext64);
const tag = fromB64url(tag64);
const sealed = new Uint8Array(ciphertext.length + tag.length);
sealed.set(ciphertext);
sealed.set(tag, ciphertext.length);
const plain = await crypto.subtle.decrypt(
  { name: "AES-GCM", iv: fromB64url(iv64), additionalData: encoder.encode(header64) },
  cek,
  sealed,
);

// The item's Data (standard base64) holds the session's JSON.
const item = JSON.parse(new TextDecoder().decode(plain));
const session = JSON.parse(new TextDecoder().decode(Uint8Array.fromBase64(item.Data)));
console.log(JSON.stringify(
  {
    Version: 1,
    AccessKeyId: session.AccessKeyID ?? session.AccessKeyId,
    SecretAccessKey: session.SecretAccessKey,
    SessionToken: session.SessionToken,
    Expiration: session.Expiration,
  },
  null,
  2,
));
