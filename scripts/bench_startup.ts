/**
 * Start-up benchmark: wall-clock time of `deno run` on an empty file, `main.ts --version`,
 * `main.ts export --no-session --format=json` on a file-backend store, and `export --format=json`
 * served from a cached session (first fetched from the fake STS in tests/fake_aws/), each as a
 * paired ratio to the empty program run in the same round. The export cases run from source and
 * from the bundle release binaries are compiled from (scripts/bundle.ts); scripts/startup_floor.ts,
 * the least a cached export must do in one module, shows what the runtime and file format leave.
 *
 *   deno run -A scripts/bench_startup.ts [--runs=30]
 *
 * Every run is a fresh process in a temporary HOME with a cleared environment, as an AWS SDK's
 * credential_process call would be. Each run's CPU time (user + system) is measured too, except
 * on Windows (scripts/child_cpu.ts); the goals are judged on wall time. Goals (issue 16): the cached export at most 1.3x the empty
 * program, export --no-session at most 1.2x (medians of the per-round ratios).
 */
import { startFakeAws } from "../tests/fake_aws/server.ts";
import { fakeAwsHome } from "../tests/fake_aws/home.ts";
import { bundle } from "./bundle.ts";
import { pathFromFileUrl } from "../lib/file_url.ts";
import { runTimed } from "./child_cpu.ts";

const ROOT = pathFromFileUrl(new URL("..", import.meta.url));
const MAIN = `${ROOT}main.ts`;
const FLOOR = `${ROOT}scripts/startup_floor.ts`;

interface Case {
  name: string;
  args: string[];
  env?: Record<string, string>;
  /** Expected to print this access key id on stdout (checked once, so we time real work). */
  expectKey?: string;
  /** The most this case may take, as a multiple of the empty program's time. */
  goal?: number;
}

async function main(): Promise<void> {
  const runs = Number(Deno.args.find((a) => a.startsWith("--runs="))?.slice(7) ?? 30);
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
    // The export cases twice: from source, and from the bundle that release binaries are
    // compiled from (scripts/bundle.ts), run by `deno run` as the nearest thing to the binary.
    const bundled = await bundle(`${home}/bundle`);
    const exportCases = (label: string, entry: string): Case[] => [
      {
        name: `export --no-session --format=json (${label})`,
        args: ["run", "-A", "--quiet", entry, "export", "--no-session", "--format=json", "bench"],
        env: storeEnv,
        expectKey: user.accessKeyId,
        goal: 1.2,
      },
      {
        name: `export --format=json, cached session (${label})`,
        args: ["run", "-A", "--quiet", entry, "export", "--format=json", "bench"],
        env: storeEnv,
        expectKey: "ASIA",
        goal: 1.3,
      },
    ];
    const cases: Case[] = [
      { name: "deno run (empty file)", args: ["run", "--quiet", empty] },
      { name: "deno run (empty file in the repo)", args: ["run", "--quiet", emptyInRepo] },
      { name: "main.ts --version", args: ["run", "-A", "--quiet", MAIN, "--version"] },
      ...exportCases("main.ts", MAIN),
      ...exportCases("bundle", bundled),
      // A named prompt driver is checked on every call (aws-vault's Validate hook).
      {
        name: "export --format=json, cached session, AWS_VAULT_PROMPT=terminal (bundle)",
        args: ["run", "-A", "--quiet", bundled, "export", "--format=json", "bench"],
        env: { ...storeEnv, AWS_VAULT_PROMPT: "terminal" },
        expectKey: "ASIA",
      },
      // Last: it reads the session the cached cases' warm-up stored.
      {
        name: "floor: a cached export in one module (scripts/startup_floor.ts)",
        args: ["run", "-A", "--quiet", FLOOR, "bench"],
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

    // A warm-up run per case fills Deno's module and code caches and (for the last case) the
    // session cache, and checks that the case does real work.
    for (const c of cases) {
      const warm = await run(c.args, env(c.env));
      if (warm.code !== 0 || (c.expectKey && !warm.stdout.includes(c.expectKey))) {
        throw new Error(`${c.name}: FAILED (exit ${warm.code}): ${warm.stderr.trim()}`);
      }
    }
    // Interleaved: each round runs every case once, so a burst of load from other processes
    // falls on all cases alike; each round's time over that round's empty run is one ratio.
    // Wall and CPU time (user + system, from wait4) where the platform gives it.
    const cpuTimed = Deno.build.os !== "windows";
    const times: number[][] = cases.map(() => []);
    const cpus: number[][] = cases.map(() => []);
    const loads: number[] = [];
    for (let i = 0; i < runs; i++) {
      for (const [j, c] of cases.entries()) {
        if (cpuTimed) {
          const r = await runTimed(Deno.execPath(), c.args, env(c.env));
          if (r.code !== 0) throw new Error(`${c.name}: exit ${r.code} in round ${i + 1}`);
          times[j].push(r.wallMs);
          cpus[j].push(r.cpuMs);
        } else {
          times[j].push((await run(c.args, env(c.env))).ms);
        }
      }
      loads.push(await loadAverage());
    }
    const stsCalls = fake.callCount("GetSessionToken");

    console.log(
      `Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPUs, ${runs} interleaved ` +
        `rounds, load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`,
    );
    const pairedRatios = (t: number[][]) => t.map((row) => median(row.map((x, i) => x / t[0][i])));
    const ratios = pairedRatios(times);
    const cpuRatios = cpuTimed ? pairedRatios(cpus) : [];
    console.log(
      "| command | median ms | median ratio to empty | CPU ms | CPU ratio | ratio goal |",
    );
    console.log("|---|---:|---:|---:|---:|---:|");
    for (const [j, c] of cases.entries()) {
      const ratio = j === 0 ? "" : ratios[j].toFixed(2);
      const cpu = cpuTimed ? median(cpus[j]).toFixed(1) : "n/a";
      const cpuRatio = cpuTimed && j > 0 ? cpuRatios[j].toFixed(2) : "";
      const goal = c.goal === undefined ? "" : `<= ${c.goal}`;
      console.log(
        `| ${c.name} | ${
          median(times[j]).toFixed(1)
        } | ${ratio} | ${cpu} | ${cpuRatio} | ${goal} |`,
      );
    }
    console.log(
      `GetSessionToken calls to the fake STS: ${stsCalls} (the cached case must reuse one)`,
    );
    for (const [j, c] of cases.entries()) {
      if (c.goal === undefined) continue;
      const met = ratios[j] <= c.goal;
      console.log(`${c.name}: ${met ? "within" : "OVER"} its goal of ${c.goal}x`);
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function loadAverage(): Promise<number> {
  const text = await Deno.readTextFile("/proc/loadavg").catch(() => "NaN");
  return Number(text.split(" ")[0]);
}

function denoDir(): string {
  const explicit = Deno.env.get("DENO_DIR");
  if (explicit) return explicit;
  const cache = Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`;
  return `${cache}/deno`;
}

if (import.meta.main) await main();
