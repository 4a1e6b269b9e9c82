/**
 * `aws-vault doctor` on a 500-profile config: the median wall-clock time of the whole command
 * (a fresh `deno run -A --quiet main.ts doctor` process) in a temporary HOME with a file-backend
 * store holding 100 master keys, whose items doctor reads and decrypts one by one.
 *
 *   deno run -A scripts/bench_doctor.ts [--runs=10] [--profiles=500]
 *
 * The budget (issue 15) is one second for the whole command.
 */
import { writeLargeSetup } from "../tests/doctor_scale.ts";
import { baseEnv, cliCommand, tempHome } from "../tests/run_cli.ts";
import { fileBackendEnv } from "../tests/engine_fixtures.ts";

const runs = Number(Deno.args.find((a) => a.startsWith("--runs="))?.slice(7) ?? 10);
const profiles = Number(Deno.args.find((a) => a.startsWith("--profiles="))?.slice(11) ?? 500);
const { home, cleanup } = await tempHome();
try {
  await writeLargeSetup(home, profiles);
  const [exe, ...pre] = cliCommand();
  const times: number[] = [];
  let lines = 0;
  for (let i = 0; i <= runs; i++) {
    const started = performance.now();
    const out = await new Deno.Command(exe, {
      args: [...pre, "doctor"],
      env: { ...baseEnv(home), ...fileBackendEnv() },
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const elapsed = performance.now() - started;
    lines = new TextDecoder().decode(out.stdout).split("\n").length;
    // The first run warms Deno's code cache and is not counted.
    if (i > 0) times.push(elapsed);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    `doctor, ${profiles} profiles, ${runs} runs: median ${median.toFixed(0)} ms, ` +
      `min ${times[0].toFixed(0)} ms, max ${times[times.length - 1].toFixed(0)} ms ` +
      `(${lines} output lines)`,
  );
} finally {
  await cleanup();
}
