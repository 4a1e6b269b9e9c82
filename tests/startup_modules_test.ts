/**
 * The modules Deno loads for the two `credential_process` calls whose start-up time we budget
 * (docs/BENCHMARKS.md): a cached session and `--no-session`. Each module on that path costs start-up
 * time, so the lists below are exact; a change that adds one must say so here (and measure it).
 * The modules are read from `DENO_LOG=debug`, which names every file Deno fetches, walked
 * `import()` targets included. In the release bundle they are the entry half (scripts/bundle.ts
 * HOT_MODULES), and tests/build_test.ts checks that the same two calls load nothing else there.
 */
import { assert, assertEquals } from "./assert.ts";
import { startFakeAws } from "./fake_aws/server.ts";
import { fakeAwsHome } from "./fake_aws/home.ts";
import { runCli } from "./run_cli.ts";

const ROOT_URL = new URL("..", import.meta.url).href;

/** Repository modules Deno fetched, relative to the root, in sorted order. */
function loadedModules(debugLog: string): string[] {
  const found = new Set<string>();
  for (const m of debugLog.matchAll(/FileFetcher::fetch_no_follow - specifier: (\S+)/g)) {
    if (m[1].startsWith(ROOT_URL)) found.add(m[1].slice(ROOT_URL.length));
  }
  return [...found].sort();
}

/**
 * What both export paths load: the entry, the command table and parser, export and the file
 * backend, the config, and the provider chain without any provider that calls AWS.
 */
const COMMON = [
  "cmd/app.ts",
  "cmd/export.ts",
  "cmd/export_formats.ts",
  "cmd/open_keystore.ts",
  "cmd/output.ts",
  "cmd/parser.ts",
  "keystore/credential_items.ts",
  "keystore/file.ts",
  "keystore/file_names.ts",
  "keystore/go_json.ts",
  "keystore/item_json.ts",
  "keystore/jwe.ts",
  "keystore/keystore.ts",
  "keystore/registry.ts",
  "lib/atomic_file.ts",
  "lib/credentials.ts",
  "lib/duration.ts",
  "lib/errors.ts",
  "lib/lazy_import.ts",
  "lib/log.ts",
  "lib/regular_file.ts",
  "lib/secret_env.ts",
  "main.ts",
  "sts/chain.ts",
  "sts/config/config.ts",
  "sts/config/ini.ts",
  "sts/config/profile_config.ts",
  "sts/config/profile_resolve.ts",
  "sts/providers/master.ts",
];

Deno.test("a cached export and export --no-session load no STS, MFA or FFI module", async () => {
  const fake = await startFakeAws();
  const user = fake.addUser("startup");
  const f = await fakeAwsHome(fake, user, "dev", "[profile dev]\nregion=us-east-1\n");
  try {
    // The first call fetches the session from the fake STS and caches it.
    const first = await runCli(["export", "--format=json", "dev"], { home: f.home, env: f.env });
    assertEquals(first.code, 0, first.stderr);
    const env = { ...f.env, DENO_LOG: "debug" };
    const cached = await runCli(["export", "--format=json", "dev"], { home: f.home, env });
    assertEquals(cached.code, 0, cached.stderr);
    assert(cached.stdout.includes('"AccessKeyId": "ASIA'), cached.stdout);
    assertEquals(fake.callCount("GetSessionToken"), 1);
    // The session cache (and its lock, used only on a miss) on top of the common set.
    const sessionCache = ["keystore/key_names.ts", "sts/lock.ts", "sts/session_cache.ts"];
    assertEquals(loadedModules(cached.stderr), [...COMMON, ...sessionCache].sort());

    const plain = await runCli(["export", "--no-session", "--format=json", "dev"], {
      home: f.home,
      env,
    });
    assertEquals(plain.code, 0, plain.stderr);
    assert(plain.stdout.includes(user.accessKeyId), plain.stdout);
    assertEquals(loadedModules(plain.stderr), COMMON);
  } finally {
    await f.cleanup();
    await fake.close();
  }
});
