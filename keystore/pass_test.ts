import {
  assert,
  assertEquals,
  assertNotIncludes,
  assertRejects,
  assertStringIncludes,
} from "../tests/assert.ts";
import { createPassStore, type PassStore } from "../tests/pass_store.ts";
import { masterCredentialsItem } from "./credential_items.ts";
import { ItemNotFoundError, type KeystoreOptions, KeystoreUnavailableError } from "./keystore.ts";
import {
  firstMeaningfulLine,
  keyFromEntryPath,
  openPassKeystore,
  passEntryName,
  resolvePassDir,
} from "./pass.ts";
import { linuxTest } from "../tests/platform.ts";

function options(store: PassStore, passPrefix = "aws-vault"): KeystoreOptions {
  return {
    keychainName: "aws-vault",
    secretServiceCollection: "awsvault",
    passDir: store.storeDir,
    passCmd: store.passCmd,
    passPrefix,
    fileDir: "",
  };
}

async function withStore(fn: (store: PassStore) => Promise<void>): Promise<void> {
  const store = await createPassStore();
  try {
    await fn(store);
  } finally {
    await store.cleanup();
  }
}

Deno.test("passEntryName joins and cleans like Go's filepath.Join", () => {
  assertEquals(passEntryName("aws-vault", "alice"), "aws-vault/alice");
  assertEquals(passEntryName("", "alice"), "alice");
  assertEquals(passEntryName("", "team/prod"), "team/prod");
  assertEquals(passEntryName("aws-vault/", "x"), "aws-vault/x");
  assertEquals(
    passEntryName("aws-vault", "oidc:https://x.awsapps.com/start"),
    "aws-vault/oidc:https:/x.awsapps.com/start",
  );
  assertEquals(passEntryName("a", "./b/../c"), "a/c");
  assertEquals(
    passEntryName("", "sts.GetSessionToken,YWxpY2U,,1"),
    "sts.GetSessionToken,YWxpY2U,,1",
  );
});

Deno.test("keyFromEntryPath restores the scheme's // of OIDC keys only", () => {
  assertEquals(
    keyFromEntryPath("oidc:https:/x.awsapps.com/start"),
    "oidc:https://x.awsapps.com/start",
  );
  assertEquals(keyFromEntryPath("oidc:https://already"), "oidc:https://already");
  assertEquals(keyFromEntryPath("team/prod"), "team/prod");
  assertEquals(keyFromEntryPath("profile:/x"), "profile:/x");
});

Deno.test("resolvePassDir: flag, then $PASSWORD_STORE_DIR, then ~/.password-store", () => {
  const env = (vars: Record<string, string>) => (n: string) => vars[n];
  assertEquals(resolvePassDir("/s", env({ HOME: "/h", PASSWORD_STORE_DIR: "/e" })), "/s");
  assertEquals(resolvePassDir("~/s", env({ HOME: "/h" })), "/h/s");
  assertEquals(resolvePassDir("", env({ HOME: "/h", PASSWORD_STORE_DIR: "/e" })), "/e");
  assertEquals(resolvePassDir("", env({ HOME: "/h" })), "/h/.password-store");
});

Deno.test("firstMeaningfulLine picks gpg's error, not its chatter", () => {
  const stderr = "gpg: encrypted with 255-bit ECDH key, ID 0123456789ABCDEF, created 2026-01-01\n" +
    '      "someone <someone@example.invalid>"\n' +
    "gpg: decryption failed: No secret key\n";
  assertEquals(firstMeaningfulLine(stderr), "gpg: decryption failed: No secret key");
  assertEquals(firstMeaningfulLine("\nsomething odd\n"), "something odd");
  assertEquals(firstMeaningfulLine(""), "");
  assertEquals(firstMeaningfulLine("x".repeat(400)).length, 300);
});

Deno.test("opening with a missing pass program fails with one clear line", async () => {
  const err = await assertRejects(
    () =>
      openPassKeystore({
        keychainName: "",
        secretServiceCollection: "",
        passDir: "/nonexistent",
        passCmd: "pass-does-not-exist-anywhere",
        passPrefix: "",
        fileDir: "",
      }),
    KeystoreUnavailableError,
    "The pass program is not available",
  );
  assertEquals(err.message.includes("\n"), false);
  assertStringIncludes(err.message, "pass-does-not-exist-anywhere");
});

linuxTest(
  "pass and gpg",
  "pass stores aws-vault's exact Item JSON under <prefix>/<key>",
  async () => {
    await withStore(async (store) => {
      const ks = await openPassKeystore(options(store));
      const item = masterCredentialsItem("alice", {
        accessKeyId: "AKIAEXAMPLE000000001",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG<&>",
        sessionToken: "",
      });
      await ks.set(item);
      const creds =
        '{"AccessKeyID":"AKIAEXAMPLE000000001","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG' +
        '\\u003c\\u0026\\u003e","SessionToken":"","Source":"","CanExpire":false,' +
        '"Expires":"0001-01-01T00:00:00Z"}';
      const expected = `{"Key":"alice","Data":"${btoa(creds)}","Label":"aws-vault (alice)",` +
        `"Description":"","KeychainNotTrustApplication":true,"KeychainNotSynchronizable":false}`;
      const shown = await store.pass(["show", "aws-vault/alice"]);
      assertEquals(shown.code, 0, shown.stderr);
      assertEquals(shown.stdout, expected);
      assert((await Deno.stat(`${store.storeDir}/aws-vault/alice.gpg`)).isFile);
    });
  },
);

linuxTest(
  "pass and gpg",
  "pass reads entries aws-vault wrote, including a collapsed OIDC key",
  async () => {
    await withStore(async (store) => {
      const oidcJson = '{"Key":"oidc:https://x.awsapps.com/start","Data":"e30=","Label":"l",' +
        '"Description":"d","KeychainNotTrustApplication":false,"KeychainNotSynchronizable":false}';
      // What aws-vault runs: filepath.Join collapsed the URL's //.
      const ins = await store.pass([
        "insert",
        "-m",
        "-f",
        "aws-vault/oidc:https:/x.awsapps.com/start",
      ], oidcJson);
      assertEquals(ins.code, 0, ins.stderr);
      // A key with different letter case in the JSON field names still decodes, as in Go.
      const bob = '{"key":"bob","data":"eA==","label":"L"}';
      assertEquals((await store.pass(["insert", "-m", "aws-vault/bob"], bob)).code, 0);
      const ks = await openPassKeystore(options(store));
      assertEquals(await ks.keys(), ["bob", "oidc:https://x.awsapps.com/start"]);
      const item = await ks.get("oidc:https://x.awsapps.com/start");
      assertEquals(item.key, "oidc:https://x.awsapps.com/start");
      assertEquals(new TextDecoder().decode(item.data), "{}");
      assertEquals((await ks.get("bob")).label, "L");
      await ks.remove("oidc:https://x.awsapps.com/start");
      assertEquals(await ks.keys(), ["bob"]);
    });
  },
);

linuxTest(
  "pass and gpg",
  "an empty pass prefix stores at the top of the store, .gpg-id is not a key",
  async () => {
    await withStore(async (store) => {
      const ks = await openPassKeystore(options(store, ""));
      await ks.set(
        masterCredentialsItem("top", { accessKeyId: "A", secretAccessKey: "S", sessionToken: "" }),
      );
      assert((await Deno.stat(`${store.storeDir}/top.gpg`)).isFile);
      assertEquals(await ks.keys(), ["top"]);
      assertEquals((await ks.get("top")).key, "top");
    });
  },
);

linuxTest("pass and gpg", "keys() of a store directory that does not exist is empty", async () => {
  await withStore(async (store) => {
    const ks = await openPassKeystore({ ...options(store), passDir: `${store.root}/missing` });
    assertEquals(await ks.keys(), []);
    await assertRejects(() => ks.get("x"), ItemNotFoundError);
  });
});

linuxTest(
  "pass and gpg",
  "gpg and pass failures surface as one line, without the secret",
  async () => {
    await withStore(async (store) => {
      // A store whose recipient has no key: encryption fails. A fingerprint, not an e-mail address,
      // so that gpg does not try to fetch the key over the network (WKD).
      const badDir = `${store.root}/bad-store`;
      await Deno.mkdir(badDir);
      await Deno.writeTextFile(`${badDir}/.gpg-id`, "0123456789ABCDEF0123456789ABCDEF01234567\n");
      const ks = await openPassKeystore({ ...options(store), passDir: badDir });
      const secret = "SecretThatMustNotAppear0001";
      const err = await assertRejects(
        () =>
          ks.set(
            masterCredentialsItem("p", {
              accessKeyId: "A",
              secretAccessKey: secret,
              sessionToken: "",
            }),
          ),
        Error,
        'pass insert "aws-vault/p" failed: gpg: ',
      );
      assertEquals(err.message.includes("\n"), false);
      assertStringIncludes(err.message, "No public key");

      // A store that was never initialised: pass says to run pass init.
      const uninitialised = await openPassKeystore({
        ...options(store),
        passDir: `${store.root}/none`,
      });
      const err2 = await assertRejects(
        () =>
          uninitialised.set(
            masterCredentialsItem("p", {
              accessKeyId: "A",
              secretAccessKey: secret,
              sessionToken: "",
            }),
          ),
        Error,
        "pass init",
      );
      assertEquals(err2.message.includes("\n"), false);
    });
  },
);

linuxTest(
  "pass and gpg",
  "an entry that is not an Item is reported without its content",
  async () => {
    await withStore(async (store) => {
      const secret = "NotJsonSecret0123456789";
      assertEquals((await store.pass(["insert", "-m", "aws-vault/junk"], `${secret} {`)).code, 0);
      const ks = await openPassKeystore(options(store));
      const err = await assertRejects(
        () => ks.get("junk"),
        Error,
        "does not hold a valid keyring item",
      );
      assertNotIncludes(err.message, secret);
    });
  },
);

Deno.test("firstMeaningfulLine joins pass's multi-line 'You must run' error", () => {
  const stderr =
    "Error: You must run:\n    pass init your-gpg-id\nbefore you may use the password store.\n\n";
  assertEquals(
    firstMeaningfulLine(stderr),
    "Error: You must run: pass init your-gpg-id before you may use the password store.",
  );
});
