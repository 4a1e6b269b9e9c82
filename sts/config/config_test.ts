import { assert, assertEquals, assertRejects, assertStringIncludes } from "../../tests/assert.ts";
import { UserError } from "../../lib/errors.ts";
import {
  addProfileSection,
  configFilePath,
  credentialsFilePath,
  loadConfigFile,
} from "./config.ts";
import { assertMode, posixTest } from "../../tests/platform.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "aws-vault-config-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function configWith(dir: string, text: string) {
  const path = `${dir}/config`;
  await Deno.writeTextFile(path, text);
  return await loadConfigFile(path);
}

Deno.test("configFilePath: AWS_CONFIG_FILE, ~ expansion, else ~/.aws/config", () => {
  const env = (vars: Record<string, string>) => (n: string) => vars[n];
  assertEquals(configFilePath(env({ HOME: "/h", AWS_CONFIG_FILE: "/x/cfg" })), "/x/cfg");
  assertEquals(configFilePath(env({ HOME: "/h", AWS_CONFIG_FILE: "~/cfg" })), "/h/cfg");
  assertEquals(configFilePath(env({ HOME: "/h" })), "/h/.aws/config");
  assertEquals(configFilePath(env({ HOME: "/h", AWS_CONFIG_FILE: "" })), "/h/.aws/config");
});

Deno.test("credentialsFilePath: AWS_SHARED_CREDENTIALS_FILE, ~ expansion, else ~/.aws/credentials", () => {
  const env = (vars: Record<string, string>) => (n: string) => vars[n];
  const v = "AWS_SHARED_CREDENTIALS_FILE";
  assertEquals(credentialsFilePath(env({ HOME: "/h", [v]: "/x/creds" })), "/x/creds");
  assertEquals(credentialsFilePath(env({ HOME: "/h", [v]: "~/creds" })), "/h/creds");
  assertEquals(credentialsFilePath(env({ HOME: "/h" })), "/h/.aws/credentials");
});

Deno.test("loadConfigFile: creates a missing directory (0700, one level) and an empty file", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/.aws/config`;
    const file = await loadConfigFile(path);
    assertEquals(file.path, path);
    assertEquals(file.profileNames(), []);
    assertEquals(await Deno.readTextFile(path), "");
    await assertMode(`${dir}/.aws`, 0o700);
    // Only one level is created, as aws-vault does.
    await assertRejects(() => loadConfigFile(`${dir}/a/b/config`), UserError, `${dir}/a/b/config`);
  });
});

Deno.test("loadConfigFile: a malformed line is an error naming the file and the line", async () => {
  await withTempDir(async (dir) => {
    const text = "[default]\nregion = us-east-1\n\n[profile a]\n# ok\nrole_arn = r\nmfa_serial\n";
    await Deno.writeTextFile(`${dir}/config`, text);
    const err = await assertRejects(() => loadConfigFile(`${dir}/config`), UserError);
    assertEquals(
      err.message,
      `Error parsing config file ${dir}/config: line 7: expected a [section] header, a comment or a key = value setting`,
    );
  });
});

Deno.test("profileNames: file order, [default] only when it sets a known key, no duplicates", async () => {
  await withTempDir(async (dir) => {
    const text = [
      "[profile zeta]",
      "[default]",
      "output = json",
      "[sso-session corp]",
      "sso_start_url = https://x/start",
      "[profile alpha]",
      "region = x",
      "[services local]",
      "[something else]",
      "[profile default]",
      "[sso-session other]",
    ].join("\n");
    const file = await configWith(dir, text);
    assertEquals(file.profileNames(), ["zeta", "alpha", "default"]);
    assertEquals(file.ssoSessionNames(), ["corp", "other"]);
    // [default] exists (even without known keys), so `add default` must not append another.
    assert(file.hasProfile("default"));
    assert(file.hasProfile("zeta"));
    assert(!file.hasProfile("corp"));

    const withRegion = await configWith(dir, "[profile b]\n[default]\nregion = x\n");
    assertEquals(withRegion.profileNames(), ["b", "default"]);
  });
});

Deno.test("profileNames: [profile default] is listed but is not the section of 'default'", async () => {
  await withTempDir(async (dir) => {
    const file = await configWith(dir, "[profile default]\nregion = x\n");
    assertEquals(file.profileNames(), ["default"]);
    assertEquals(file.hasProfile("default"), false);
  });
});

Deno.test("addProfileSection: appends the section and keeps every existing byte", async () => {
  await withTempDir(async (dir) => {
    const original = [
      "# my settings",
      "[default]",
      "region    =   us-east-1   ; comment kept",
      "",
      "[profile alice]",
      "mfa_serial = arn:aws:iam::111111111111:mfa/alice",
      "s3 =",
      "    max_concurrent_requests = 20",
      "",
    ].join("\n");
    const file = await configWith(dir, original);
    await Deno.chmod(`${dir}/config`, 0o640);
    assertEquals(await addProfileSection(file, "bob"), true);
    assertEquals(await Deno.readTextFile(`${dir}/config`), original + "\n[profile bob]\n");
    await assertMode(`${dir}/config`, 0o640);
    assert(file.hasProfile("bob"));
    assertEquals(file.profileNames(), ["default", "alice", "bob"]);

    assertEquals(await addProfileSection(file, "bob"), false);
    assertEquals(await addProfileSection(file, "alice"), false);
    assertEquals(await Deno.readTextFile(`${dir}/config`), original + "\n[profile bob]\n");
    // No temp files are left behind.
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["config"]);
  });
});

Deno.test("addProfileSection: default, missing final newline, empty file, CRLF", async () => {
  await withTempDir(async (dir) => {
    const file = await configWith(dir, "[profile a]\nregion = x");
    assertEquals(await addProfileSection(file, "default"), true);
    assertEquals(
      await Deno.readTextFile(`${dir}/config`),
      "[profile a]\nregion = x\n\n[default]\n",
    );

    const empty = await configWith(dir, "");
    assertEquals(await addProfileSection(empty, "x"), true);
    assertEquals(await Deno.readTextFile(`${dir}/config`), "[profile x]\n");

    const blankEnd = await configWith(dir, "[profile a]\n\n");
    assertEquals(await addProfileSection(blankEnd, "b"), true);
    assertEquals(await Deno.readTextFile(`${dir}/config`), "[profile a]\n\n[profile b]\n");

    const crlf = await configWith(dir, "[profile a]\r\nregion = x\r\n");
    assertEquals(await addProfileSection(crlf, "b"), true);
    assertEquals(
      await Deno.readTextFile(`${dir}/config`),
      "[profile a]\r\nregion = x\r\n\r\n[profile b]\r\n",
    );
  });
});

posixTest(
  "POSIX symlinks",
  "addProfileSection: keeps edits made after loading; updates a symlink's target",
  async () => {
    await withTempDir(async (dir) => {
      await Deno.mkdir(`${dir}/dotfiles`);
      await Deno.writeTextFile(`${dir}/dotfiles/config`, "[profile a]\n");
      await Deno.symlink(`${dir}/dotfiles/config`, `${dir}/config`);
      const file = await loadConfigFile(`${dir}/config`);
      await Deno.writeTextFile(`${dir}/config`, "[profile a]\n[profile later]\n");
      assertEquals(await addProfileSection(file, "later"), false);
      assertEquals(await addProfileSection(file, "b"), true);
      assert((await Deno.lstat(`${dir}/config`)).isSymlink);
      assertEquals(
        await Deno.readTextFile(`${dir}/dotfiles/config`),
        "[profile a]\n[profile later]\n\n[profile b]\n",
      );
    });
  },
);

Deno.test("addProfileSection: refuses a name that would corrupt the file", async () => {
  await withTempDir(async (dir) => {
    const file = await configWith(dir, "[profile a]\n");
    const err = await assertRejects(() => addProfileSection(file, "x\ny"), UserError);
    assertStringIncludes(err.message, "cannot be written as a section header");
    await assertRejects(() => addProfileSection(file, "x\ry"), UserError);
    assertEquals(await Deno.readTextFile(`${dir}/config`), "[profile a]\n");
  });
});
