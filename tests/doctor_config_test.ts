/**
 * `aws-vault doctor` end to end: each config and environment check with a set-up that triggers
 * it and one that does not, the output formats and the exit code, and that doctor changes
 * nothing and prints no secret.
 */
import { assertEquals, assertMatch, assertNotIncludes, assertStringIncludes } from "./assert.ts";
import { tempHome } from "./run_cli.ts";
import { checkOf, checksOf, doctor, doctorRaw, writeConfig } from "./doctor_fixtures.ts";
import { dummyKeys, homeKeystore, storeMasterKeys } from "./engine_fixtures.ts";
import { linuxTest, nativeTest, posixTest } from "./platform.ts";

async function inHome(fn: (home: string) => Promise<void>): Promise<void> {
  const { home, cleanup } = await tempHome();
  try {
    await fn(home);
  } finally {
    await cleanup();
  }
}

Deno.test("doctor: a healthy set-up is all ok and exits 0, in text and JSON", () =>
  inHome(async (home) => {
    await writeConfig(
      home,
      "[default]\nregion = eu-west-1\n\n[profile work]\nmfa_serial = arn:aws:iam::1:mfa/u\n",
    );
    await storeMasterKeys(await homeKeystore(home), "work", dummyKeys());
    const run = await doctor(home);
    assertEquals(run.code, 0, run.stdout);
    const bad = run.groups.flatMap((g) => g.checks.filter((c) => c.status === "fail"));
    assertEquals(bad, []);
    assertEquals(
      checkOf(run, "profile", "credentials", "work").message,
      "stored keys in the keystore",
    );
    assertEquals(checkOf(run, "profile", "region", "work").message, "eu-west-1");
    assertEquals(checkOf(run, "config", "syntax").status, "ok");

    const text = await doctorRaw(home, ["doctor"]);
    assertEquals(text.code, 0);
    assertMatch(text.stdout, /^profile work\n {2}ok {4}keys: /m);
    assertMatch(text.stdout, /\d+ ok, \d+ warn, 0 fail\n$/);
  }));

Deno.test("doctor: the config file, which variable chose it, and a missing one is not created", () =>
  inHome(async (home) => {
    await Deno.remove(`${home}/.aws`, { recursive: true });
    const missing = await doctor(home, [], { AWS_CONFIG_FILE: `${home}/.aws/config` });
    const file = checkOf(missing, "config", "file");
    assertEquals(file.status, "warn");
    assertStringIncludes(file.message, "chosen by AWS_CONFIG_FILE");
    assertStringIncludes(file.message, "does not exist");
    // Nothing created: neither the config nor the keystore directory.
    assertEquals(await exists(`${home}/.aws`), false);
    assertEquals(await exists(`${home}/.awsvault`), false);

    await Deno.mkdir(`${home}/.aws`);
    await writeConfig(home, "[profile a]\nregion = us-east-1\n");
    const found = await doctor(home, [], { AWS_CONFIG_FILE: "" });
    assertEquals(checkOf(found, "config", "file").status, "ok");
    assertStringIncludes(checkOf(found, "config", "file").message, "the default location");
  }));

Deno.test("doctor: every syntax error with its line; the rest of the file is still checked", () =>
  inHome(async (home) => {
    await writeConfig(
      home,
      "[profile a]\nregion = us-east-1\nnot a setting\n[broken\nsource_profile = zz\n",
    );
    const run = await doctor(home);
    assertEquals(run.code, 1);
    const errors = checksOf(run, "config", "syntax");
    assertEquals(errors.map((c) => [c.status, /line (\d+)/.exec(c.message)![1]]), [["fail", "3"], [
      "fail",
      "4",
    ]]);
    assertEquals(checkOf(run, "profile", "source_profile", "a").status, "fail");
  }));

Deno.test("doctor: [name] where [profile name] is meant; [profile default]", () =>
  inHome(async (home) => {
    await writeConfig(
      home,
      "[dev]\nregion = us-east-1\n[profile default]\nregion = x\n[plugins]\ncli_legacy_plugin_path = /x\n",
    );
    const run = await doctor(home);
    const sections = checksOf(run, "config", "section");
    assertEquals(sections.length, 2, JSON.stringify(sections));
    assertStringIncludes(sections[0].message, "[profile dev]");
    assertStringIncludes(sections[1].message, "[profile default] at line 3");
    const named = await doctor(home, ["dev"]);
    assertEquals(named.code, 1);
    assertEquals(checkOf(named, "profile", "section", "dev").status, "fail");

    await writeConfig(
      home,
      "[profile dev]\nregion = us-east-1\n[plugins]\ncli_legacy_plugin_path = /x\n",
    );
    assertEquals(checksOf(await doctor(home), "config", "section"), []);
  }));

Deno.test("doctor: missing source_profile, include_profile and sso_session targets", () =>
  inHome(async (home) => {
    await writeConfig(
      home,
      "[profile r]\nregion = us-east-1\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = gone\n" +
        "include_profile = nope\nsso_session = nosuch\n" +
        "[profile ok]\nregion = us-east-1\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = stored\n" +
        "sso_session = s\n[sso-session s]\nsso_start_url = https://x/start\nsso_region = us-east-1\n",
    );
    await storeMasterKeys(await homeKeystore(home), "stored", dummyKeys());
    const run = await doctor(home);
    assertEquals(checkOf(run, "profile", "source_profile", "r").status, "fail");
    assertEquals(checkOf(run, "profile", "include_profile", "r").status, "warn");
    assertEquals(checkOf(run, "profile", "sso_session", "r").status, "fail");
    // A source that exists only as stored keys is fine.
    assertEquals(checkOf(run, "profile", "source_profile", "ok").status, "ok");
    assertEquals(checkOf(run, "profile", "sso_session", "ok").status, "ok");
    assertEquals(checksOf(run, "profile", "include_profile", "ok"), []);
  }));

Deno.test("doctor: source_profile and include_profile loops", () =>
  inHome(async (home) => {
    await writeConfig(
      home,
      "[profile a]\nsource_profile = b\nrole_arn = arn:aws:iam::1:role/r\n" +
        "[profile b]\nsource_profile = a\nrole_arn = arn:aws:iam::1:role/r\n" +
        "[profile i]\ninclude_profile = j\n[profile j]\ninclude_profile = i\n[profile fine]\nregion = x\n",
    );
    const run = await doctor(home);
    assertStringIncludes(checkOf(run, "profile", "resolve", "a").message, "a -> b -> a");
    assertStringIncludes(checkOf(run, "profile", "resolve", "i").message, "Loop detected");
    assertEquals(checkOf(run, "profile", "resolve", "i").status, "fail");
    assertEquals(checksOf(run, "profile", "resolve", "fine"), []);
  }));

Deno.test("doctor: unknown keys, with a guess for typos", () =>
  inHome(async (home) => {
    await writeConfig(
      home,
      "[profile t]\nregion = us-east-1\nmfa_serail = arn:aws:iam::1:mfa/u\ngranted_sso_x = 1\n" +
        "sso_session = s\n[sso-session s]\nsso_start_url = https://x/start\nsso_regoin = eu-west-1\n" +
        "[profile clean]\nregion = us-east-1\ncli_pager =\noutput = json\n",
    );
    const run = await doctor(home);
    const keys = checksOf(run, "profile", "keys", "t");
    assertEquals(keys.map((k) => k.status), ["warn", "warn", "ok"]);
    assertStringIncludes(keys[0].message, "'mfa_serail'");
    assertStringIncludes(keys[0].fix, "rename 'mfa_serail' to 'mfa_serial'");
    assertStringIncludes(keys[1].message, "'sso_regoin'");
    assertStringIncludes(keys[1].fix, "'sso_region'");
    assertStringIncludes(keys[2].message, "granted_sso_x");
    assertEquals(checkOf(run, "profile", "keys", "clean").status, "ok");
  }));

Deno.test("doctor: no region anywhere says what happens; a region from the environment counts", () =>
  inHome(async (home) => {
    await writeConfig(home, "[profile nr]\nmfa_serial = arn:aws:iam::1:mfa/u\n");
    const run = await doctor(home);
    const region = checkOf(run, "profile", "region", "nr");
    assertEquals(region.status, "warn");
    // The outcome is the endpoint rules' (sts/aws/endpoints.ts): the global endpoint.
    assertStringIncludes(region.message, "STS calls go to https://sts.amazonaws.com");
    assertStringIncludes(region.message, "exec get no AWS_REGION");

    const withEnv = await doctor(home, [], { AWS_REGION: "ap-south-1" });
    assertEquals(checkOf(withEnv, "profile", "region", "nr"), {
      check: "region",
      status: "ok",
      message: "ap-south-1",
      fix: "",
    });
    assertEquals(checkOf(withEnv, "environment", "AWS_REGION").status, "warn");
  }));

const MFA = "arn:aws:iam::1:mfa/u";

Deno.test("doctor: duration over 1 h on a role chained from an MFA session skips the session", () =>
  inHome(async (home) => {
    await writeConfig(
      home,
      `[default]\nregion = us-east-1\n[profile base]\nmfa_serial = ${MFA}\n` +
        `[profile long]\nsource_profile = base\nrole_arn = arn:aws:iam::1:role/r\nmfa_serial = ${MFA}\nduration_seconds = 7200\n` +
        `[profile short]\nsource_profile = base\nrole_arn = arn:aws:iam::1:role/r\nmfa_serial = ${MFA}\nduration_seconds = 3600\n` +
        `[profile chained]\nsource_profile = short\nrole_arn = arn:aws:iam::1:role/r2\nduration_seconds = 7200\n`,
    );
    await storeMasterKeys(await homeKeystore(home), "base", dummyKeys());
    const run = await doctor(home);
    const long = checkOf(run, "profile", "duration_seconds", "long");
    assertEquals(long.status, "warn");
    assertStringIncludes(long.message, "'base''s MFA session is skipped");
    assertEquals(checksOf(run, "profile", "duration_seconds", "short"), []);
    assertEquals(checkOf(run, "profile", "mfa_serial", "short").status, "ok");
    // A role assumed with another role's credentials cannot last over 1 h at all.
    assertEquals(checkOf(run, "profile", "duration_seconds", "chained").status, "fail");
  }));

Deno.test("doctor: mfa_serial on a role and a different one on its source", () =>
  inHome(async (home) => {
    await writeConfig(
      home,
      `[default]\nregion = us-east-1\n[profile base]\nmfa_serial = ${MFA}\n` +
        `[profile other]\nsource_profile = base\nrole_arn = arn:aws:iam::1:role/r\nmfa_serial = ${MFA}2\n` +
        `[profile plain]\nsource_profile = base\nrole_arn = arn:aws:iam::1:role/r\n`,
    );
    const run = await doctor(home);
    assertEquals(checkOf(run, "profile", "mfa_serial", "other").status, "warn");
    assertEquals(checksOf(run, "profile", "mfa_serial", "plain"), []);
  }));

posixTest(
  "sh quoting of config commands",
  "doctor: credential_process and mfa_process programs that are not found",
  () =>
    inHome(async (home) => {
      await writeConfig(
        home,
        "[default]\nregion = us-east-1\n" +
          `[profile gone]\ncredential_process = "${home}/no such/helper" --json\nmfa_process = FOO=1 no-such-mfa-tool\n` +
          "[profile there]\ncredential_process = sh -c 'echo {}'\nmfa_process = /bin/echo 123456\n" +
          "[profile dynamic]\ncredential_process = $HOME/bin/helper\n",
      );
      const run = await doctor(home);
      const gone = checkOf(run, "profile", "credential_process", "gone");
      assertEquals(gone.status, "fail");
      assertStringIncludes(gone.message, `'${home}/no such/helper'`);
      assertStringIncludes(
        checkOf(run, "profile", "mfa_process", "gone").message,
        "'no-such-mfa-tool' is not an executable file on PATH",
      );
      assertEquals(checkOf(run, "profile", "credential_process", "there").status, "ok");
      assertEquals(checkOf(run, "profile", "mfa_process", "there").status, "ok");
      assertStringIncludes(
        checkOf(run, "profile", "credential_process", "dynamic").message,
        "not checked",
      );
    }),
);

Deno.test("doctor: static keys for the profile in the credentials file; the key is never printed", () =>
  inHome(async (home) => {
    await writeConfig(
      home,
      "[default]\nregion = us-east-1\n[profile cp]\ncredential_process = /bin/echo\n[profile clean]\ncredential_process = /bin/echo\n",
    );
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY";
    await Deno.writeTextFile(
      `${home}/.aws/credentials`,
      `[cp]\naws_access_key_id = AKIASTATICKEY0000001\naws_secret_access_key = ${secret}\n`,
    );
    const env = { AWS_SHARED_CREDENTIALS_FILE: `${home}/.aws/credentials` };
    const run = await doctor(home, [], env);
    const check = checkOf(run, "profile", "credentials_file", "cp");
    assertEquals(check.status, "warn");
    assertStringIncludes(check.message, "instead of this profile's credential_process");
    assertEquals(checksOf(run, "profile", "credentials_file", "clean"), []);
    const text = await doctorRaw(home, ["doctor", "--debug"], env);
    for (const out of [run.stdout, text.stdout, text.stderr]) {
      assertNotIncludes(out, secret);
      assertNotIncludes(out, "AKIASTATICKEY0000001");
    }
  }));

Deno.test("doctor: AWS_* variables that override the config or leak into children", () =>
  inHome(async (home) => {
    await writeConfig(home, "[profile a]\nregion = us-east-1\n");
    const secret = "envSecretValueThatMustNotAppear";
    const run = await doctor(home, [], {
      AWS_ACCESS_KEY_ID: "AKIAENVKEY0000000001",
      AWS_SECRET_ACCESS_KEY: secret,
      AWS_PROFILE: "missing",
      AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9",
      AWS_SESSION_TOKEN_TTL: "12",
      AWS_ROLE_ARN: "arn:aws:iam::1:role/x",
    });
    assertEquals(run.code, 1);
    assertEquals(checkOf(run, "environment", "credentials").status, "warn");
    assertEquals(checkOf(run, "environment", "AWS_PROFILE").status, "fail");
    assertStringIncludes(
      checkOf(run, "environment", "AWS_ENDPOINT_URL_STS").message,
      "http://127.0.0.1:9",
    );
    assertStringIncludes(checkOf(run, "environment", "AWS_SESSION_TOKEN_TTL").message, "ignored");
    assertEquals(checkOf(run, "environment", "AWS_ROLE_ARN").status, "warn");
    assertNotIncludes(run.stdout, secret);
    assertNotIncludes(run.stdout, "AKIAENVKEY0000000001");

    const nested = await doctor(home, [], { AWS_VAULT: "a", AWS_PROFILE: "a" });
    assertEquals(checkOf(nested, "environment", "AWS_VAULT").status, "warn");
    assertEquals(checkOf(nested, "environment", "AWS_PROFILE").status, "ok");

    const clean = await doctor(home);
    const env = clean.groups.find((g) => g.kind === "environment")!.checks;
    assertEquals(env.map((c) => [c.check, c.status]), [["credentials", "ok"]]);
  }));

Deno.test("doctor <profile>: only that profile and its sources; unknown profile fails", () =>
  inHome(async (home) => {
    await writeConfig(
      home,
      "[default]\nregion = us-east-1\n[profile base]\n[profile role]\nsource_profile = base\nrole_arn = arn:aws:iam::1:role/r\n[profile other]\n",
    );
    await storeMasterKeys(await homeKeystore(home), "base", dummyKeys());
    const run = await doctor(home, ["role"]);
    assertEquals(run.groups.filter((g) => g.kind === "profile").map((g) => g.name), [
      "role",
      "base",
    ]);
    assertEquals(run.code, 0, run.stdout);
    assertStringIncludes(checkOf(run, "profile", "credentials", "role").message, "from 'base'");

    const unknown = await doctor(home, ["nobody"]);
    assertEquals(unknown.code, 1);
    assertStringIncludes(checkOf(unknown, "profile", "section", "nobody").message, "not found");
    // A profile without credentials fails when named, and only warns in the full listing.
    assertEquals(
      checkOf(await doctor(home, ["other"]), "profile", "credentials", "other").status,
      "fail",
    );
    assertEquals(checkOf(await doctor(home), "profile", "credentials", "other").status, "warn");
  }));

Deno.test("doctor: --format takes text or json only", () =>
  inHome(async (home) => {
    const out = await doctorRaw(home, ["doctor", "--format=yaml"]);
    assertEquals(out.code, 1);
    assertStringIncludes(out.stderr, "--format value must be one of text,json");
  }));

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

nativeTest(
  "a native runtime for its time budget",
  "doctor: 500 profiles in well under the budget (generous bound for loaded machines)",
  () =>
    inHome(async (home) => {
      const { writeLargeSetup } = await import("./doctor_scale.ts");
      await writeLargeSetup(home, 500);
      await doctorRaw(home, ["doctor", "p0"]); // warms Deno's code cache
      const started = performance.now();
      const run = await doctor(home);
      const elapsed = performance.now() - started;
      assertEquals(run.groups.filter((g) => g.kind === "profile").length, 501);
      assertEquals(
        run.code,
        0,
        JSON.stringify(run.groups.flatMap((g) => g.checks.filter((c) => c.status === "fail"))),
      );
      // The figure (well under 1 s) is in docs/BENCHMARKS.md; this only catches a blow-up.
      assertEquals(elapsed < 5000, true, `doctor took ${elapsed} ms`);
    }),
);

linuxTest(
  "Linux's prompt drivers",
  "doctor: where MFA codes would come from, without asking",
  () =>
    inHome(async (home) => {
      await writeConfig(
        home,
        `[default]\nregion = us-east-1\n[profile m]\nmfa_serial = ${MFA}\n` +
          `[profile r]\nsource_profile = m\nrole_arn = arn:aws:iam::1:role/r\n` +
          `[profile p]\nmfa_serial = ${MFA}\nmfa_process = /bin/echo 123456\n[profile none]\n`,
      );
      const bin = `${home}/bin`;
      await Deno.mkdir(bin);
      await Deno.writeTextFile(`${bin}/zenity`, "#!/bin/sh\nexit 1\n", { mode: 0o755 });
      const run = await doctor(home);
      assertStringIncludes(checkOf(run, "profile", "mfa", "m").message, "with 'terminal' under");
      assertStringIncludes(checkOf(run, "profile", "mfa", "r").message, "on the terminal");
      assertEquals(checkOf(run, "profile", "mfa", "p").message, "codes come from mfa_process");
      assertEquals(checksOf(run, "profile", "mfa", "none"), []);
      const gui = await doctor(home, [], { PATH: `${bin}:${Deno.env.get("PATH")}` });
      assertStringIncludes(checkOf(gui, "profile", "mfa", "m").message, "with 'zenity' under");
      const flag = await doctor(home, ["--prompt=terminal"]);
      assertStringIncludes(
        checkOf(flag, "profile", "mfa", "m").message,
        "'terminal' prompt (--prompt)",
      );
    }),
);
