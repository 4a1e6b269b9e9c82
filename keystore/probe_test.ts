import { assertEquals } from "../tests/assert.ts";
import { probeBackend } from "./probe.ts";
import type { KeystoreOptions } from "./keystore.ts";

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
