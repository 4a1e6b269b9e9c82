/**
 * What the session-bus reachability probe (keystore/session_bus.ts) costs a fresh process: the
 * secret-service and kwallet probes run on every command without --backend/AWS_VAULT_BACKEND,
 * `credential_process` calls included. Each case runs `runs` fresh `deno run` processes that time
 * both probes in-process (performance.now around the awaited calls) and prints the median.
 *
 *   deno run -A scripts/bench_bus_probe.ts [--runs=15]
 *
 * Cases: no bus variable; a variable naming a missing socket; a stale socket (a file nobody
 * listens on, as after a daemon was killed); a live dbus-daemon (tests/keystore_env.ts).
 */
import { startSessionBus } from "../tests/keystore_env.ts";
import { pathFromFileUrl } from "../lib/file_url.ts";
import { denoDir } from "../tests/run_cli.ts";

const ROOT = pathFromFileUrl(new URL("..", import.meta.url));

const PROBE = `
import { kwalletAvailable, secretServiceAvailable } from "${ROOT}keystore/session_bus.ts";
const t0 = performance.now();
const offered = [await secretServiceAvailable(), await kwalletAvailable()];
console.log(JSON.stringify({ ms: performance.now() - t0, offered }));
`;

async function timeCase(address: string | undefined, runs: number, probe: string) {
  const times: number[] = [];
  let offered: boolean[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const env: Record<string, string> = { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" };
    if (address !== undefined) env.DBUS_SESSION_BUS_ADDRESS = address;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", probe],
      env: { ...env, DENO_DIR: denoDir() },
      clearEnv: true,
      stdout: "piped",
    }).output();
    const result = JSON.parse(new TextDecoder().decode(out.stdout));
    offered = result.offered;
    if (i > 0) times.push(result.ms); // the first run warms Deno's code cache
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], offered };
}

async function main(): Promise<void> {
  const runs = Number(Deno.args.find((a) => a.startsWith("--runs="))?.slice(7) ?? 15);
  const dir = await Deno.makeTempDir({ prefix: "aws-vault-bench-bus-" });
  const probe = `${dir}/probe.ts`;
  await Deno.writeTextFile(probe, PROBE);
  // A socket file with no listener: Deno unlinks its own sockets on close, Python does not.
  const stale = `${dir}/stale`;
  await new Deno.Command("/usr/bin/python3", {
    args: ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", stale],
  }).output();
  const bus = await startSessionBus();
  try {
    const cases: [string, string | undefined][] = [
      ["no DBUS_SESSION_BUS_ADDRESS", undefined],
      ["missing socket", `unix:path=${dir}/missing`],
      ["stale socket", `unix:path=${stale}`],
      ["live dbus-daemon", bus.address],
    ];
    console.log(`| case | median ms (secret-service + kwallet probes) | offered |`);
    console.log(`| --- | ---: | --- |`);
    for (const [name, address] of cases) {
      const { median, offered } = await timeCase(address, runs, probe);
      console.log(`| ${name} | ${median.toFixed(2)} | ${offered.join(", ")} |`);
    }
  } finally {
    await bus.cleanup();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
