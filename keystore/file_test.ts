/**
 * The file backend on a real temporary directory: layout, modes, atomic writes, errors, and the
 * passphrase rules (checked in child processes with no terminal, and with a real pseudo-terminal).
 */
import { compactDecrypt } from "jose";
import {
  assert,
  assertEquals,
  assertNotIncludes,
  assertRejects,
  assertStringIncludes,
} from "../tests/assert.ts";
import { expandTilde, openFileKeystore } from "./file.ts";
import { encodeFileName } from "./file_names.ts";
import { encodeItemJson } from "./item_json.ts";
import { encryptJwe } from "./jwe.ts";
import { type Item, ItemNotFoundError, type Keystore } from "./keystore.ts";
import { keystoreOptions } from "../tests/file_store.ts";
import { assertMode, linuxTest } from "../tests/platform.ts";

const PASSPHRASE = "test-passphrase";
const enc = new TextEncoder();
const dec = new TextDecoder();
const FILE_TS = new URL("./file.ts", import.meta.url).href;
const LOG_TS = new URL("../lib/log.ts", import.meta.url).href;

function open(fileDir: string, passphrase: string | undefined = PASSPHRASE): Promise<Keystore> {
  return openFileKeystore(keystoreOptions({ fileDir }), {
    env: (name) => name === "AWS_VAULT_FILE_PASSPHRASE" ? passphrase : undefined,
  });
}

function item(key: string, data = `{"secret":"${key}"}`): Item {
  return {
    key,
    data: enc.encode(data),
    label: `aws-vault (${key})`,
    description: "",
    keychainNotTrustApplication: true,
    keychainNotSynchronizable: false,
  };
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "aws-vault-file-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const name of await listDir(dir)) {
    const info = await Deno.stat(`${dir}/${name}`);
    files.set(name, `${await Deno.readTextFile(`${dir}/${name}`)}@${info.mtime?.getTime()}`);
  }
  return files;
}

Deno.test("set then get round-trips items; files are JWEs of the item JSON, mode 0600", async () => {
  await withTempDir(async (tmp) => {
    const dir = `${tmp}/nested/keys`;
    const ks = await open(dir);
    assertEquals(ks.backend, "file");
    const keys = ["alice", "team/dev", "odd%name", "oidc:https://x/y", "ünï cødé", ".hidden"];
    for (const k of keys) await ks.set(item(k));
    assertEquals(await listDir(dir), [
      ".hidden",
      "alice",
      "odd%25name",
      "oidc:https:%2F%2Fx%2Fy",
      "team%2Fdev",
      "ünï cødé",
    ]);
    await assertMode(`${tmp}/nested`, 0o700);
    await assertMode(dir, 0o700);
    for (const k of keys) {
      const got = await ks.get(k);
      assertEquals(got, item(k));
      const name = encodeFileName(k);
      await assertMode(`${dir}/${name}`, 0o600);
      // An independent JWE implementation sees exactly the item JSON.
      const token = await Deno.readTextFile(`${dir}/${name}`);
      const { plaintext } = await compactDecrypt(token, enc.encode(PASSPHRASE), {
        keyManagementAlgorithms: ["PBES2-HS256+A128KW"],
      });
      assertEquals(dec.decode(plaintext), encodeItemJson(item(k)));
    }
    // keys() lists in Go's os.ReadDir order (file name bytes), decoded.
    assertEquals(await ks.keys(), [
      ".hidden",
      "alice",
      "odd%name",
      "oidc:https://x/y",
      "team/dev",
      "ünï cødé",
    ]);
  });
});

Deno.test("set replaces an item atomically and leaves no temp files", async () => {
  await withTempDir(async (dir) => {
    const ks = await open(dir);
    await ks.set(item("alice", "v1"));
    await Deno.chmod(`${dir}/alice`, 0o644);
    await ks.set(item("alice", "v2"));
    assertEquals(dec.decode((await ks.get("alice")).data), "v2");
    await assertMode(`${dir}/alice`, 0o600, "mode reset to 0600");
    // Concurrent writers of one key: the file always holds one complete item.
    await Promise.all(Array.from({ length: 8 }, (_, i) => ks.set(item("alice", `w${i}`))));
    const final = dec.decode((await ks.get("alice")).data);
    assert(/^w[0-7]$/.test(final), final);
    assertEquals(await listDir(dir), ["alice"]);
  });
});

Deno.test("keys() lists every entry like aws-vault, except our own temp files", async () => {
  await withTempDir(async (dir) => {
    const ks = await open(dir);
    await ks.set(item("alice"));
    await Deno.writeTextFile(`${dir}/.DS_Store`, "junk");
    await Deno.mkdir(`${dir}/subdir`);
    await Deno.writeTextFile(`${dir}/.alice.tmp-0123456789ab`, "half-written");
    assertEquals(await ks.keys(), [".DS_Store", "alice", "subdir"]);
  });
});

Deno.test("get of a missing key is ItemNotFoundError; remove uses aws-vault's OS message", async () => {
  await withTempDir(async (dir) => {
    const ks = await open(dir);
    const err = await assertRejects(() => ks.get("nobody"), ItemNotFoundError);
    assertEquals(err.message, "The specified item could not be found in the keyring");
    const rm = await assertRejects(() => ks.remove("team/nobody"), ItemNotFoundError);
    assertEquals(rm.message, `remove ${dir}/team%2Fnobody: no such file or directory`);
    await ks.set(item("team/dev"));
    await ks.remove("team/dev");
    assertEquals(await ks.keys(), []);
    await assertRejects(() => ks.get("team/dev"), ItemNotFoundError);
  });
});

Deno.test("a wrong passphrase fails with jose2go's text and changes nothing", async () => {
  await withTempDir(async (dir) => {
    await (await open(dir)).set(item("alice"));
    const before = await snapshot(dir);
    const wrong = await open(dir, "not-the-passphrase");
    const err = await assertRejects(() => wrong.get("alice"));
    assert(err.message.startsWith("aes.KeyUnwrap(): integrity check failed."), err.message);
    assertStringIncludes(err.message, `${dir}/alice`);
    assert(!err.message.includes("\n"));
    assertNotIncludes(err.message, "not-the-passphrase");
    assertEquals(await snapshot(dir), before);
  });
});

Deno.test("a decryptable item that is not item JSON fails without quoting its content", async () => {
  await withTempDir(async (dir) => {
    const secret = "wJalrXUtnFEMI/K7MDENG";
    for (const plaintext of [`${secret} is not JSON`, `{"Data":"${secret}"`]) {
      await Deno.writeTextFile(`${dir}/alice`, await encryptJwe(enc.encode(plaintext), PASSPHRASE));
      const err = await assertRejects(() => open(dir).then((ks) => ks.get("alice")));
      assertEquals(err.message, `${dir}/alice: the decrypted item is not valid item JSON`);
      assertNotIncludes(err.message, secret.slice(0, 4));
    }
  });
});

Deno.test("an empty AWS_VAULT_FILE_PASSPHRASE is a passphrase, not a reason to prompt", async () => {
  await withTempDir(async (dir) => {
    const ks = await open(dir, "");
    await ks.set(item("alice"));
    assertEquals(await ks.get("alice"), item("alice"));
    await assertRejects(() => open(dir, "x").then((k) => k.get("alice")), Error, "KeyUnwrap");
  });
});

Deno.test("directory errors match aws-vault's messages; ~/ expands with HOME", async () => {
  await withTempDir(async (tmp) => {
    await assertRejects(
      () => open("").then((k) => k.keys()),
      Error,
      "No directory provided for file keyring",
    );
    await Deno.writeTextFile(`${tmp}/plain`, "x");
    await assertRejects(
      () => open(`${tmp}/plain`).then((k) => k.get("alice")),
      Error,
      `${tmp}/plain is a file, not a directory`,
    );
    // As keyring: even a get() creates a missing directory, then reports the item missing.
    await assertRejects(() => open(`${tmp}/new/dir`).then((k) => k.get("x")), ItemNotFoundError);
    await assertMode(`${tmp}/new/dir`, 0o700);
    await assertRejects(
      () => open(`${tmp}/plain`).then((k) => k.keys()),
      Error,
      `${tmp}/plain is a file, not a directory`,
    );
    const ks = await openFileKeystore(keystoreOptions({ fileDir: "~/.awsvault/keys/" }), {
      env: (n) =>
        ({ HOME: tmp, AWS_VAULT_FILE_PASSPHRASE: PASSPHRASE } as Record<string, string>)[n],
    });
    await ks.set(item("alice"));
    assertEquals(await listDir(`${tmp}/.awsvault/keys`), ["alice"]);
    await assertMode(`${tmp}/.awsvault/keys`, 0o700);
    for (const bad of ["", ".", ".."]) {
      await assertRejects(() => ks.set(item(bad)), Error, "invalid key for the file keyring");
    }
  });
});

/** Runs a script that uses the file backend in a child process; returns its output. */
async function runScript(
  dir: string,
  body: string,
  opts: { env?: Record<string, string>; viaPty?: string; setsid?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = `${dir}/.script.ts`;
  await Deno.writeTextFile(
    script,
    `import { openFileKeystore } from ${JSON.stringify(FILE_TS)};\n` +
      `import { setDebug } from ${JSON.stringify(LOG_TS)};\n` +
      `setDebug(true);\n` +
      // As with the default `~/.awsvault/keys/`: HOME-relative, with a trailing slash.
      `const ks = await openFileKeystore({ fileDir: "~/keys/" } as any);\n` +
      `const item = (key: string) => ({ key, data: new TextEncoder().encode("SECRETDATA"), ` +
      `label: "l", description: "", keychainNotTrustApplication: true, ` +
      `keychainNotSynchronizable: false });\n` +
      body,
  );
  const denoArgs = [Deno.execPath(), "run", "-A", "--quiet", script];
  const env = { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: dir, ...opts.env };
  if (opts.viaPty !== undefined) return await runInPty(denoArgs, env, opts.viaPty);
  const [cmd, ...args] = opts.setsid ? ["setsid", "-w", ...denoArgs] : denoArgs;
  const out = await new Deno.Command(cmd, {
    args,
    env: { ...env, DENO_DIR: denoDir() },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

function denoDir(): string {
  return Deno.env.get("DENO_DIR") ??
    `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`}/deno`;
}

/**
 * Runs argv on a fresh pseudo-terminal (util-linux `script`), typing `answer` each time a
 * passphrase prompt appears; returns the terminal output.
 */
async function runInPty(
  argv: string[],
  env: Record<string, string>,
  answer: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const quoted = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const child = new Deno.Command("script", {
    args: ["-qefc", quoted, "/dev/null"],
    env: { ...env, DENO_DIR: denoDir(), TERM: "dumb" },
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  const stderrText = new Response(child.stderr).text();
  let output = "";
  let answered = 0;
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    output += chunk;
    const prompts = output.split("Enter passphrase to unlock").length - 1;
    // Typed only once the prompt is shown, so that echo is already off.
    while (answered < prompts) {
      await writer.write(enc.encode(`${answer}\n`));
      answered++;
    }
  }
  await writer.close().catch(() => {});
  const status = await child.status;
  return { code: status.code, stdout: output, stderr: await stderrText };
}

linuxTest(
  "util-linux setsid",
  "with no terminal and no AWS_VAULT_FILE_PASSPHRASE, only get/set fail, at once",
  async () => {
    await withTempDir(async (dir) => {
      await (await open(`${dir}/keys`)).set(item("alice"));
      const before = await snapshot(`${dir}/keys`);
      const result = await runScript(
        dir,
        `console.log(JSON.stringify(await ks.keys()));
      await ks.get("missing").catch((e) => console.log("get missing:", e.name));
      await ks.get("alice").catch((e) => console.log("get:", e.message));
      await ks.set(item("bob")).catch((e) => console.log("set:", e.message));
      await ks.remove("alice");
      console.log(JSON.stringify(await ks.keys()));`,
        { setsid: true },
      );
      assertEquals(result.code, 0, result.stderr);
      const message = `no terminal to ask for the passphrase of the file keyring "${dir}/keys/"; ` +
        `set AWS_VAULT_FILE_PASSPHRASE`;
      assertEquals(
        result.stdout,
        `["alice"]\nget missing: ItemNotFoundError\nget: ${message}\nset: ${message}\n[]\n`,
      );
      assert(before.has("alice"));
      assertEquals(await listDir(`${dir}/keys`), []);
      assertNotIncludes(result.stderr, "SECRETDATA");
    });
  },
);

linuxTest(
  "util-linux script(1)",
  "on a terminal the passphrase is asked once, without echo, only when needed",
  async () => {
    await withTempDir(async (dir) => {
      await (await open(`${dir}/keys`, "typed secret")).set(item("alice"));
      const result = await runScript(
        dir,
        `console.log("keys", JSON.stringify(await ks.keys()));
      await ks.remove("alice");
      await ks.set(item("bob"));
      console.log("got", new TextDecoder().decode((await ks.get("bob")).data));`,
        { viaPty: "typed secret" },
      );
      assertEquals(result.code, 0, result.stdout + result.stderr);
      const prompt = `Enter passphrase to unlock "${dir}/keys/": `;
      assertEquals(result.stdout.split(prompt).length - 1, 1, result.stdout);
      assert(result.stdout.indexOf("keys [") < result.stdout.indexOf(prompt), "keys() did not ask");
      assertStringIncludes(result.stdout, "got SECRETDATA");
      assertNotIncludes(result.stdout, "typed secret");
      assertStringIncludes(result.stdout, '[keyring] Wrote item "bob"');
      // The file written after the prompt opens with the typed passphrase.
      assertEquals(
        dec.decode((await (await open(`${dir}/keys`, "typed secret")).get("bob")).data),
        "SECRETDATA",
      );
    });
  },
);

Deno.test("expandTilde expands only a leading ~/, as keyring's ExpandTilde", () => {
  const env = (n: string) => n === "HOME" ? "/home/u/" : undefined;
  assertEquals(expandTilde("~/.awsvault/keys/", env), "/home/u/.awsvault/keys/");
  assertEquals(expandTilde("~", env), "~");
  assertEquals(expandTilde("~other/keys", env), "~other/keys");
  assertEquals(expandTilde("/abs/~/x", env), "/abs/~/x");
  assertEquals(expandTilde("rel/dir", env), "rel/dir");
});
