/**
 * The keyctl backend against the real kernel key retention service: the conformance suite in a
 * private sandbox keyring (tests/keyctl_sandbox.ts), the layout cross-checked with `keyctl`, the
 * scopes, and how the CLI offers the backend.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./assert.ts";
import { runKeystoreConformance } from "./keystore_conformance.ts";
import { createKeyctlSandbox, keyctl } from "./keyctl_sandbox.ts";
import { runCli, tempHome } from "./run_cli.ts";
import { masterCredentialsItem } from "../keystore/credential_items.ts";
import { ItemNotFoundError } from "../keystore/keystore.ts";
import { openKeyctlKeystore, parseDescription, parseKeyringPayload } from "../keystore/keyctl.ts";
import { linuxTest } from "./platform.ts";
import { keystoreOptions } from "./file_store.ts";

runKeystoreConformance("keyctl", async () => {
  const sandbox = await createKeyctlSandbox();
  try {
    return {
      keystore: sandbox.open(),
      cleanup: sandbox.cleanup,
      cliEnv: sandbox.env,
      cliWrap: sandbox.wrap,
    };
  } catch (err) {
    await sandbox.cleanup();
    throw err;
  }
}, { storesLabels: false, storesFlags: false, needs: "the kernel keyring (keyctl)" });

/** The serial of `<type>:<description>` found below `ring`. */
async function search(ring: number | string, type: string, description: string) {
  return (await keyctl(["search", String(ring), type, description])).trim();
}

linuxTest(
  "the kernel keyring (keyctl)",
  "keyctl: the CLI's layout is keyring's (aws-vault keyring, user keys, raw data)",
  async () => {
    const sandbox = await createKeyctlSandbox();
    const { home, cleanup } = await tempHome();
    try {
      await Deno.writeTextFile(`${home}/.aws/config`, "[profile work]\nregion = us-east-1\n");
      const add = await runCli(["add", "--env", "work"], {
        home,
        wrap: sandbox.wrap,
        env: {
          ...sandbox.env,
          AWS_ACCESS_KEY_ID: "AKIAKEYCTLLAYOUT0001",
          AWS_SECRET_ACCESS_KEY: "keyctl-layout-secret",
        },
      });
      assertEquals(add.code, 0, add.stderr);

      const ring = await search(sandbox.serial, "keyring", "aws-vault");
      // Default permissions, as aws-vault sets none: possessor everything, user view.
      assertEquals((await keyctl(["rdescribe", ring])).trim(), "keyring;0;0;3f010000;aws-vault");
      const key = await search(ring, "user", "work");
      assertEquals((await keyctl(["rdescribe", key])).trim(), "user;0;0;3f010000;work");
      const want = masterCredentialsItem("work", {
        accessKeyId: "AKIAKEYCTLLAYOUT0001",
        secretAccessKey: "keyctl-layout-secret",
        sessionToken: "",
      });
      // The payload is the credential JSON itself, not keyring's Item JSON envelope.
      assertEquals(await keyctl(["pipe", key]), new TextDecoder().decode(want.data));
      assertEquals(await keyctl(["print", key]), new TextDecoder().decode(want.data) + "\n");

      // The other way round: a key that keyctl added is read by the CLI.
      const data = new TextDecoder().decode(
        masterCredentialsItem("other", {
          accessKeyId: "AKIAKEYCTLPADDED0001",
          secretAccessKey: "keyctl-padd-secret",
          sessionToken: "",
        }).data,
      );
      await keyctl(["padd", "user", "other", ring], data);
      const exp = await runCli(["export", "--no-session", "--format=json", "other"], {
        home,
        wrap: sandbox.wrap,
        env: sandbox.env,
      });
      assertEquals(exp.code, 0, exp.stderr);
      assertEquals(JSON.parse(exp.stdout).SecretAccessKey, "keyctl-padd-secret");

      const list = await runCli(["list", "--credentials"], {
        home,
        wrap: sandbox.wrap,
        env: sandbox.env,
      });
      assertEquals(list.stdout.split("\n").filter(Boolean).sort(), ["other", "work"]);

      const rm = await runCli(["remove", "-f", "work"], {
        home,
        wrap: sandbox.wrap,
        env: sandbox.env,
      });
      assertEquals(rm.code, 0, rm.stderr);
      await keyctl(["search", ring, "user", "work"]).then(
        () => {
          throw new Error("the key is still linked after remove");
        },
        (err: Error) => assertStringIncludes(err.message, "Required key not available"),
      );
    } finally {
      await cleanup();
      await sandbox.cleanup();
    }
  },
);

linuxTest(
  "the kernel keyring (keyctl)",
  "keyctl: process and thread scopes hold keys for this process",
  async () => {
    for (const scope of ["process", "thread"]) {
      const ks = await openKeyctlKeystore(keystoreOptions({ keyctlScope: scope }));
      const key = `scope-${scope}`;
      await ks.set({
        ...masterCredentialsItem(key, {
          accessKeyId: "AKIASCOPE",
          secretAccessKey: "scope-secret",
          sessionToken: "",
        }),
      });
      assertStringIncludes(new TextDecoder().decode((await ks.get(key)).data), "scope-secret");
      assert((await ks.keys()).includes(key));
      await ks.remove(key);
      await ks.get(key).then(() => assert(false, "still there"), (e) => {
        assert(e instanceof ItemNotFoundError);
      });
    }
  },
);

linuxTest(
  "the kernel keyring (keyctl)",
  "keyctl: --keyctl-scope is validated and named in the error",
  async () => {
    const { home, cleanup } = await tempHome();
    try {
      const r = await runCli(["--backend=keyctl", "--keyctl-scope=group", "list"], { home });
      assertEquals(r.code, 1);
      assertEquals(
        r.stderr,
        "aws-vault: error: --keyctl-scope value must be one of " +
          "user,session,process,thread,usersession, got 'group', try --help\n",
      );
      const env = await runCli(["--backend=keyctl", "list"], {
        home,
        env: { AWS_VAULT_KEYCTL_SCOPE: "nope" },
      });
      assertEquals(env.code, 1);
      assertStringIncludes(env.stderr, "got 'nope'");
    } finally {
      await cleanup();
    }
  },
);

linuxTest(
  "the kernel keyring (keyctl)",
  "keyctl is offered in --backend on Linux but never the default",
  async () => {
    const { home, cleanup } = await tempHome();
    try {
      const bad = await runCli(["--backend=nope", "list"], { home });
      assertMatch(bad.stderr, /must be one of [a-z,-]*keyctl,pass,file, got 'nope'/);
      // No session bus in this environment: aws-vault would pick keyctl; we go on to pass.
      const def = await runCli(["--debug", "list"], {
        home,
        env: { AWS_VAULT_PASS_CMD: `${home}/no-such-pass` },
      });
      assertEquals(def.code, 1);
      assertStringIncludes(def.stderr, "no-such-pass");
    } finally {
      await cleanup();
    }
  },
);

linuxTest(
  "the kernel keyring (keyctl)",
  "keyctl: descriptions and keyring payloads are parsed as the kernel writes them",
  () => {
    assertEquals(parseDescription("user;1000;1000;3f010000;a;b"), {
      type: "user",
      description: "a;b",
    });
    assertEquals(parseDescription("keyring;0;0;3f010000;aws-vault").type, "keyring");
    const ids = new Int32Array([5, 123456789, -1]);
    assertEquals(parseKeyringPayload(new Uint8Array(ids.buffer)), [5, 123456789, -1]);
  },
);

/** True when this machine lets us make a user namespace (which has its own user keyring). */
function canUnshareUser(): boolean {
  try {
    return new Deno.Command("unshare", { args: ["-U", "-r", "true"], stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

Deno.test({
  name: "keyctl: by default the CLI stores in the user keyring (@u/aws-vault)",
  // A fresh user namespace has a user keyring of its own, so the real @u is never touched.
  ignore: Deno.build.os !== "linux" || !canUnshareUser(),
  fn: async () => {
    const { home, cleanup } = await tempHome();
    try {
      await Deno.writeTextFile(`${home}/.aws/config`, "[profile dflt]\nregion = us-east-1\n");
      const script = [
        `"$@" --backend=keyctl add --env dflt >/dev/null`,
        `ring=$(keyctl search @u keyring aws-vault)`,
        `keyctl rdescribe "$ring"`,
        `keyctl print "$(keyctl search "$ring" user dflt)"`,
        `"$@" --backend=keyctl export --no-session --format=json dflt`,
      ].join(" && ");
      const r = await runCli([], {
        home,
        wrap: ["unshare", "-U", "-r", "sh", "-c", script, "sh"],
        env: { AWS_ACCESS_KEY_ID: "AKIADEFAULTSCOPE0001", AWS_SECRET_ACCESS_KEY: "dflt-secret" },
      });
      assertEquals(r.code, 0, r.stderr);
      const [describe, printed, ...exported] = r.stdout.split("\n");
      assertEquals(describe, "keyring;0;0;3f010000;aws-vault");
      assertStringIncludes(printed, '"SecretAccessKey":"dflt-secret"');
      assertEquals(JSON.parse(exported.join("\n")).SecretAccessKey, "dflt-secret");
    } finally {
      await cleanup();
    }
  },
});
