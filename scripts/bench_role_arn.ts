/**
 * What a flood of `/role-arn/<arn>` requests costs the ECS server (issue 10):
 *   deno run -A scripts/bench_role_arn.ts [--arns 1000]
 * Runs `exec --ecs-server` against the fake STS (tests/fake_aws/) with a child that asks for N
 * malformed ARNs and N well-formed ARNs of roles that do not exist, eight times over, and prints the
 * STS AssumeRole calls made and the server process's resident memory before and after each round.
 */
import { startFakeAws } from "../tests/fake_aws/server.ts";
import { fakeAwsHome } from "../tests/fake_aws/home.ts";
import { runCli } from "../tests/run_cli.ts";

function option(name: string, fallback: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
}

const arns = option("arns", 1000);
const v8Flags: Record<string, string> = Deno.env.get("DENO_V8_FLAGS")
  ? { DENO_V8_FLAGS: Deno.env.get("DENO_V8_FLAGS")! }
  : {};
await using fake = await startFakeAws();
const user = fake.addUser("dev");
const h = await fakeAwsHome(fake, user, "dev", "[profile dev]\nregion=eu-west-1\n");
try {
  const out = `${h.home}/result.json`;
  const missing = `arn:aws:iam::${fake.accountId}:role/missing-`;
  // The child reads its parent's (the server's) VmRSS from /proc before and after each round.
  const child = `
    const url = Deno.env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    const authorization = Deno.env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    const status = "/proc/" + Deno.ppid + "/status";
    const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(Deno.readTextFileSync(status))[1]) / 1024;
    const ask = async (path) => (await fetch(url + path, { headers: { authorization } })).text();
    await ask("");
    const result = { before: rss(), rounds: [] };
    const started = performance.now();
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < ${arns}; i++) await ask("/role-arn/junk-" + i);
      for (let i = 0; i < ${arns}; i++) await ask("/role-arn/${missing}" + i);
      result.rounds.push(rss());
    }
    result.ms = performance.now() - started;
    await Deno.writeTextFile(${JSON.stringify(out)}, JSON.stringify(result));`;
  const r = await runCli(
    ["exec", "--ecs-server", "dev", "--", Deno.execPath(), "eval", "--quiet", child],
    { home: h.home, env: { ...h.env, ...v8Flags } },
  );
  if (r.code !== 0) throw new Error(r.stderr);
  const { before, rounds, ms } = JSON.parse(await Deno.readTextFile(out));
  console.log(`${arns} malformed + ${arns} missing role ARNs, 8 rounds (${16 * arns} requests)`);
  console.log(`AssumeRole calls: ${fake.callCount("AssumeRole")}`);
  const mb = rounds.map((m: number) => m.toFixed(1)).join(", ");
  console.log(`server RSS: ${before.toFixed(1)} MB before; after each round ${mb} MB`);
  console.log(`time: ${(ms / 1000).toFixed(1)} s`);
} finally {
  await h.cleanup();
}
