/**
 * Issue 10, huge configs: deep include_profile / source_profile chains resolve without recursion,
 * `list` is linear in the number of profiles and chain lengths, and the all-profiles start URL
 * shortcut used by `list` (sts/config/sso_start_urls.ts) agrees with resolving each profile on its
 * own, checked on random configs full of loops, self-references and missing sections.
 * Timings are only upper bounds far above the real figures (docs/BENCHMARKS.md has those).
 */
import { assert, assertEquals, assertStringIncludes, assertThrows } from "./assert.ts";
import { runCli, tempHome } from "./run_cli.ts";
import { AwsConfigFile } from "../sts/config/config.ts";
import { parseIni } from "../sts/config/ini.ts";
import { resolvedSsoStartUrl, resolveProfile } from "../sts/config/profile_resolve.ts";
import { emptyBaseConfig } from "../sts/config/profile_config.ts";
import { ssoStartUrlsByProfile } from "../sts/config/sso_start_urls.ts";
import { tableRows } from "../cmd/list.ts";
import { UserError } from "../lib/errors.ts";

function config(text: string): AwsConfigFile {
  return new AwsConfigFile("/test/config", parseIni(text));
}

function chain(depth: number, key: string): string {
  let text = "";
  for (let i = 0; i < depth; i++) {
    text += `[profile c${i}]\n`;
    text += i < depth - 1
      ? `${key} = c${i + 1}\n`
      : "region = eu-west-1\nsso_start_url = https://s/start\n";
  }
  return text;
}

const noEnv = () => undefined;

Deno.test("resolveProfile: 3,000-deep source_profile and include_profile chains resolve", () => {
  const sources = config(chain(3000, "source_profile"));
  let p = resolveProfile(sources, "c0", emptyBaseConfig(), noEnv);
  let depth = 1;
  while (p.sourceProfile) {
    assertEquals(p.sourceProfile.chainedFromProfile, p);
    p = p.sourceProfile;
    depth++;
  }
  assertEquals([depth, p.name, p.region], [3000, "c2999", "eu-west-1"]);

  const includes = config(chain(3000, "include_profile"));
  const included = resolveProfile(includes, "c0", emptyBaseConfig(), noEnv);
  assertEquals([included.region, included.sourceProfile], ["eu-west-1", undefined]);
});

Deno.test("resolveProfile: a long source_profile loop is reported with the chain shortened", () => {
  const text = chain(50, "source_profile").replace(
    "region = eu-west-1\nsso_start_url = https://s/start\n",
    "source_profile = c0\n",
  );
  const err = assertThrows(
    () => resolveProfile(config(text), "c0", emptyBaseConfig(), noEnv),
    UserError,
  );
  assertEquals(
    err.message,
    "Error loading config: Loop detected in config file for profile 'c0': source_profile chain " +
      "c0 -> c1 -> c2 -> c3 -> c4 -> ... (41 more) -> c46 -> c47 -> c48 -> c49 -> c0",
  );
});

Deno.test("list table: 20,000 profiles and 3,000-deep chains are quick (linear, not quadratic)", () => {
  let flat = "[sso-session org]\nsso_start_url = https://o/start\nsso_region = us-east-1\n";
  for (let i = 0; i < 20_000; i++) flat += `[profile p${i}]\nsso_session = org\n`;
  const cases: [string, AwsConfigFile, number][] = [
    ["flat", config(flat), 20_000],
    ["include", config(chain(3000, "include_profile")), 3000],
    ["source", config(chain(3000, "source_profile")), 3000],
  ];
  for (const [name, file, profiles] of cases) {
    const started = performance.now();
    const credentials = Array.from({ length: 2000 }, (_, i) => `p${i * 5}`);
    const rows = tableRows(file, credentials, ["https://o/start", "https://s/start"], [], 0);
    const elapsed = performance.now() - started;
    // Before: 13 s for 20,000 profiles and over a minute for 3,000-deep chains on this machine.
    assert(elapsed < 5_000, `${name}: ${elapsed.toFixed(0)} ms`);
    assert(rows.length >= profiles + 2, name);
    // Every profile of the flat and include cases has a start URL; in the source chain, the last.
    const withToken = rows.filter((r) => r[0] !== "-" && r[2].startsWith("oidc:https://"));
    assertEquals(withToken.length, name === "source" ? 1 : profiles, name);
  }
});

/** A small random number generator with a seed, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomConfig(rand: () => number): string {
  const pick = <T>(items: T[]) => items[Math.floor(rand() * items.length)];
  const names = ["default", "a", "b", "c", "d", "e", "f"];
  const refs = [...names, "missing"];
  let text = "";
  for (const s of ["s1", "s2"]) {
    if (rand() < 0.7) {
      text += `[sso-session ${s}]\n`;
      if (rand() < 0.7) text += `sso_start_url = https://${s}/start\n`;
    }
  }
  for (const name of names) {
    if (rand() < 0.15) continue;
    text += name === "default" ? "[default]\nregion = us-east-1\n" : `[profile ${name}]\n`;
    if (rand() < 0.4) text += `include_profile = ${pick(refs)}\n`;
    if (rand() < 0.3) text += `source_profile = ${pick(refs)}\n`;
    if (rand() < 0.35) text += `sso_session = ${pick(["s1", "s2", "s3"])}\n`;
    if (rand() < 0.35) text += `sso_start_url = https://${name}/start\n`;
    if (rand() < 0.1) text += `session_tags = ${pick(["k=v", "broken"])}\n`;
  }
  return text;
}

Deno.test("ssoStartUrlsByProfile agrees with resolvedSsoStartUrl on 3,000 random configs", () => {
  for (let seed = 1; seed <= 3000; seed++) {
    const text = randomConfig(random(seed));
    const file = config(text);
    const all = ssoStartUrlsByProfile(file);
    for (const name of file.profileNames()) {
      assertEquals(all.get(name), resolvedSsoStartUrl(file, name), `seed ${seed}:\n${text}`);
    }
  }
});

Deno.test("export: a 3,000-deep source_profile chain resolves through the CLI", async () => {
  const { home, cleanup } = await tempHome();
  try {
    const env = {
      AWS_VAULT_BACKEND: "file",
      AWS_VAULT_FILE_DIR: `${home}/keys`,
      AWS_VAULT_FILE_PASSPHRASE: "scale",
      AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    };
    await Deno.writeTextFile(`${home}/.aws/config`, chain(3000, "source_profile"));
    const added = await runCli(["add", "--env", "c2999"], { home, env });
    assertEquals(added.code, 0, added.stderr);
    // Before: "Maximum call stack size exceeded".
    const r = await runCli(["export", "--no-session", "c0"], { home, env });
    assertEquals(r.code, 0, r.stderr);
    assertStringIncludes(r.stdout, "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n");
  } finally {
    await cleanup();
  }
});
