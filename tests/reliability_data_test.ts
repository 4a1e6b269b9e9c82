/**
 * Issue 10, "Data" and "Hostile or huge inputs", through the CLI as a user runs it: parallel `add`s
 * keep every config section, `add` edits only regular files (through symlinks, keeping mode and
 * owner, refusing read-only files and devices), stale temp files of ours are removed, and files that
 * are FIFOs, devices or huge are refused with a clear error instead of hanging or filling memory.
 *
 * Devices are made with mknod in a temp dir (never the real /dev/null or /dev/zero); those tests
 * run only where mknod works (root). Every test here is bounded to a few seconds.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./assert.ts";
import { type CliResult, type FileStoreHome, runCli, withFileStoreHome } from "./run_cli.ts";
import { posixTest } from "./platform.ts";

const PASSPHRASE = "reliability-data-test";

type Home = FileStoreHome;

function withHome(fn: (h: Home) => Promise<void>): Promise<void> {
  return withFileStoreHome(PASSPHRASE, fn, {
    AWS_VAULT_BACKEND: "file",
    AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
    AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  });
}

function cli(h: Home, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { home: h.home, env: { ...h.env, ...env } });
}

function mknod(path: string, type: "c" | "p", major = 0, minor = 0): boolean {
  const args = type === "p" ? [path, "p"] : [path, "c", `${major}`, `${minor}`];
  try {
    return new Deno.Command("mknod", { args, stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

/** Whether this machine lets us make device nodes (root); decided once, in a scratch dir. */
const canMakeDevices = (() => {
  const dir = Deno.makeTempDirSync({ prefix: "aws-vault-mknod-" });
  try {
    return mknod(`${dir}/probe`, "c", 1, 3);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
})();
const isRoot = Deno.uid() === 0;

const HOUR_AGO = new Date(Date.now() - 3_600_000);

Deno.test("add: parallel adds keep every profile section (config edited under a lock)", async () => {
  await withHome(async (h) => {
    await Deno.writeTextFile(h.config, "# mine\n[default]\nregion = eu-west-1\n");
    const names = Array.from({ length: 10 }, (_, i) => `c${i}`);
    const results = await Promise.all(names.map((n) => cli(h, ["add", "--env", n])));
    for (const r of results) assertEquals(r.code, 0, r.stderr);
    const text = await Deno.readTextFile(h.config);
    for (const n of names) assertStringIncludes(text, `[profile ${n}]\n`);
    assert(text.startsWith("# mine\n[default]\nregion = eu-west-1\n"), text);
  });
});

posixTest(
  "POSIX symlinks",
  "add: a symlinked config is edited at its target; the link stays a link",
  async () => {
    await withHome(async (h) => {
      const target = `${h.home}/dotfiles/aws-config`;
      await Deno.mkdir(`${h.home}/dotfiles`);
      await Deno.writeTextFile(target, "[profile a]\n");
      await Deno.chmod(target, 0o640);
      await Deno.symlink(target, h.config);
      const r = await cli(h, ["add", "--env", "b"]);
      assertEquals(r.code, 0, r.stderr);
      assert((await Deno.lstat(h.config)).isSymlink, "the symlink was replaced");
      assertEquals(await Deno.readTextFile(target), "[profile a]\n\n[profile b]\n");
      assertEquals((await Deno.stat(target)).mode! & 0o777, 0o640);
    });
  },
);

posixTest(
  "POSIX read-only modes",
  "add: a read-only config is refused, not rewritten",
  async () => {
    await withHome(async (h) => {
      await Deno.writeTextFile(h.config, "[profile a]\n");
      await Deno.chmod(h.config, 0o444);
      const r = await cli(h, ["add", "--env", "b"]);
      assertEquals(r.code, 1);
      assertStringIncludes(r.stderr, `${h.config} is read-only (mode 0444); not changing it`);
      assertEquals(await Deno.readTextFile(h.config), "[profile a]\n");
      // The credentials are stored all the same; only the config edit was refused.
      assertStringIncludes(r.stdout, 'Added credentials to profile "b" in vault');
    });
  },
);

Deno.test({
  name: "add: another user's config keeps its owner, group and mode",
  ignore: !isRoot,
  fn: async () => {
    await withHome(async (h) => {
      await Deno.writeTextFile(h.config, "[profile a]\n");
      await Deno.chown(h.config, 4242, 4343);
      await Deno.chmod(h.config, 0o664);
      const r = await cli(h, ["add", "--env", "b"]);
      assertEquals(r.code, 0, r.stderr);
      const info = await Deno.stat(h.config);
      assertEquals([info.uid, info.gid, info.mode! & 0o777], [4242, 4343, 0o664]);
      assertEquals(await Deno.readTextFile(h.config), "[profile a]\n\n[profile b]\n");
    });
  },
});

Deno.test({
  name: "add: a null device as the config is read as empty and never replaced",
  ignore: !canMakeDevices,
  fn: async () => {
    await withHome(async (h) => {
      const nul = `${h.home}/null-device`;
      assert(mknod(nul, "c", 1, 3));
      const r = await cli(h, ["add", "--env", "x"], { AWS_CONFIG_FILE: nul });
      assertEquals(r.code, 1);
      assertStringIncludes(
        r.stderr,
        `Error adding profile: ${nul} is a character device, not a regular file; not changing it`,
      );
      assert((await Deno.lstat(nul)).isCharDevice, "the device node was replaced");
      const list = await cli(h, ["list", "--credentials"], { AWS_CONFIG_FILE: nul });
      assertEquals([list.code, list.stdout], [0, "x\n"], list.stderr);
    });
  },
});

Deno.test("add: stale temp files of ours are removed, fresh ones and others' files kept", async () => {
  await withHome(async (h) => {
    await Deno.writeTextFile(h.config, "");
    const staleConfigTemp = `${h.home}/.aws/.config.0123abcd.tmp`;
    const freshConfigTemp = `${h.home}/.aws/.config.89abcdef.tmp`;
    const notOurs = `${h.home}/.aws/.config.notours.tmp`;
    await Deno.mkdir(h.keys, { mode: 0o700 });
    const staleItemTemp = `${h.keys}/.x.tmp-0123456789ab`;
    for (const path of [staleConfigTemp, freshConfigTemp, notOurs, staleItemTemp]) {
      await Deno.writeTextFile(path, "partial");
    }
    for (const path of [staleConfigTemp, notOurs, staleItemTemp]) {
      await Deno.utime(path, HOUR_AGO, HOUR_AGO);
    }
    const r = await cli(h, ["add", "--env", "x"]);
    assertEquals(r.code, 0, r.stderr);
    const exists = (p: string) => Deno.lstat(p).then(() => true, () => false);
    assertEquals(
      await Promise.all([staleConfigTemp, freshConfigTemp, notOurs, staleItemTemp].map(exists)),
      [false, true, true, false],
    );

    // remove cleans the store too.
    const staleAgain = `${h.keys}/.y.tmp-ba9876543210`;
    await Deno.writeTextFile(staleAgain, "partial");
    await Deno.utime(staleAgain, HOUR_AGO, HOUR_AGO);
    const removed = await cli(h, ["remove", "--force", "x"]);
    assertEquals(removed.code, 0, removed.stderr);
    assertEquals(await exists(staleAgain), false);
  });
});

posixTest(
  "mkfifo",
  "a FIFO as the config (also for doctor), a store item or a token file is refused at once",
  async () => {
    await withHome(async (h) => {
      const fifo = `${h.home}/fifo`;
      assert(mknod(fifo, "p"), "mkfifo failed");

      const list = await cli(h, ["list"], { AWS_CONFIG_FILE: fifo });
      assertEquals(list.code, 1);
      assertStringIncludes(
        list.stderr,
        `Error loading config file ${fifo}: is a FIFO, not a regular file`,
      );

      await Deno.writeTextFile(
        h.config,
        "[profile wi]\nregion = us-east-1\nrole_arn = arn:aws:iam::111122223333:role/r\n" +
          `web_identity_token_file = ${fifo}\n`,
      );
      const wi = await cli(h, ["export", "wi"]);
      assertEquals(wi.code, 1);
      assertStringIncludes(wi.stderr, `unable to read file at ${fifo}: ${fifo} is a FIFO`);

      const doctor = await cli(h, ["doctor"], { AWS_CONFIG_FILE: fifo });
      assertEquals(doctor.code, 1);
      assertStringIncludes(doctor.stdout, `${fifo} is a FIFO, not a regular file`);

      await Deno.mkdir(h.keys, { recursive: true, mode: 0o700 });
      assert(mknod(`${h.keys}/item`, "p"));
      const item = await cli(h, ["export", "--no-session", "item"]);
      assertEquals(item.code, 1);
      assertStringIncludes(
        item.stderr,
        `keyring item ${h.keys}/item is a FIFO, not a regular file`,
      );
    });
  },
);

Deno.test({
  name: "a zero device as the config or a store item is refused, not read forever",
  ignore: !canMakeDevices,
  fn: async () => {
    await withHome(async (h) => {
      const zero = `${h.home}/zero-device`;
      assert(mknod(zero, "c", 1, 5));
      const list = await cli(h, ["list"], { AWS_CONFIG_FILE: zero });
      assertEquals(list.code, 1);
      assertStringIncludes(list.stderr, `${zero}: is a character device, not a regular file`);

      await Deno.mkdir(h.keys, { mode: 0o700 });
      assert(mknod(`${h.keys}/item`, "c", 1, 5));
      const item = await cli(h, ["export", "--no-session", "item"]);
      assertEquals(item.code, 1);
      assertStringIncludes(item.stderr, "is a character device, not a regular file");
    });
  },
});

Deno.test("a config over 32 MiB and an item over 1 MiB are refused with their limit", async () => {
  await withHome(async (h) => {
    // Sparse files: the size is checked before anything is read.
    const big = await Deno.open(h.config, { write: true, create: true, truncate: true });
    await big.truncate(32 * 1024 * 1024 + 1);
    big.close();
    const list = await cli(h, ["list"]);
    assertEquals(list.code, 1);
    assertMatch(list.stderr, /config: is larger than 32 MiB, the most this tool reads\n$/);

    await Deno.writeTextFile(h.config, "");
    await Deno.mkdir(h.keys, { mode: 0o700 });
    const item = await Deno.open(`${h.keys}/big`, { write: true, createNew: true });
    await item.truncate(1024 * 1024 + 1);
    item.close();
    const exported = await cli(h, ["export", "--no-session", "big"]);
    assertEquals(exported.code, 1);
    assertStringIncludes(exported.stderr, `${h.keys}/big is larger than 1 MiB`);
  });
});

posixTest(
  "sh and seq",
  "an mfa_process that floods stdout is stopped with a clear error",
  async () => {
    await withHome(async (h) => {
      const added = await cli(h, ["add", "--env", "m"]);
      assertEquals(added.code, 0, added.stderr);
      await Deno.writeTextFile(
        h.config,
        "[profile m]\nregion = us-east-1\nmfa_serial = arn:aws:iam::111122223333:mfa/u\n" +
          // Bounded (6.9 MB), so that the test ends even where the output is not limited.
          "mfa_process = seq 1 1000000\n",
      );
      // Nothing listens there: no request may leave this machine whatever happens.
      const r = await cli(h, ["export", "m"], { AWS_ENDPOINT_URL: "http://127.0.0.1:9" });
      assertEquals(r.code, 1);
      assertStringIncludes(r.stderr, "process provider: wrote more than 1 MiB to stdout");
    });
  },
);
