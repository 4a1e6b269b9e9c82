/**
 * `migrate-backend` with real stores: a round trip file -> pass -> secret-service -> kwallet ->
 * keyctl -> file (gnome-keyring and kwalletd5 on one private bus, a throwaway pass store, a
 * sandbox kernel keyring), the fork's messages and safety rules, and runs killed with SIGKILL at
 * arbitrary points that lose nothing and finish when run again.
 */
import { assert, assertEquals, assertNotIncludes, assertStringIncludes } from "./assert.ts";
import { startKWallet, startSecretService, startSessionBus } from "./keystore_env.ts";
import { createPassStore, type PassStore } from "./pass_store.ts";
import { createKeyctlSandbox, type KeyctlSandbox } from "./keyctl_sandbox.ts";
import { baseEnv, cliCommand, type CliResult, runCli, tempHome } from "./run_cli.ts";
import { masterCredentialsItem, sessionItem } from "../keystore/credential_items.ts";
import { keystoreOptions, openTestFileStore } from "./file_store.ts";
import { openPassKeystore } from "../keystore/pass.ts";
import { ItemNotFoundError, type Keystore } from "../keystore/keystore.ts";
import { bytesToBase64 } from "../keystore/item_json.ts";
import { linuxTest } from "./platform.ts";

const decoder = new TextDecoder();
const PASSPHRASE = "migrate-test-passphrase";

function secretFor(profile: string): string {
  return `secret-of-${profile.replace(/[^a-z]/g, "")}-Mig${profile.length}`;
}

function credsFor(profile: string) {
  return {
    accessKeyId: `AKIAMIGRATE${String(profile.length).padStart(9, "0")}`,
    secretAccessKey: secretFor(profile),
    sessionToken: "",
  };
}

function fileStore(home: string): Promise<Keystore> {
  return openTestFileStore(`${home}/keys`, PASSPHRASE);
}

/** Environment that points every backend's CLI options at the test's stores. */
function storeEnv(home: string, pass: PassStore, sandbox?: KeyctlSandbox): Record<string, string> {
  return {
    AWS_VAULT_FILE_DIR: `${home}/keys`,
    AWS_VAULT_FILE_PASSPHRASE: PASSPHRASE,
    AWS_VAULT_PASS_CMD: pass.passCmd,
    AWS_VAULT_PASS_PASSWORD_STORE_DIR: pass.storeDir,
    AWS_VAULT_PASS_PREFIX: "aws-vault",
    // gnome-keyring's login collection exists and is unlocked: no dialog to answer.
    AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME: "login",
    ...(sandbox ? { AWS_VAULT_KEYCTL_SCOPE: "session" } : {}),
  };
}

function summary(copied: number, overwritten: number, skipped: number, deleted: number) {
  return `\nMigration summary:\n  copied: ${copied}\n  overwritten: ${overwritten}\n` +
    `  skipped: ${skipped}\n  deleted from source: ${deleted}\n`;
}

function assertNoSecrets(result: CliResult, profiles: string[]): void {
  for (const p of profiles) {
    assertNotIncludes(result.stdout + result.stderr, secretFor(p), "a secret was printed");
  }
}

linuxTest(
  "the Linux keystores (pass, D-Bus, keyctl)",
  "migrate-backend: file -> pass -> secret-service -> kwallet -> keyctl -> file",
  async () => {
    const bus = await startSessionBus();
    const pass = await createPassStore();
    const sandbox = await createKeyctlSandbox();
    try {
      await startSecretService("test-password", bus);
      await startKWallet("aws-vault", bus);
      const home = bus.env.HOME;
      await Deno.mkdir(`${home}/.aws`, { recursive: true });
      const env = { ...bus.env, ...storeEnv(home, pass, sandbox) };
      const cli = (args: string[]) => runCli(args, { home, env, wrap: sandbox.wrap });

      const profiles = ["alice", "team/prod", "ünïcødé"];
      const file = await fileStore(home);
      const originals = new Map<string, Uint8Array>();
      for (const p of profiles) {
        const item = masterCredentialsItem(p, credsFor(p));
        originals.set(p, item.data);
        await file.set(item);
      }
      // Caches stay behind: a session and an SSO token.
      const sessionKey = "sts.GetSessionToken,YWxpY2U,,1795342103";
      await file.set(sessionItem(sessionKey, "alice", {
        ...credsFor("alice"),
        sessionToken: "token",
        expiration: new Date(1795342103000),
      }));
      await file.set({ ...masterCredentialsItem("x", credsFor("x")), key: "oidc:https://x/start" });

      const moved = (extra = "") =>
        profiles.map((p) => `Migrating ${p}... copied, verified${extra}\n`).join("");
      const chain = ["file", "pass", "secret-service", "kwallet", "keyctl", "file"];
      for (let i = 0; i + 1 < chain.length; i++) {
        const [from, to] = [chain[i], chain[i + 1]];
        const r = await cli(["migrate-backend", "--from", from, "--to", to, "--delete-source"]);
        assertEquals(r.code, 0, `${from} -> ${to}: ${r.stderr}`);
        const note = from === "file"
          ? "\n2 cached session(s) and SSO token(s) were not migrated and remain in file; " +
            "'aws-vault --backend=file clear' removes them.\n"
          : "";
        assertEquals(r.stdout, moved(", deleted source") + summary(3, 0, 0, 3) + note);
        assertEquals(r.stderr, "");
        assertNoSecrets(r, profiles);
        const left = await cli([`--backend=${from}`, "list", "--credentials"]);
        assertEquals(left.stdout, "", `${from} still lists credentials`);
        const arrived = await cli([`--backend=${to}`, "list", "--credentials"]);
        assertEquals(arrived.stdout.split("\n").filter(Boolean).sort(), profiles);

        if (to === "pass") {
          // pass holds keyring's Item JSON around the very bytes the file held.
          const shown = await pass.pass(["show", "aws-vault/alice"]);
          const item = JSON.parse(shown.stdout);
          assertEquals(item.Data, bytesToBase64(originals.get("alice")!));
          assertEquals(item.Label, "aws-vault (alice)");
        }
        if (to === "keyctl") {
          const ring =
            (await sandbox.keyctl(["search", String(sandbox.serial), "keyring", "aws-vault"]))
              .trim();
          const key = (await sandbox.keyctl(["search", ring, "user", "team/prod"])).trim();
          assertEquals(
            await sandbox.keyctl(["pipe", key]),
            decoder.decode(originals.get("team/prod")),
          );
        }
      }

      // Back in the file store: the same bytes, the caches untouched, and the CLI uses them.
      for (const p of profiles) {
        assertEquals(decoder.decode((await file.get(p)).data), decoder.decode(originals.get(p)));
      }
      assertEquals(
        (await file.keys()).sort(),
        [...profiles, "oidc:https://x/start", sessionKey].sort(),
      );
      const exp = await cli([
        "--backend=file",
        "export",
        "--no-session",
        "--format=json",
        "team/prod",
      ]);
      assertEquals(exp.code, 0, exp.stderr);
      assertEquals(JSON.parse(exp.stdout).SecretAccessKey, secretFor("team/prod"));
    } finally {
      await sandbox.cleanup();
      await pass.cleanup();
      await bus.cleanup();
    }
  },
);

linuxTest(
  "the Linux keystores (pass, D-Bus, keyctl)",
  "migrate-backend: the fork's flags, messages and safety rules (file and keyctl)",
  async () => {
    const { home, cleanup } = await tempHome();
    const sandbox = await createKeyctlSandbox();
    try {
      const env = {
        AWS_VAULT_FILE_DIR: `${home}/keys`,
        AWS_VAULT_FILE_PASSPHRASE: PASSPHRASE,
        AWS_VAULT_KEYCTL_SCOPE: "session",
      };
      const cli = (args: string[]) => runCli(args, { home, env, wrap: sandbox.wrap });
      const file = await fileStore(home);
      const keyctl = sandbox.open();
      for (const p of ["b", "a", "c"]) await file.set(masterCredentialsItem(p, credsFor(p)));

      const usage = async (args: string[], message: string) => {
        const r = await cli(["migrate-backend", ...args]);
        assertEquals([r.code, r.stderr], [1, `aws-vault: error: ${message}\n`]);
        assertEquals(r.stdout, "");
      };
      await usage([], "required flag --from not provided, try --help");
      await usage(["--from", "file"], "required flag --to not provided, try --help");
      await usage(
        ["--from", "file", "--to", "op"],
        "--to value must be one of keyctl,pass,file, got 'op', try --help",
      );
      await usage(
        ["--from", "file", "--to", "file"],
        "migrate-backend: source and destination backends must differ",
      );
      await usage(
        ["--from", "file", "--to", "keyctl", "--profile", "zed"],
        'migrate-backend: profile "zed" not found in source backend',
      );
      await usage(
        ["--from", "file", "--to", "keyctl", "--profile", "oidc:https://x/start"],
        'migrate-backend: profile "oidc:https://x/start" not found in source backend',
      );

      const dry = await cli(["migrate-backend", "--from", "file", "--to", "keyctl", "--dry-run"]);
      assertEquals(
        dry.stdout,
        "Would migrate 3 credential profile(s) from file to keyctl:\n  a\n  b\n  c\n\nNo changes made.\n",
      );
      assertEquals(await keyctl.keys(), []);
      const empty = await cli(["migrate-backend", "--from", "keyctl", "--to", "file"]);
      assertEquals([empty.code, empty.stdout], [
        0,
        "No credentials found in source backend keyctl.\n",
      ]);

      const one = await cli([
        "migrate-backend",
        "--from",
        "file",
        "--to",
        "keyctl",
        "--profile",
        "b",
      ]);
      assertEquals(one.stdout, "Migrating b... copied, verified\n" + summary(1, 0, 0, 0));
      assertEquals(await keyctl.keys(), ["b"]);

      // "a" exists in the destination with other credentials; "b" with the same ones.
      await keyctl.set(masterCredentialsItem("a", { ...credsFor("a"), secretAccessKey: "other" }));
      const keep = await cli(["migrate-backend", "--from", "file", "--to", "keyctl"]);
      assertEquals(
        keep.stdout,
        "Migrating a... skipped, already exists in destination\n" +
          "Migrating b... skipped, already exists in destination\n" +
          "Migrating c... copied, verified\n" + summary(1, 0, 2, 0),
      );
      const del = await cli([
        "migrate-backend",
        "--from",
        "file",
        "--to",
        "keyctl",
        "--delete-source",
      ]);
      assertEquals(
        del.stdout,
        "Migrating a... skipped, already exists in destination with different credentials, " +
          "source kept\n" +
          "Migrating b... skipped, already exists in destination with the same credentials, " +
          "deleted source\n" +
          "Migrating c... skipped, already exists in destination with the same credentials, " +
          "deleted source\n" + summary(0, 0, 3, 2),
      );
      assertEquals(await file.keys(), ["a"]);
      const over = await cli([
        "--debug",
        "migrate-backend",
        "--from=file",
        "--to=keyctl",
        "--overwrite",
        "--delete-source",
      ]);
      assertEquals(
        over.stdout,
        "Migrating a... overwritten, verified, deleted source\n" + summary(0, 1, 0, 1),
      );
      assertStringIncludes(decoder.decode((await keyctl.get("a")).data), secretFor("a"));
      assertEquals(await file.keys(), []);
      // --debug output exists but holds no secret (nor does stdout).
      assertStringIncludes(over.stderr, "aws-vault v");
      assertNoSecrets(over, ["a"]);

      // Unreadable source data stops the run before anything is written or deleted.
      await keyctl.set({
        ...masterCredentialsItem("bad", credsFor("bad")),
        data: new TextEncoder().encode("{not json"),
      });
      const bad = await cli([
        "migrate-backend",
        "--from",
        "keyctl",
        "--to",
        "file",
        "--delete-source",
      ]);
      assertEquals(bad.code, 1);
      assertEquals(
        bad.stdout,
        "Migrating a... copied, verified, deleted source\n" +
          "Migrating b... copied, verified, deleted source\n" +
          'Migrating bad... failed: read source profile "bad": Invalid data in keyring: not valid JSON\n' +
          "Migration stopped. Source credentials were not deleted for the failed profile.\n",
      );
      assertEquals(
        bad.stderr,
        'aws-vault: error: migrate-backend: read source profile "bad": Invalid data in keyring: ' +
          "not valid JSON\n",
      );
      assertEquals((await keyctl.keys()).sort(), ["bad", "c"]);
      assertEquals((await file.keys()).sort(), ["a", "b"]);
    } finally {
      await sandbox.cleanup();
      await cleanup();
    }
  },
);

/** Starts the CLI, waits for `lines` result lines on stdout, waits `delayMs`, then SIGKILLs it. */
async function killMidway(
  args: string[],
  env: Record<string, string>,
  home: string,
  lines: number,
  delayMs: number,
) {
  const [exe, ...pre] = cliCommand();
  const child = new Deno.Command(exe, {
    args: [...pre, ...args],
    env: { ...baseEnv(home), ...env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while ((out.match(/deleted source\n/g) ?? []).length < lines) {
    const { value, done } = await reader.read();
    if (done) break;
    out += value;
  }
  await new Promise((r) => setTimeout(r, delayMs));
  try {
    child.kill("SIGKILL");
  } catch {
    // It finished first (a quiet machine migrates 16 profiles fast): counted as not killed.
  }
  await reader.cancel().catch(() => {});
  const status = await child.status;
  return { out, killed: status.signal === "SIGKILL" };
}

linuxTest(
  "the Linux keystores (pass, D-Bus, keyctl)",
  "migrate-backend: a run killed with SIGKILL loses nothing and a re-run finishes it",
  async () => {
    const { home, cleanup } = await tempHome();
    const pass = await createPassStore();
    try {
      const env = storeEnv(home, pass);
      const profiles = Array.from({ length: 16 }, (_, i) => `p${String(i).padStart(2, "0")}`);
      const file = await fileStore(home);
      const dst = await openPassKeystore(
        keystoreOptions({ passDir: pass.storeDir, passCmd: pass.passCmd, passPrefix: "aws-vault" }),
      );
      for (const p of profiles) await file.set(masterCredentialsItem(p, credsFor(p)));
      const args = ["migrate-backend", "--from", "file", "--to", "pass", "--delete-source"];

      /** Every profile is in the source or the destination (or both), with its own secret. */
      const assertNothingLost = async () => {
        for (const p of profiles) {
          const copies = [];
          for (const store of [file, dst]) {
            try {
              copies.push(decoder.decode((await store.get(p)).data));
            } catch (err) {
              if (!(err instanceof ItemNotFoundError)) throw err;
            }
          }
          assert(copies.length > 0, `${p} is in neither store`);
          for (const c of copies) assertStringIncludes(c, secretFor(p));
        }
      };

      let killedRuns = 0;
      // Killed right after a profile is done, and a little into the next one; each run moves a
      // few profiles, so the later runs still find some left.
      for (const [lines, delay] of [[2, 0], [2, 30], [3, 80]]) {
        const { killed } = await killMidway(args, env, home, lines, delay);
        if (killed) killedRuns++;
        await assertNothingLost();
      }
      assert(killedRuns >= 2, "the runs finished before they could be killed");
      assert((await file.keys()).length > 0, "nothing was left for the re-run");

      const rerun = await runCli(args, { home, env });
      assertEquals(rerun.code, 0, rerun.stderr);
      assertStringIncludes(rerun.stdout, "Migration summary:");
      assertEquals(await file.keys(), []);
      assertEquals((await dst.keys()).sort(), profiles);
      await assertNothingLost();
    } finally {
      await pass.cleanup();
      await cleanup();
    }
  },
);
