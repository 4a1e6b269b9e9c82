/**
 * Start-up benchmark: the median wall-clock time of `deno run` on an empty file, `main.ts --version`,
 * `main.ts export --no-session --format=json` on a file-backend store, and `export --format=json`
 * served from a cached session (first fetched from the fake STS in tests/fake_aws/).
 *
 *   deno run -A scripts/bench_startup.ts [--runs=10]
 *
 * Every run is a fresh process in a temporary HOME with a cleared environment, as an AWS SDK's
 * credential_process call would be. Budget: --version and export each at most +15 ms over empty.
 */
import { startFakeAws } from "../tests/fake_aws/server.ts";
import { fakeAwsHome } from "../tests/fake_aws/home.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const MAIN = `${ROOT}main.ts`;
const BUDGET_MS = 15;

interface Case {
  name: string;
  args: string[];
  env?: Record<string, string>;
  /** Expected to print this access key id on stdout (checked once, so we time real work). */
  expectKey?: string;
}

async function main(): Promise<void> {
  const runs = Number(Deno.args.find((a) => a.startsWith("--runs="))?.slice(7) ?? 10);
  const fake = await startFakeAws();
  const user = fake.addUser("bench");
  const { home, env: storeEnv, cleanup } = await fakeAwsHome(
    fake,
    user,
    "bench",
    "[profile bench]\nregion=us-east-1\n",
  );
  // Two baselines: an empty file outside any project, and one inside this repository, which
  // also pays for reading deno.json and deno.lock as `deno run main.ts` does.
  const empty = `${home}/empty.ts`;
  await Deno.writeTextFile(empty, "");
  const emptyInRepo = `${ROOT}.bench_empty.ts`;
  await Deno.writeTextFile(emptyInRepo, "");
  try {
    const cases: Case[] = [
      { name: "deno run (empty file)", args: ["run", "--quiet", empty] },
      { name: "deno run (empty file in the repo)", args: ["run", "--quiet", emptyInRepo] },
      { name: "main.ts --version", args: ["run", "-A", "--quiet", MAIN, "--version"] },
      {
        name: "export --no-session --format=json (file backend)",
        args: ["run", "-A", "--quiet", MAIN, "export", "--no-session", "--format=json", "bench"],
        env: storeEnv,
        expectKey: user.accessKeyId,
      },
      {
        name: "export --format=json (cached session)",
        args: ["run", "-A", "--quiet", MAIN, "export", "--format=json", "bench"],
        env: storeEnv,
        expectKey: "ASIA",
      },
    ];

    const env = (extra: Record<string, string> = {}) => ({
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: home,
      DENO_DIR: denoDir(),
      NO_COLOR: "1",
      AWS_EC2_METADATA_DISABLED: "true",
      ...extra,
    });

    const results: Array<{ name: string; median: number; min: number }> = [];
    for (const c of cases) {
      // A warm-up run fills Deno's module cache and (for the last case) the session cache.
      const warm = await run(c.args, env(c.env));
      if (warm.code !== 0 || (c.expectKey && !warm.stdout.includes(c.expectKey))) {
        console.log(`${c.name}: FAILED (exit ${warm.code}): ${warm.stderr.trim()}`);
        continue;
      }
      const times: number[] = [];
      for (let i = 0; i < runs; i++) times.push((await run(c.args, env(c.env))).ms);
      times.sort((a, b) => a - b);
      results.push({ name: c.name, median: median(times), min: times[0] });
    }
    const stsCalls = fake.callCount("GetSessionToken");

    const base = results[0].median;
    const baseMin = results[0].min;
    const rows = results.map((r, i) => {
      const delta = i === 0 ? "" : `+${(r.median - base).toFixed(1)}`;
      const deltaMin = i === 0 ? "" : `+${(r.min - baseMin).toFixed(1)}`;
      return `| ${r.name} | ${r.median.toFixed(1)} | ${delta} | ${r.min.toFixed(1)} | ` +
        `${deltaMin} |`;
    });
    const load = await Deno.readTextFile("/proc/loadavg").then((t) => t.split(" ")[0], () => "?");
    console.log(
      `Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPUs, load ${load}, ` +
        `${runs} runs each`,
    );
    console.log(
      "| command | median ms | median delta | min ms | min delta |",
    );
    console.log("|---|---:|---:|---:|---:|");
    for (const row of rows) console.log(row);
    console.log(
      `GetSessionToken calls to the fake STS: ${stsCalls} (the cached case must reuse one)`,
    );
    // Budgeted: --version and export --no-session, against the plain empty-file baseline.
    for (const r of results.slice(2, 4)) {
      const over = r.median - base - BUDGET_MS;
      console.log(
        `${r.name}: ${over > 0 ? `OVER budget by ${over.toFixed(1)} ms` : "within budget"}`,
      );
    }
  } finally {
    await fake.close();
    await cleanup();
    await Deno.remove(emptyInRepo);
  }
}

async function run(args: string[], env: Record<string, string>) {
  const start = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ms = performance.now() - start;
  const dec = new TextDecoder();
  return { ms, code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

function median(sorted: number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function denoDir(): string {
  const explicit = Deno.env.get("DENO_DIR");
  if (explicit) return explicit;
  const cache = Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`;
  return `${cache}/deno`;
}

if (import.meta.main) await main();
