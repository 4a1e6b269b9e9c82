import { assertEquals, assertRejects } from "../tests/assert.ts";
import { probeBackend } from "./probe.ts";
import { openKeyctlKeystore } from "./keyctl.ts";
import { type KeystoreOptions, KeystoreUnavailableError } from "./keystore.ts";

const options = { fileDir: "~/.awsvault/keys" } as KeystoreOptions;

Deno.test("file probe: names the directory the file backend opens (its ~ expansion)", async () => {
  const home = await Deno.makeTempDir();
  try {
    const env = (n: string) =>
      ({ HOME: `${home}/`, AWS_VAULT_FILE_PASSPHRASE: "" } as Record<string, string>)[n];
    const r = await probeBackend("file", options, env);
    assertEquals(r.status, "ok");
    assertEquals(
      r.message,
      `directory ${home}/.awsvault/keys (not created yet), passphrase from AWS_VAULT_FILE_PASSPHRASE`,
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("file probe: without HOME a ~ directory is a failure, as for the file backend", async () => {
  const r = await probeBackend("file", options, () => undefined);
  assertEquals([r.status, r.message], [
    "fail",
    "cannot expand ~/.awsvault/keys: $HOME is not defined",
  ]);
});

Deno.test("keyctl probe: a bad scope fails in the words the keyctl backend uses", async () => {
  const bad = { keyctlScope: "nosuch" } as KeystoreOptions;
  const r = await probeBackend("keyctl", bad, () => undefined);
  const opened = await assertRejects(() => openKeyctlKeystore(bad), KeystoreUnavailableError);
  assertEquals([r.status, r.message], ["fail", opened.message]);
});
