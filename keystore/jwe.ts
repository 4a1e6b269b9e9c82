/**
 * The JWE compact tokens of the "file" keyring (RFC 7516), with password-based key wrapping
 * (PBES2, RFC 7518 §4.8), on WebCrypto only. We write exactly what aws-vault v7.2.0 writes
 * (PBES2-HS256+A128KW, A256GCM, p2c 8192, 12-byte p2s, a sorted header with `created`), and read
 * any PBES2 / AES-GCM / AES-CBC-HMAC token within sane limits.
 *
 * Why not the `jose` package: importing it costs ~6 ms of start-up on every credential_process
 * call, and these ~150 lines are all the file backend needs. The tests check both directions
 * against jose as an independent implementation.
 */
import { goJson } from "./go_json.ts";

/** Bytes backed by a plain ArrayBuffer, which is what WebCrypto accepts. */
type Bytes = Uint8Array<ArrayBuffer>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What aws-vault writes. */
export const WRITE_ALG = "PBES2-HS256+A128KW";
export const WRITE_ENC = "A256GCM";
export const WRITE_P2C = 8192;
export const WRITE_P2S_BYTES = 12;

/** jose2go's upper bound for PBES2 iterations: more would let a planted file burn CPU for minutes. */
export const MAX_P2C = 1_300_000;

/** The unchanged text of jose2go's error when the passphrase is wrong (or the key was altered). */
export const KEY_UNWRAP_FAILED = "aes.KeyUnwrap(): integrity check failed.";

const PBES2: Record<string, { hash: string; kekBits: number }> = {
  "PBES2-HS256+A128KW": { hash: "SHA-256", kekBits: 128 },
  "PBES2-HS384+A192KW": { hash: "SHA-384", kekBits: 192 },
  "PBES2-HS512+A256KW": { hash: "SHA-512", kekBits: 256 },
};

interface ContentAlg {
  mode: "GCM" | "CBC-HS";
  /** Length of the content encryption key (for CBC-HS: MAC key + AES key). */
  cekBytes: number;
  ivBytes: number;
  tagBytes: number;
  hash?: string;
}

const CONTENT: Record<string, ContentAlg> = {
  A128GCM: { mode: "GCM", cekBytes: 16, ivBytes: 12, tagBytes: 16 },
  A192GCM: { mode: "GCM", cekBytes: 24, ivBytes: 12, tagBytes: 16 },
  A256GCM: { mode: "GCM", cekBytes: 32, ivBytes: 12, tagBytes: 16 },
  "A128CBC-HS256": { mode: "CBC-HS", cekBytes: 32, ivBytes: 16, tagBytes: 16, hash: "SHA-256" },
  "A192CBC-HS384": { mode: "CBC-HS", cekBytes: 48, ivBytes: 16, tagBytes: 24, hash: "SHA-384" },
  "A256CBC-HS512": { mode: "CBC-HS", cekBytes: 64, ivBytes: 16, tagBytes: 32, hash: "SHA-512" },
};

/** A token that is not a JWE we can read (bad shape, unsupported algorithm, failed tag check). */
export class JweFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JweFormatError";
  }
}

/** The passphrase does not unwrap the content key: almost always a wrong passphrase. */
export class JweKeyUnwrapError extends Error {
  constructor(message = KEY_UNWRAP_FAILED) {
    super(message);
    this.name = "JweKeyUnwrapError";
  }
}

export interface EncryptOptions {
  /** The header's `created` text; Go's `time.Now().String()` style by default. */
  created?: string;
}

/** Encrypts as aws-vault does: PBES2-HS256+A128KW, A256GCM, p2c 8192, 12 random salt bytes. */
export async function encryptJwe(
  plaintext: Bytes,
  passphrase: string,
  options: EncryptOptions = {},
): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(WRITE_P2S_BYTES));
  // A map in Go's encoding/json has sorted keys; these literal keys are already in that order.
  const header = goJson({
    alg: WRITE_ALG,
    created: options.created ?? goTimeNowString(),
    enc: WRITE_ENC,
    p2c: WRITE_P2C,
    p2s: base64UrlEncodeBytes(salt),
  });
  const protectedB64 = base64UrlEncodeBytes(encoder.encode(header));
  const kek = await deriveKek(passphrase, WRITE_ALG, salt, WRITE_P2C);
  const cekBytes = crypto.getRandomValues(new Uint8Array(CONTENT[WRITE_ENC].cekBytes));
  const cek = await crypto.subtle.importKey("raw", cekBytes, "AES-GCM", true, ["encrypt"]);
  const wrapped = new Uint8Array(await crypto.subtle.wrapKey("raw", cek, kek, "AES-KW"));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: encoder.encode(protectedB64), tagLength: 128 },
      cek,
      plaintext,
    ),
  );
  const ciphertext = sealed.subarray(0, sealed.length - 16);
  const tag = sealed.subarray(sealed.length - 16);
  return [protectedB64, wrapped, iv, ciphertext, tag]
    .map((p) => typeof p === "string" ? p : base64UrlEncodeBytes(p))
    .join(".");
}

/** The protected header of a token, parsed; throws JweFormatError when it is not a JWE. */
export function parseJweHeader(token: string): Record<string, unknown> {
  const parts = splitToken(token);
  return parseHeader(parts[0]);
}

/**
 * Decrypts a PBES2 JWE. Throws JweKeyUnwrapError for a wrong passphrase and JweFormatError for
 * anything malformed or unsupported.
 */
export async function decryptJwe(token: string, passphrase: string): Promise<Bytes> {
  const [protectedB64, wrappedB64, ivB64, ciphertextB64, tagB64] = splitToken(token);
  const header = parseHeader(protectedB64);
  if (header.zip !== undefined) throw new JweFormatError(`unsupported JWE "zip": ${header.zip}`);
  if (header.crit !== undefined) throw new JweFormatError('unsupported JWE "crit" header');
  const alg = String(header.alg);
  const enc = String(header.enc);
  if (!(alg in PBES2)) {
    throw new JweFormatError(`unsupported JWE "alg": ${JSON.stringify(header.alg)}`);
  }
  const content = CONTENT[enc];
  if (!content) throw new JweFormatError(`unsupported JWE "enc": ${JSON.stringify(header.enc)}`);
  const p2c = header.p2c;
  if (typeof p2c !== "number" || !Number.isInteger(p2c) || p2c < 1 || p2c > MAX_P2C) {
    throw new JweFormatError(`JWE "p2c" must be an integer from 1 to ${MAX_P2C}, got ${p2c}`);
  }
  if (typeof header.p2s !== "string") throw new JweFormatError('JWE "p2s" is missing');
  const salt = decodePart(header.p2s, "p2s");
  const wrapped = decodePart(wrappedB64, "encrypted key");
  const iv = decodePart(ivB64, "IV");
  const ciphertext = decodePart(ciphertextB64, "ciphertext");
  const tag = decodePart(tagB64, "tag");
  if (wrapped.length !== content.cekBytes + 8) {
    throw new JweFormatError(
      `JWE encrypted key has ${wrapped.length} bytes, want ${content.cekBytes + 8}`,
    );
  }
  if (iv.length !== content.ivBytes) {
    throw new JweFormatError(`JWE IV has ${iv.length} bytes, want ${content.ivBytes}`);
  }
  if (tag.length !== content.tagBytes) {
    throw new JweFormatError(`JWE tag has ${tag.length} bytes, want ${content.tagBytes}`);
  }

  const kek = await deriveKek(passphrase, alg, salt, p2c);
  const aad = encoder.encode(protectedB64);
  if (content.mode === "GCM") {
    // Unwrapped straight into a GCM key: the fewest WebCrypto calls on the start-up path.
    const cek = await unwrapCek(wrapped, kek, { name: "AES-GCM" }, false, ["decrypt"]);
    return await decryptGcm(cek, iv, ciphertext, tag, aad);
  }
  // CBC-HS keys are split into MAC and AES halves: unwrapped as an extractable HMAC key only to
  // get the raw bytes back out.
  const hmacAlg = { name: "HMAC", hash: "SHA-256", length: content.cekBytes * 8 };
  const cek = await unwrapCek(wrapped, kek, hmacAlg, true, ["sign"]);
  const cekBytes = new Uint8Array(await crypto.subtle.exportKey("raw", cek));
  return await decryptCbcHmac(content, cekBytes, iv, ciphertext, tag, aad);
}

/** AES key unwrap; any failure is the integrity check (the wrapped length was checked already). */
async function unwrapCek(
  wrapped: Bytes,
  kek: CryptoKey,
  algorithm: AlgorithmIdentifier | HmacImportParams,
  extractable: boolean,
  usages: KeyUsage[],
): Promise<CryptoKey> {
  try {
    return await crypto.subtle.unwrapKey(
      "raw",
      wrapped,
      kek,
      "AES-KW",
      algorithm,
      extractable,
      usages,
    );
  } catch {
    throw new JweKeyUnwrapError();
  }
}

async function deriveKek(
  passphrase: string,
  alg: string,
  p2s: Bytes,
  iterations: number,
): Promise<CryptoKey> {
  const { hash, kekBits } = PBES2[alg];
  const algBytes = encoder.encode(alg);
  // RFC 7518 §4.8.1.1: the salt is the algorithm name, a zero byte, then p2s.
  const salt = new Uint8Array(algBytes.length + 1 + p2s.length);
  salt.set(algBytes);
  salt.set(p2s, algBytes.length + 1);
  const base = await crypto.subtle.importKey(
    "raw",
    encoder.encode(passphrase),
    "PBKDF2",
    false,
    ["deriveKey"],
  );
  return await crypto.subtle.deriveKey(
    { name: "PBKDF2", hash, salt, iterations },
    base,
    { name: "AES-KW", length: kekBits },
    false,
    ["wrapKey", "unwrapKey"],
  );
}

async function decryptGcm(
  key: CryptoKey,
  iv: Bytes,
  ciphertext: Bytes,
  tag: Bytes,
  aad: Bytes,
): Promise<Bytes> {
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt(
        { name: "AES-GCM", iv, additionalData: aad, tagLength: 128 },
        key,
        concat(ciphertext, tag),
      ),
    );
  } catch {
    throw new JweFormatError("JWE authentication tag check failed (the file was altered)");
  }
}

/** RFC 7518 §5.2: AES-CBC with an HMAC over AAD, IV, ciphertext and the AAD bit length. */
async function decryptCbcHmac(
  content: ContentAlg,
  cek: Bytes,
  iv: Bytes,
  ciphertext: Bytes,
  tag: Bytes,
  aad: Bytes,
): Promise<Bytes> {
  const half = cek.length / 2;
  const macKey = await crypto.subtle.importKey(
    "raw",
    cek.subarray(0, half),
    { name: "HMAC", hash: content.hash! },
    false,
    ["sign"],
  );
  const aadBits = new Uint8Array(8);
  new DataView(aadBits.buffer).setBigUint64(0, BigInt(aad.length) * 8n);
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", macKey, concat(aad, iv, ciphertext, aadBits)),
  );
  if (!constantTimeEqual(mac.subarray(0, content.tagBytes), tag)) {
    throw new JweFormatError("JWE authentication tag check failed (the file was altered)");
  }
  const encKey = await crypto.subtle.importKey("raw", cek.subarray(half), "AES-CBC", false, [
    "decrypt",
  ]);
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-CBC", iv }, encKey, ciphertext));
  } catch {
    throw new JweFormatError("JWE content has bad padding");
  }
}

function splitToken(token: string): string[] {
  const parts = token.trim().split(".");
  if (parts.length !== 5) {
    throw new JweFormatError(`not a JWE compact token (${parts.length} parts, want 5)`);
  }
  return parts;
}

function parseHeader(protectedB64: string): Record<string, unknown> {
  let header: unknown;
  try {
    header = JSON.parse(decoder.decode(decodePart(protectedB64, "header")));
  } catch (err) {
    if (err instanceof JweFormatError) throw err;
    throw new JweFormatError("JWE header is not JSON");
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    throw new JweFormatError("JWE header is not a JSON object");
  }
  return header as Record<string, unknown>;
}

function decodePart(text: string, what: string): Bytes {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new JweFormatError(`JWE ${what} is not base64url`);
  }
  return base64UrlDecodeBytes(text);
}

/**
 * Unpadded base64url (RFC 4648 §5). The native Uint8Array codec, not btoa/atob: their first call
 * loads a module and costs ~1 ms of start-up.
 */
export function base64UrlEncodeBytes(bytes: Uint8Array): string {
  return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
}

export function base64UrlDecodeBytes(text: string): Bytes {
  return Uint8Array.fromBase64(text, { alphabet: "base64url" });
}

function concat(...parts: Uint8Array[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/**
 * Text like Go's `time.Now().String()`: `2023-05-25 10:11:12.123 +1000 +10 m=+0.012345678`.
 * Informational only (nobody reads it back). The zone name is "UTC" at offset zero and Go's
 * numeric form otherwise, which avoids loading time-zone data at start-up.
 */
export function goTimeNowString(now = new Date(), monotonicMs = performance.now()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const offsetMin = -now.getTimezoneOffset();
  const sign = offsetMin < 0 ? "-" : "+";
  const abs = Math.abs(offsetMin);
  const hhmm = `${sign}${p(Math.floor(abs / 60))}${p(abs % 60)}`;
  const zone = offsetMin === 0 ? "UTC" : abs % 60 === 0 ? `${sign}${p(abs / 60)}` : hhmm;
  const frac = p(now.getMilliseconds(), 3).replace(/0+$/, "");
  const mono = (monotonicMs / 1000).toFixed(9);
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())} ` +
    `${p(now.getHours())}:${p(now.getMinutes())}:${p(now.getSeconds())}` +
    `${frac ? "." + frac : ""} ${hhmm} ${zone} m=+${mono}`;
}
