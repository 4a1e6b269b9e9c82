/**
 * `aws-vault doctor`'s keystore checks end to end: the backend in use and why, the file backend's
 * passphrase source (never prompting), unreadable items, expired sessions and session locks held
 * by another process, all without changing the store.
 */
import { assertEquals, assertMatch, assertStringIncludes } from "./assert.ts";
import { tempHome } from "./run_cli.ts";
import { checkOf, checksOf, doctor, writeConfig } from "./doctor_fixtures.ts";
import { dummyKeys, homeKeystore, storeMasterKeys } from "./engine_fixtures.ts";
import { formatSessionKey } from "../keystore/key_names.ts";
import type { Item } from "../keystore/keystore.ts";
import { type OidcToken, oidcTokenItem } from "../keystore/oidc_token_item.ts";
import { linuxTest, nativeTest } from "./platform.ts";

async function inHome(fn: (home: string) => Promise<void>): Promise<void> {
  const { home, cleanup } = await tempHome();
  try {
    await writeConfig(home, "[default]\nregion = us-east-1\n[profile work]\n");
    await fn(home);
  } finally {
    await cleanup();
  }
}

function item(key: string): Item {
  return {
    key,
    data: new TextEncoder().encode("{}"),
    label: key,
    description: "",
    keychainNotTrustApplication: false,
    keychainNotSynchronizable: false,
  };
}

/** A listing of every file under `dir` with its size and mtime, to prove nothing changed. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else {
        const s = await Deno.stat(p);
        out.push(`${p} ${s.size} ${s.mtime?.getTime()}`);
      }
    }
  };
  await walk(dir);
  return out.sort();
}

linuxTest(
  "the Linux backends",
  "doctor keystore: the backend in use and why",
  () =>
    inHome(async (home) => {
      const fromEnv = await doctor(home);
      assertEquals(
        checkOf(fromEnv, "keystore", "backend").message,
        "file (from AWS_VAULT_BACKEND)",
      );
      const fromFlag = await doctor(home, ["--backend=file"], {}, ["AWS_VAULT_BACKEND"]);
      assertEquals(checkOf(fromFlag, "keystore", "backend").message, "file (from --backend)");
      // No session bus in the test environment: pass is the first backend offered.
      const byDefault = await doctor(home, [], {}, ["AWS_VAULT_BACKEND"]);
      assertMatch(
        checkOf(byDefault, "keystore", "backend").message,
        /^pass \(the first available of keyctl, pass, file; keyctl never chosen by default;/,
      );
      const unknown = await doctor(home, [], { AWS_VAULT_BACKEND: "kwallet" });
      assertEquals(checkOf(unknown, "keystore", "backend").status, "fail");
      assertEquals(unknown.code, 1);
    }),
);

Deno.test("doctor keystore: file backend without a passphrase source reports instead of asking", () =>
  inHome(async (home) => {
    await storeMasterKeys(await homeKeystore(home), "work", dummyKeys());
    const started = Date.now();
    // setsid: no controlling terminal, so a prompt is impossible and must be reported.
    const run = await doctor(home, [], {}, ["AWS_VAULT_FILE_PASSPHRASE"]);
    assertEquals(run.code, 1);
    const file = checkOf(run, "keystore", "file");
    assertEquals(file.status, "fail");
    assertStringIncludes(file.message, "no terminal to ask for the passphrase");
    assertStringIncludes(file.fix, "AWS_VAULT_FILE_PASSPHRASE");
    // Keys are file names: still listed, so the profiles are still checked.
    assertEquals(checkOf(run, "profile", "credentials", "work").status, "ok");
    assertEquals(checksOf(run, "keystore", "readable"), []);
    assertEquals(Date.now() - started < 30_000, true);
  }));

Deno.test("doctor keystore: unreadable items, expired sessions; nothing changes", () =>
  inHome(async (home) => {
    const store = await homeKeystore(home);
    await storeMasterKeys(store, "work", dummyKeys());
    const expired = formatSessionKey({
      type: "sts.GetSessionToken",
      profileName: "work",
      mfaSerial: "",
      expiration: Math.floor(Date.now() / 1000) - 60,
    });
    await store.set(item(expired));
    const fresh = formatSessionKey({
      type: "sts.GetSessionToken",
      profileName: "work",
      mfaSerial: "",
      expiration: Math.floor(Date.now() / 1000) + 3600,
    });
    await store.set(item(fresh));
    const before = await snapshot(`${home}/.awsvault`);

    const run = await doctor(home);
    const sessions = checkOf(run, "keystore", "sessions");
    assertEquals(sessions.status, "warn");
    assertStringIncludes(sessions.message, "1 expired session(s)");
    assertStringIncludes(sessions.message, "sts.GetSessionToken of work");
    assertEquals(checkOf(run, "keystore", "readable").message, "all 3 item(s) can be read");

    await Deno.writeTextFile(`${home}/.awsvault/keys/broken`, "not a jwe");
    const broken = await doctor(home);
    const readable = checkOf(broken, "keystore", "readable");
    assertEquals(readable.status, "fail");
    assertStringIncludes(readable.message, "1 item(s) cannot be read: broken");
    const wrong = await doctor(home, [], { AWS_VAULT_FILE_PASSPHRASE: "wrong" });
    assertStringIncludes(
      checkOf(wrong, "keystore", "readable").message,
      "4 item(s) cannot be read",
    );

    // The expired session is still there: doctor removes nothing.
    await Deno.remove(`${home}/.awsvault/keys/broken`);
    assertEquals(await snapshot(`${home}/.awsvault`), before);
  }));

nativeTest(
  "the lock holder's own pid (Wine reports wineserver's)",
  "doctor keystore: a session lock held by another process; no lock taken",
  () =>
    inHome(async (home) => {
      const none = await doctor(home);
      assertStringIncludes(checkOf(none, "keystore", "locks").message, "no lock directory");
      assertEquals(await Deno.stat(`${home}/.awsvault/locks`).then(() => true, () => false), false);

      const lockModule = new URL("../sts/lock.ts", import.meta.url).href;
      const holder = new Deno.Command(Deno.execPath(), {
        args: [
          "eval",
          `import { withLock } from "${lockModule}";
         await withLock("sts.GetSessionToken,d29yaw,,", async () => {
           console.log("locked");
           await new Promise((r) => setTimeout(r, 60_000));
         }, { dir: ${JSON.stringify(`${home}/.awsvault/locks`)} });`,
        ],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      try {
        const reader = holder.stdout.getReader();
        const { value } = await reader.read();
        assertEquals(new TextDecoder().decode(value).trim(), "locked");
        const held = await doctor(home);
        const lock = checkOf(held, "keystore", "locks");
        assertEquals(lock.status, "warn");
        assertStringIncludes(lock.message, `held by process ${holder.pid}`);
        reader.releaseLock();
      } finally {
        holder.kill("SIGKILL");
        await holder.status;
        await holder.stdout.cancel().catch(() => {});
      }
      const released = await doctor(home);
      const lock = checkOf(released, "keystore", "locks");
      assertEquals(lock.status, "ok");
      assertStringIncludes(lock.message, "1 lock file(s)");
    }),
);

linuxTest(
  "keyctl",
  "doctor keystore: keyctl is searched, never created, and its volatility is said",
  async () => {
    const { createKeyctlSandbox } = await import("./keyctl_sandbox.ts");
    const sandbox = await createKeyctlSandbox();
    try {
      await inHome(async (home) => {
        const before = await doctor(home, [], sandbox.env, [], sandbox.wrap);
        const probe = checkOf(before, "keystore", "keyctl");
        assertEquals(probe.status, "warn");
        assertStringIncludes(probe.message, "no keyring 'aws-vault' in the session keyring yet");
        // The search created nothing.
        assertEquals((await sandbox.keyctl(["rlist", String(sandbox.serial)])).trim(), "");

        await storeMasterKeys(sandbox.open(), "work", dummyKeys());
        const after = await doctor(home, [], sandbox.env, [], sandbox.wrap);
        assertStringIncludes(checkOf(after, "keystore", "keyctl").message, "a reboot");
        assertEquals(checkOf(after, "keystore", "readable").message, "all 1 item(s) can be read");
        assertEquals(checkOf(after, "profile", "credentials", "work").status, "ok");
      });
    } finally {
      await sandbox.cleanup();
    }
  },
);

Deno.test("doctor keystore: SSO tokens that expired and cannot be refreshed; the token is never printed", () =>
  inHome(async (home) => {
    const store = await homeKeystore(home);
    const hour = 3_600_000;
    const token = (expiration: number, refresh: boolean): OidcToken => ({
      accessToken: "access-token-that-must-not-appear",
      expiresIn: 0,
      idToken: null,
      refreshToken: refresh ? "refresh-token-that-must-not-appear" : null,
      tokenType: "Bearer",
      expiration: new Date(expiration),
      registration: refresh
        ? {
          clientId: "c",
          clientSecret: "client-secret-that-must-not-appear",
          expiresAt: new Date(Date.now() + 24 * hour),
          scopes: [],
          grantTypes: ["refresh_token"],
        }
        : undefined,
    });
    await store.set(oidcTokenItem("https://valid/start", token(Date.now() + hour, false)));
    await store.set(oidcTokenItem("https://stale/start", token(Date.now() - hour, false)));
    await store.set(oidcTokenItem("https://refresh/start", token(Date.now() - hour, true)));
    const run = await doctor(home);
    const tokens = checksOf(run, "keystore", "sso_token");
    const byUrl = Object.fromEntries(
      tokens.map((c) => [c.message.slice(0, c.message.indexOf(": ")), c]),
    );
    assertEquals(byUrl["https://valid/start"].status, "ok");
    assertEquals(byUrl["https://stale/start"].status, "warn");
    assertStringIncludes(byUrl["https://stale/start"].message, "opens the browser");
    assertEquals(byUrl["https://refresh/start"].status, "ok");
    assertStringIncludes(byUrl["https://refresh/start"].message, "refreshed without a sign-in");
    assertEquals(run.stdout.includes("must-not-appear"), false);
  }));
