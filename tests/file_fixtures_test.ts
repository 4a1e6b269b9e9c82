/**
 * The file backend against files written by the real aws-vault v7.2.0: we read every fixture with
 * its exact credentials and labels, re-encode its item JSON byte for byte, and write files of the
 * same shape (see tests/fixtures/aws-vault-7.2.0-file-store/README.md).
 */
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { runCli, tempHome } from "./run_cli.ts";
import { FIXTURE_STORE, fixtureHome } from "./fixture_home.ts";
import { openTestFileStore } from "./file_store.ts";
import { decryptJwe, parseJweHeader } from "../keystore/jwe.ts";
import { decodeItemJson, encodeItemJson } from "../keystore/item_json.ts";
import {
  decodeMasterCredentials,
  decodeSessionCredentials,
  masterCredentialsItem,
  sessionItem,
} from "../keystore/credential_items.ts";
import { parseSessionKey } from "../keystore/key_names.ts";
import type { Keystore } from "../keystore/keystore.ts";

const FIXTURE_KEYS = `${FIXTURE_STORE}/keys`;
const PASSPHRASE = "fixture-passphrase";
const SESSION_KEY =
  "sts.GetSessionToken,YWxpY2U,YXJuOmF3czppYW06OjExMTExMTExMTExMTptZmEvYWxpY2U,1795342103";
const dec = new TextDecoder();

const MASTERS: { key: string; file: string; id: string; secret: string }[] = [
  {
    key: "alice",
    file: "alice",
    id: "AKIAFIXTUREALICE0001",
    secret: "fixtureSecretAlice/0001+abcdefghijklmnopq",
  },
  {
    key: "team/dev",
    file: "team%2Fdev",
    id: "AKIAFIXTURETEAMDEV01",
    secret: "fixtureSecretTeamDev/01+abcdefghijklmnopq",
  },
  {
    key: "odd%name",
    file: "odd%25name",
    id: "AKIAFIXTUREPCT000001",
    secret: "fixtureSecretPercent/1+abcdefghijklmnopq",
  },
];

/** A writable copy of the fixture store (aws-vault, and we, may delete expired sessions). */
async function withFixtureCopy(fn: (dir: string, ks: Keystore) => Promise<void>): Promise<void> {
  const f = await fixtureHome();
  try {
    const dir = f.env.AWS_VAULT_FILE_DIR;
    await fn(dir, await openTestFileStore(dir, PASSPHRASE));
  } finally {
    await f.cleanup();
  }
}

Deno.test("keys() of aws-vault's store decodes every file name", async () => {
  await withFixtureCopy(async (_dir, ks) => {
    assertEquals(await ks.keys(), ["alice", "odd%name", SESSION_KEY, "team/dev"]);
  });
});

Deno.test("aws-vault's master credential files decrypt to the exact credentials and labels", async () => {
  await withFixtureCopy(async (_dir, ks) => {
    for (const m of MASTERS) {
      const item = await ks.get(m.key);
      assertEquals(item.key, m.key);
      assertEquals(item.label, `aws-vault (${m.key})`);
      assertEquals(item.description, "");
      assertEquals(item.keychainNotTrustApplication, true);
      assertEquals(item.keychainNotSynchronizable, false);
      assertEquals(
        dec.decode(item.data),
        `{"AccessKeyID":"${m.id}","SecretAccessKey":"${m.secret}","SessionToken":"",` +
          `"Source":"","CanExpire":false,"Expires":"0001-01-01T00:00:00Z"}`,
      );
      const creds = decodeMasterCredentials(item.data);
      assertEquals(creds, { accessKeyId: m.id, secretAccessKey: m.secret, sessionToken: "" });
      // What we would store for the same credentials is the very same item.
      assertEquals(masterCredentialsItem(m.key, creds), item);
    }
  });
});

Deno.test("aws-vault's session file decrypts to the exact session, label and key", async () => {
  await withFixtureCopy(async (_dir, ks) => {
    const item = await ks.get(SESSION_KEY);
    assertEquals(item.label, "aws-vault session for alice (expires 2026-11-22T10:08:23Z)");
    assertEquals(item.description, "aws-vault session");
    assertEquals(item.keychainNotTrustApplication, false);
    const creds = decodeSessionCredentials(item.data);
    assertEquals(creds.accessKeyId, "ASIA2LDYXS42XWSJQ6SX");
    assertEquals(creds.expiration?.toISOString(), "2026-11-22T10:08:23.000Z");
    assertMatch(
      dec.decode(item.data),
      /^\{"AccessKeyId":"ASIA2LDYXS42XWSJQ6SX","Expiration":"2026-11-22T10:08:23Z","SecretAccessKey":"[^"]+","SessionToken":"[^"]+"\}$/,
    );
    assertEquals(parseSessionKey(SESSION_KEY), {
      type: "sts.GetSessionToken",
      profileName: "alice",
      mfaSerial: "arn:aws:iam::111111111111:mfa/alice",
      expiration: 1795342103,
    });
    assertEquals(Date.parse("2026-11-22T10:08:23Z") / 1000, 1795342103);
    assertEquals(sessionItem(SESSION_KEY, "alice", creds), item);
  });
});

Deno.test("our item JSON encoder reproduces aws-vault's decrypted plaintext byte for byte", async () => {
  for (const file of ["alice", "team%2Fdev", "odd%25name", SESSION_KEY]) {
    const token = await Deno.readTextFile(`${FIXTURE_KEYS}/${file}`);
    const plaintext = dec.decode(await decryptJwe(token, PASSPHRASE));
    assertEquals(encodeItemJson(decodeItemJson(plaintext)), plaintext, file);
  }
});

Deno.test("files we write have the shape of aws-vault's files", async () => {
  await withFixtureCopy(async (dir, ks) => {
    const theirs = parseJweHeader(await Deno.readTextFile(`${dir}/alice`));
    await ks.set(masterCredentialsItem("bob/x", {
      accessKeyId: "AKIAOURS000000000001",
      secretAccessKey: "ourSecret",
      sessionToken: "",
    }));
    const token = await Deno.readTextFile(`${dir}/bob%2Fx`);
    const ours = parseJweHeader(token);
    assertEquals(Object.keys(ours), Object.keys(theirs));
    for (const k of ["alg", "enc", "p2c"]) assertEquals(ours[k], theirs[k]);
    assertEquals((ours.p2s as string).length, (theirs.p2s as string).length);
    const theirParts = (await Deno.readTextFile(`${dir}/alice`)).split(".");
    const ourParts = token.split(".");
    for (const i of [1, 2, 4]) assertEquals(ourParts[i].length, theirParts[i].length, `part ${i}`);
    assert(!token.endsWith("\n"));
    // Mixed stores keep working: aws-vault's files and ours side by side.
    assertEquals((await ks.keys()).length, 5);
    assertEquals(
      decodeMasterCredentials((await ks.get("bob/x")).data).accessKeyId,
      "AKIAOURS000000000001",
    );
    assertEquals(
      decodeMasterCredentials((await ks.get("alice")).data).accessKeyId,
      "AKIAFIXTUREALICE0001",
    );
  });
});

Deno.test("a wrong passphrase on aws-vault's files gives aws-vault's error", async () => {
  const token = await Deno.readTextFile(`${FIXTURE_KEYS}/alice`);
  let message = "";
  await decryptJwe(token, "not-the-fixture-passphrase").catch((e) => message = e.message);
  assertEquals(message, "aes.KeyUnwrap(): integrity check failed.");
});

Deno.test("the CLI exports master credentials from a copy of aws-vault's store", async () => {
  const { home, cleanup } = await tempHome();
  try {
    const dir = `${home}/.awsvault/keys`;
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    for await (const e of Deno.readDir(FIXTURE_KEYS)) {
      await Deno.copyFile(`${FIXTURE_KEYS}/${e.name}`, `${dir}/${e.name}`);
    }
    await Deno.writeTextFile(`${home}/.aws/config`, "[profile team/dev]\nregion = eu-west-1\n");
    // The default directory, ~/.awsvault/keys/, with the passphrase from the environment.
    const result = await runCli(["export", "--no-session", "--format=json", "team/dev"], {
      home,
      env: { AWS_VAULT_BACKEND: "file", AWS_VAULT_FILE_PASSPHRASE: PASSPHRASE },
    });
    assertEquals(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout);
    assertEquals(out.AccessKeyId, "AKIAFIXTURETEAMDEV01");
    assertEquals(out.SecretAccessKey, "fixtureSecretTeamDev/01+abcdefghijklmnopq");
  } finally {
    await cleanup();
  }
});
