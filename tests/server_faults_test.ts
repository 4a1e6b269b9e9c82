/**
 * The credential servers under attack from other local processes (issue 10), through the CLI
 * against the fake STS: aws-vault runs with `ulimit -n 64`, the test floods its server with idle
 * and half-sent loopback connections (no token needed), and the child must keep getting
 * credentials while the flood holds and after it ends, and must not be killed.
 */
import { assert, assertEquals, assertNotIncludes } from "./assert.ts";
import { baseEnv, cliCommand, runCli, waitForFile } from "./run_cli.ts";
import { startFakeAws } from "./fake_aws/server.ts";
import { denoEval, serverHome } from "./server_fixtures.ts";
import { posixTest } from "./platform.ts";

/**
 * The child: writes the server's URL to `<dir>/url`, then each time `<dir>/go<N>` appears fetches
 * credentials (retrying a refused or reset connection for up to 10 s) and writes the outcome to
 * `<dir>/result<N>`; exits 0 after round 2.
 */
const CHILD = `
import os, sys, time, urllib.request
d = sys.argv[1]
ecs = os.environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI")
if ecs:
    url = ecs
    headers = {"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]}
else:
    url = os.environ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] + \\
        "latest/meta-data/iam/security-credentials/local-credentials"
    headers = {}
with open(os.path.join(d, "url.tmp"), "w") as f:
    f.write(url)
os.rename(os.path.join(d, "url.tmp"), os.path.join(d, "url"))
for n in (1, 2):
    while not os.path.exists(os.path.join(d, "go%d" % n)):
        time.sleep(0.02)
    outcome, deadline = "no answer", time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as r:
                outcome = "%d %s" % (r.status, "AccessKeyId" in r.read().decode())
                break
        except Exception as e:
            outcome = repr(e)
            time.sleep(0.05)
    # Written whole, then renamed: the test reads the file as soon as it exists.
    with open(os.path.join(d, "result%d.tmp" % n), "w") as f:
        f.write(outcome)
    os.rename(os.path.join(d, "result%d.tmp" % n), os.path.join(d, "result%d" % n))
`;

/** Opens `count` connections to `port` (idle, or with half a request head); failures are fine. */
async function flood(port: number, count: number): Promise<Deno.TcpConn[]> {
  const conns: Deno.TcpConn[] = [];
  for (let i = 0; i < count; i++) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      if (i % 2 === 1) await conn.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n"));
      conns.push(conn);
    } catch {
      // Refused or reset: the server is shedding (or gone, which the assertions catch).
    }
  }
  return conns;
}

for (const mode of ["--ecs-server", "--ec2-server"]) {
  posixTest(
    "sh, ulimit and python3",
    `exec ${mode}: the server outlives descriptor exhaustion, and the child with it`,
    async () => {
      await using fake = await startFakeAws();
      const user = fake.addUser("dev");
      const h = await serverHome(fake, user, "dev", "[profile dev]\nregion=eu-west-1\n");
      try {
        const modeArgs = mode === "--ec2-server" ? [mode, "--no-ec2-proxy"] : [mode];
        const [exe, ...pre] = cliCommand();
        const cli = new Deno.Command("sh", {
          args: [
            "-c",
            'ulimit -n 64 && exec "$@"',
            "sh",
            exe,
            ...pre,
            "exec",
            ...modeArgs,
            "dev",
            "--",
            "python3",
            "-c",
            CHILD,
            h.home,
          ],
          env: { ...baseEnv(h.home), ...h.env },
          clearEnv: true,
          cwd: h.home,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const port = Number(new URL(await waitForFile(`${h.home}/url`)).port);
        const held = await flood(port, 300);
        await Deno.writeTextFile(`${h.home}/go1`, "");
        const during = await waitForFile(`${h.home}/result1`);
        for (const c of held) {
          try {
            c.close();
          } catch {
            // The server closed it already.
          }
        }
        await Deno.writeTextFile(`${h.home}/go2`, "");
        const after = await waitForFile(`${h.home}/result2`);
        const out = await cli.output();
        const stderr = new TextDecoder().decode(out.stderr);
        assertEquals([during, after], ["200 True", "200 True"]);
        assertEquals(out.code, 0, stderr);
        assertNotIncludes(stderr, "Too many open files");
        assert(held.length > 64, `only ${held.length} connections were opened`);
      } finally {
        await h.cleanup();
      }
    },
  );
}

Deno.test("exec --ecs-server: failed /role-arn/ lookups are remembered; malformed ARNs never reach STS", async () => {
  await using fake = await startFakeAws();
  const user = fake.addUser("dev");
  const role = fake.addRole("deploy");
  const h = await serverHome(fake, user, "dev", "[profile dev]\nregion=eu-west-1\n");
  try {
    const missing = `arn:aws:iam::${fake.accountId}:role/missing`;
    const paths = [
      ...Array(3).fill("/role-arn/not-an-arn"),
      ...Array(3).fill(`/role-arn/${encodeURIComponent(missing)}`),
      ...Array(2).fill(`/role-arn/${role.arn}`),
    ];
    const out = `${h.home}/statuses.json`;
    const r = await runCli(
      [
        "exec",
        "--ecs-server",
        "dev",
        "--",
        ...denoEval(`
        const url = Deno.env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI");
        const authorization = Deno.env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN");
        const statuses = [];
        for (const p of ${JSON.stringify(paths)}) {
          const res = await fetch(url + p, { headers: { authorization } });
          statuses.push(res.status);
          await res.body?.cancel();
        }
        await Deno.writeTextFile(${JSON.stringify(out)}, JSON.stringify(statuses));`),
      ],
      { home: h.home, env: h.env },
    );
    assertEquals(r.code, 0, r.stderr);
    assertEquals(JSON.parse(await Deno.readTextFile(out)), [
      500,
      500,
      500,
      500,
      500,
      500,
      200,
      200,
    ]);
    // One call for the missing role (then remembered), one for the real one; none for junk.
    assertEquals(fake.callsTo("AssumeRole").map((c) => c.params.RoleArn), [missing, role.arn]);
  } finally {
    await h.cleanup();
  }
});
