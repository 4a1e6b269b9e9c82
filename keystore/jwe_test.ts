/**
 * Our JWE code against two independent implementations: the `jose` npm package (both directions)
 * and Python's `cryptography` package following RFC 7518 step by step (as aws-vault's jose2go does).
 */
import { compactDecrypt, CompactEncrypt } from "jose";
import { assert, assertEquals, assertMatch, assertRejects } from "../tests/assert.ts";
import {
  base64UrlDecodeBytes,
  base64UrlEncodeBytes,
  decryptJwe,
  encryptJwe,
  goTimeNowString,
  JweFormatError,
  JweKeyUnwrapError,
  MAX_P2C,
  parseJweHeader,
} from "./jwe.ts";
import { linuxTest } from "../tests/platform.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const PASSPHRASE = "correct horse battery staple";

/** jose refuses PBES2 unless asked; its default iteration cap (10000) is above 8192. */
async function joseDecrypt(token: string, passphrase: string): Promise<string> {
  const { plaintext } = await compactDecrypt(token, enc.encode(passphrase), {
    keyManagementAlgorithms: ["PBES2-HS256+A128KW", "PBES2-HS512+A256KW", "PBES2-HS384+A192KW"],
  });
  return dec.decode(plaintext);
}

async function joseEncrypt(
  plaintext: string,
  passphrase: string,
  alg = "PBES2-HS256+A128KW",
  encAlg = "A256GCM",
): Promise<string> {
  return await new CompactEncrypt(enc.encode(plaintext))
    .setProtectedHeader({ alg, enc: encAlg })
    .setKeyManagementParameters({ p2c: 8192, p2s: crypto.getRandomValues(new Uint8Array(12)) })
    .encrypt(enc.encode(passphrase));
}

/** Decrypts a token in Python, re-deriving every step of RFC 7518 §4.8 and §5.3 by hand. */
async function pythonDecrypt(token: string, passphrase: string): Promise<string> {
  const script = `
import base64, json, sys
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
def b64(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
token, passphrase = sys.stdin.read().split("\\n", 1)
h, k, iv, ct, tag = token.split(".")
header = json.loads(b64(h))
assert header["alg"] == "PBES2-HS256+A128KW" and header["enc"] == "A256GCM"
salt = b"PBES2-HS256+A128KW" + b"\\0" + b64(header["p2s"])
kek = PBKDF2HMAC(hashes.SHA256(), 16, salt, header["p2c"]).derive(passphrase.encode())
cek = aes_key_unwrap(kek, b64(k))
sys.stdout.write(AESGCM(cek).decrypt(b64(iv), b64(ct) + b64(tag), h.encode("ascii")).decode())
`;
  const child = new Deno.Command("python3", {
    args: ["-c", script],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(enc.encode(`${token}\n${passphrase}`));
  await w.close();
  const out = await child.output();
  assertEquals(out.code, 0, dec.decode(out.stderr));
  return dec.decode(out.stdout);
}

Deno.test("encryptJwe writes aws-vault's header: sorted keys, p2c 8192, 12-byte p2s", async () => {
  const token = await encryptJwe(enc.encode("{}"), PASSPHRASE);
  const parts = token.split(".");
  assertEquals(parts.length, 5);
  for (const p of parts) assertMatch(p, /^[A-Za-z0-9_-]+$/);
  const headerText = dec.decode(base64UrlDecodeBytes(parts[0]));
  assertMatch(
    headerText,
    /^\{"alg":"PBES2-HS256\+A128KW","created":"[^"]+","enc":"A256GCM","p2c":8192,"p2s":"[A-Za-z0-9_-]{16}"\}$/,
  );
  const header = parseJweHeader(token);
  assertEquals(base64UrlDecodeBytes(header.p2s as string).length, 12);
  assertEquals(base64UrlDecodeBytes(parts[1]).length, 40, "AES-KW of a 32-byte key");
  assertEquals(base64UrlDecodeBytes(parts[2]).length, 12, "GCM IV");
  assertEquals(base64UrlDecodeBytes(parts[3]).length, 2, "ciphertext as long as the plaintext");
  assertEquals(base64UrlDecodeBytes(parts[4]).length, 16, "GCM tag");
  assert(!token.endsWith("\n"));
});

Deno.test("two encryptions of the same data differ (fresh salt, key and IV)", async () => {
  const a = (await encryptJwe(enc.encode("same"), PASSPHRASE)).split(".");
  const b = (await encryptJwe(enc.encode("same"), PASSPHRASE)).split(".");
  for (const i of [1, 2, 3, 4]) assert(a[i] !== b[i], `part ${i} repeated`);
  assert(parseJweHeader(a.join(".")).p2s !== parseJweHeader(b.join(".")).p2s);
});

linuxTest(
  "python3 with cryptography",
  "our tokens decrypt with ours, with jose and with Python's cryptography",
  async () => {
    const plaintext = '{"Key":"alice","Data":"e30=","Label":"aws-vault (alice)"} ünïcødé \u2028';
    const token = await encryptJwe(enc.encode(plaintext), PASSPHRASE);
    assertEquals(dec.decode(await decryptJwe(token, PASSPHRASE)), plaintext);
    assertEquals(await joseDecrypt(token, PASSPHRASE), plaintext);
    assertEquals(await pythonDecrypt(token, PASSPHRASE), plaintext);
  },
);

linuxTest(
  "python3 with cryptography",
  "an empty passphrase is a valid passphrase in every implementation",
  async () => {
    const token = await encryptJwe(enc.encode("secret"), "");
    assertEquals(dec.decode(await decryptJwe(token, "")), "secret");
    assertEquals(await joseDecrypt(token, ""), "secret");
    assertEquals(await pythonDecrypt(token, ""), "secret");
    await assertRejects(() => decryptJwe(token, " "), JweKeyUnwrapError);
    const fromJose = await joseEncrypt("from jose", "");
    assertEquals(dec.decode(await decryptJwe(fromJose, "")), "from jose");
  },
);

Deno.test("tokens written by jose decrypt with ours, for every PBES2 and content algorithm", async () => {
  const cases: [string, string][] = [
    ["PBES2-HS256+A128KW", "A256GCM"],
    ["PBES2-HS256+A128KW", "A128GCM"],
    ["PBES2-HS384+A192KW", "A192GCM"],
    ["PBES2-HS512+A256KW", "A256GCM"],
    ["PBES2-HS256+A128KW", "A128CBC-HS256"],
    ["PBES2-HS384+A192KW", "A192CBC-HS384"],
    ["PBES2-HS512+A256KW", "A256CBC-HS512"],
  ];
  for (const [alg, encAlg] of cases) {
    const token = await joseEncrypt(`payload ${alg} ${encAlg}`, PASSPHRASE, alg, encAlg);
    assertEquals(dec.decode(await decryptJwe(token, PASSPHRASE)), `payload ${alg} ${encAlg}`);
    await assertRejects(() => decryptJwe(token, "wrong"), JweKeyUnwrapError);
  }
});

Deno.test("a wrong passphrase gives jose2go's exact error", async () => {
  const token = await encryptJwe(enc.encode("x"), PASSPHRASE);
  await assertRejects(
    () => decryptJwe(token, PASSPHRASE + "!"),
    JweKeyUnwrapError,
    "aes.KeyUnwrap(): integrity check failed.",
  );
});

Deno.test("altered tokens are rejected, never decrypted to garbage", async () => {
  const token = await encryptJwe(enc.encode("important"), PASSPHRASE);
  const parts = token.split(".");
  const flip = (s: string) => {
    const b = base64UrlDecodeBytes(s);
    b[0] ^= 1;
    return base64UrlEncodeBytes(b);
  };
  // The header is authenticated as AAD, so even a change in `created` is caught.
  const header = JSON.parse(dec.decode(base64UrlDecodeBytes(parts[0])));
  header.created = "tampered";
  const newHeader = base64UrlEncodeBytes(enc.encode(JSON.stringify(header)));
  for (
    const bad of [
      [newHeader, ...parts.slice(1)],
      [parts[0], parts[1], parts[2], flip(parts[3]), parts[4]],
      [parts[0], parts[1], parts[2], parts[3], flip(parts[4])],
      [parts[0], parts[1], flip(parts[2]), parts[3], parts[4]],
    ]
  ) {
    await assertRejects(() => decryptJwe(bad.join("."), PASSPHRASE), JweFormatError, "tag check");
  }
  await assertRejects(
    () => decryptJwe([parts[0], flip(parts[1]), ...parts.slice(2)].join("."), PASSPHRASE),
    JweKeyUnwrapError,
  );
});

Deno.test("malformed and unsupported tokens give clear errors", async () => {
  const token = await encryptJwe(enc.encode("x"), PASSPHRASE);
  const parts = token.split(".");
  const withHeader = (h: Record<string, unknown>) =>
    [base64UrlEncodeBytes(enc.encode(JSON.stringify(h))), ...parts.slice(1)].join(".");
  const header = parseJweHeader(token);
  const cases: [string, string][] = [
    ["", "not a JWE compact token (1 parts, want 5)"],
    ["a.b.c", "(3 parts, want 5)"],
    ["!!.b.c.d.e", "JWE header is not base64url"],
    [["bm90IGpzb24", ...parts.slice(1)].join("."), "JWE header is not JSON"],
    [withHeader({ ...header, alg: "dir" }), 'unsupported JWE "alg": "dir"'],
    [withHeader({ ...header, enc: "A512GCM" }), 'unsupported JWE "enc": "A512GCM"'],
    [withHeader({ ...header, zip: "DEF" }), 'unsupported JWE "zip"'],
    [withHeader({ ...header, p2c: "8192" }), 'JWE "p2c" must be an integer'],
    [withHeader({ ...header, p2c: 0 }), 'JWE "p2c" must be an integer'],
    [withHeader({ ...header, p2s: undefined }), 'JWE "p2s" is missing'],
    [[parts[0], parts[1].slice(4), ...parts.slice(2)].join("."), "encrypted key has 37 bytes"],
  ];
  for (const [bad, message] of cases) {
    await assertRejects(() => decryptJwe(bad, PASSPHRASE), JweFormatError, message);
  }
});

Deno.test("p2c above jose2go's cap is refused before any key derivation", async () => {
  const token = await encryptJwe(enc.encode("x"), PASSPHRASE);
  const parts = token.split(".");
  const header = { ...parseJweHeader(token), p2c: MAX_P2C + 1 };
  const bad = [base64UrlEncodeBytes(enc.encode(JSON.stringify(header))), ...parts.slice(1)];
  const started = performance.now();
  await assertRejects(() => decryptJwe(bad.join("."), PASSPHRASE), JweFormatError, "1300000");
  assert(performance.now() - started < 200, "refused without deriving");
});

Deno.test("p2c values other than 8192 are honoured when reading", async () => {
  for (const p2c of [1, 1000, 100_000]) {
    const token = await new CompactEncrypt(enc.encode("iterations"))
      .setProtectedHeader({ alg: "PBES2-HS256+A128KW", enc: "A256GCM" })
      .setKeyManagementParameters({ p2c, p2s: new Uint8Array(12) })
      .encrypt(enc.encode(PASSPHRASE));
    assertEquals(dec.decode(await decryptJwe(token, PASSPHRASE)), "iterations");
  }
});

Deno.test("goTimeNowString looks like Go's time.Now().String()", () => {
  const text = goTimeNowString(new Date(2026, 0, 2, 3, 4, 5, 670), 12.3456789);
  assertMatch(
    text,
    /^2026-01-02 03:04:05\.67 [+-]\d{4} (UTC|[+-]\d{2}|[+-]\d{4}) m=\+0\.012345679$/,
  );
  assertMatch(goTimeNowString(new Date(2026, 0, 2, 3, 4, 5, 0), 0), /^2026-01-02 03:04:05 [+-]/);
});
