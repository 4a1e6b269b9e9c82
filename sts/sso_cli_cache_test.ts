/** The AWS CLI's SSO cache files: names, reading what botocore writes, atomic merged writes. */
import { assert, assertEquals } from "../tests/assert.ts";
import {
  formatSsoCliTime,
  readSsoCliToken,
  ssoCliCacheDir,
  ssoCliCacheFile,
  ssoCliTokenExists,
  writeSsoCliToken,
} from "./sso_cli_cache.ts";
import { assertMode, linuxTest, posixTest } from "../tests/platform.ts";

Deno.test("ssoCliCacheFile: sha1 of the sso-session name, else of the start URL", async () => {
  // hashlib.sha1(b"my-sso").hexdigest(), as botocore names the file.
  assertEquals(
    await ssoCliCacheFile("/c", { ssoSession: "my-sso", startUrl: "https://x/start" }),
    "/c/0ad374308c5a4e22f723adf10145eafad7c4031c.json",
  );
  assertEquals(
    await ssoCliCacheFile("/c", { ssoSession: "", startUrl: "https://x/start" }),
    `/c/${await sha1("https://x/start")}.json`,
  );
  assertEquals(ssoCliCacheDir((n) => ({ HOME: "/home/u" })[n]), "/home/u/.aws/sso/cache");
  assertEquals(
    ssoCliCacheDir((n) => ({ USERPROFILE: "C:\\Users\\u" })[n]),
    "C:\\Users\\u/.aws/sso/cache",
  );
  assertEquals(ssoCliCacheDir(() => undefined), undefined);
});

linuxTest("python3", "ssoCliCacheFile matches botocore's name (python3 hashlib)", async () => {
  const out = await new Deno.Command("python3", {
    args: [
      "-c",
      "import hashlib,sys;print(hashlib.sha1(sys.argv[1].encode()).hexdigest())",
      "corp ü",
    ],
    stdout: "piped",
  }).output();
  const hex = new TextDecoder().decode(out.stdout).trim();
  assertEquals(
    await ssoCliCacheFile("/d", { ssoSession: "corp ü", startUrl: "u" }),
    `/d/${hex}.json`,
  );
});

Deno.test("readSsoCliToken: botocore's fields; registration only when complete; junk ignored", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/t.json`;
    assertEquals(readSsoCliToken(path), undefined);
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        startUrl: "https://x/start",
        region: "eu-west-1",
        accessToken: "tok",
        expiresAt: "2030-01-02T03:04:05UTC",
        clientId: "cid",
        clientSecret: "sec",
        registrationExpiresAt: "2030-02-01T00:00:00Z",
        refreshToken: "ref",
      }),
    );
    const t = readSsoCliToken(path)!;
    assertEquals(t.expiresAt.toISOString(), "2030-01-02T03:04:05.000Z");
    assertEquals([t.refreshToken, t.clientId, t.clientSecret], ["ref", "cid", "sec"]);
    assertEquals(t.registrationExpiresAt?.toISOString(), "2030-02-01T00:00:00.000Z");

    await Deno.writeTextFile(
      path,
      JSON.stringify({ accessToken: "tok", expiresAt: "2030-01-02T03:04:05Z", refreshToken: "r" }),
    );
    const partial = readSsoCliToken(path)!;
    assertEquals([partial.accessToken, partial.refreshToken, partial.startUrl], [
      "tok",
      undefined,
      "",
    ]);

    for (
      const junk of ["{", "[]", `{"accessToken":"x"}`, `{"accessToken":"x","expiresAt":"soon"}`]
    ) {
      await Deno.writeTextFile(path, junk);
      assertEquals(readSsoCliToken(path), undefined, junk);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeSsoCliToken: 0600, Z times, other fields and the file's registration kept", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/sso/cache/t.json`;
    assertEquals(await ssoCliTokenExists(path), false);
    await writeSsoCliToken(path, {
      startUrl: "https://x/start",
      region: "eu-west-1",
      accessToken: "a1",
      expiresAt: new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 678)),
      refreshToken: "r1",
      clientId: "c1",
      clientSecret: "s1",
      registrationExpiresAt: new Date(Date.UTC(2030, 3, 1)),
    });
    await assertMode(path, 0o600);
    await assertMode(`${dir}/sso/cache`, 0o700);
    const first = JSON.parse(await Deno.readTextFile(path));
    assertEquals(first, {
      startUrl: "https://x/start",
      region: "eu-west-1",
      accessToken: "a1",
      expiresAt: "2030-01-02T03:04:05Z",
      refreshToken: "r1",
      clientId: "c1",
      clientSecret: "s1",
      registrationExpiresAt: "2030-04-01T00:00:00Z",
    });
    await Deno.writeTextFile(path, JSON.stringify({ ...first, custom: 1 }));
    // A token without a refresh token of its own keeps the file's refresh token and client.
    await writeSsoCliToken(path, {
      startUrl: "https://x/start",
      region: "eu-west-1",
      accessToken: "a2",
      expiresAt: new Date(Date.UTC(2030, 0, 3)),
    });
    const second = JSON.parse(await Deno.readTextFile(path));
    assertEquals(second, {
      ...first,
      custom: 1,
      accessToken: "a2",
      expiresAt: "2030-01-03T00:00:00Z",
    });
    assertEquals([...Deno.readDirSync(`${dir}/sso/cache`)].map((e) => e.name), ["t.json"]);
    assert(await ssoCliTokenExists(path));
    assertEquals(formatSsoCliTime(new Date(0)), "1970-01-01T00:00:00Z");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function sha1(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

posixTest(
  "mkfifo",
  "readSsoCliToken: a FIFO or an oversized file in its place is ignored, not read",
  async () => {
    const dir = await Deno.makeTempDir();
    try {
      const fifo = `${dir}/fifo.json`;
      const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
      assertEquals(made.code, 0);
      assertEquals(readSsoCliToken(fifo), undefined);
      const big = `${dir}/big.json`;
      await Deno.writeTextFile(
        big,
        JSON.stringify({ accessToken: "x".repeat(100_000), expiresAt: "2030-01-01T00:00:00Z" }),
      );
      assertEquals(readSsoCliToken(big), undefined);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
