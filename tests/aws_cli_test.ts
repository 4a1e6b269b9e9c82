/**
 * The real AWS CLI v2 (Debian's /usr/bin/aws) consumes our credentials, against the fake STS:
 * through `exec`'s environment, and through `export --format=json` as its credential_process.
 * Everything runs in a temporary HOME with a cleared environment.
 */
import { assert, assertEquals } from "./assert.ts";
import { baseEnv, cliCommand, runCli, runCommand, shellLine } from "./run_cli.ts";
import { type FakeAws, type FakeUserHandle, startFakeAws } from "./fake_aws/server.ts";
import { type FakeAwsHome, fakeAwsHome } from "./fake_aws/home.ts";
import { linuxTest } from "./platform.ts";

const AWS_CLI = "/usr/bin/aws";

/** A file store holding `user`'s key under profile `dev`, and `config` as ~/.aws/config. */
async function setup(fake: FakeAws, user: FakeUserHandle, config: string): Promise<FakeAwsHome> {
  const h = await fakeAwsHome(fake, user, "dev", config);
  return { ...h, env: { ...h.env, AWS_PAGER: "", LANG: "C.UTF-8" } };
}

function runAws(args: string[], s: FakeAwsHome) {
  return runCommand(AWS_CLI, args, { env: { ...baseEnv(s.home), ...s.env }, cwd: s.home });
}

linuxTest(
  "Debian's AWS CLI",
  "aws sts get-caller-identity runs under exec with a GetSessionToken session",
  async () => {
    await using fake = await startFakeAws();
    const user = fake.addUser("dev");
    const s = await setup(fake, user, "[profile dev]\nregion=us-east-1\n");
    try {
      const r = await runCli(
        ["exec", "dev", "--", AWS_CLI, "sts", "get-caller-identity", "--endpoint-url", fake.url],
        { home: s.home, env: s.env },
      );
      assertEquals(r.code, 0, r.stderr);
      assertEquals(JSON.parse(r.stdout).Arn, user.arn);
      const call = fake.callsTo("GetCallerIdentity")[0];
      assertEquals(call.status, 200);
      assertEquals(call.region, "us-east-1");
      assert(call.userAgent.startsWith("aws-cli/2."), call.userAgent);
      const session = fake.session(call.accessKeyId);
      assertEquals(session?.kind, "session-token");
      assertEquals(session?.issuedBy, user.accessKeyId);
    } finally {
      await s.cleanup();
    }
  },
);

linuxTest(
  "Debian's AWS CLI",
  "aws uses export --format=json as credential_process, with and without a session",
  async () => {
    await using fake = await startFakeAws();
    const user = fake.addUser("dev");
    const process = (extra: string[]) =>
      shellLine([...cliCommand(), "export", ...extra, "--format=json", "dev"]);
    const s = await setup(
      fake,
      user,
      "[profile dev]\nregion=us-east-1\n\n" +
        `[profile via-session]\nregion=us-east-1\ncredential_process = ${process([])}\n\n` +
        `[profile via-master]\nregion=us-east-1\ncredential_process = ${
          process(["--no-session"])
        }\n`,
    );
    try {
      const session = await runAws(
        ["sts", "get-caller-identity", "--profile", "via-session", "--endpoint-url", fake.url],
        s,
      );
      assertEquals(session.code, 0, session.stderr);
      assertEquals(JSON.parse(session.stdout).Arn, user.arn);
      const first = fake.callsTo("GetCallerIdentity")[0];
      assertEquals(first.status, 200);
      // The CLI signed with the session our export printed (its token verified by the fake).
      assertEquals(fake.session(first.accessKeyId)?.kind, "session-token");
      assertEquals(fake.callCount("GetSessionToken"), 1);

      const master = await runAws(
        ["sts", "get-caller-identity", "--profile", "via-master", "--endpoint-url", fake.url],
        s,
      );
      assertEquals(master.code, 0, master.stderr);
      const second = fake.callsTo("GetCallerIdentity")[1];
      assertEquals(second.status, 200);
      assertEquals(second.accessKeyId, user.accessKeyId);
      assertEquals(fake.callCount("GetSessionToken"), 1);
    } finally {
      await s.cleanup();
    }
  },
);

linuxTest(
  "Debian's AWS CLI",
  "aws reports a failing credential_process with our one-line error",
  async () => {
    await using fake = await startFakeAws();
    const user = fake.addUser("dev");
    const process = shellLine([...cliCommand(), "export", "--format=json", "nope"]);
    const s = await setup(
      fake,
      user,
      `[profile broken]\nregion=us-east-1\ncredential_process = ${process}\n`,
    );
    try {
      const r = await runAws(
        ["sts", "get-caller-identity", "--profile", "broken", "--endpoint-url", fake.url],
        s,
      );
      assert(r.code !== 0);
      assert(
        r.stderr.includes(
          "aws-vault: error: export: Error getting temporary credentials: profile nope",
        ),
        r.stderr,
      );
      assertEquals(fake.callCount("GetCallerIdentity"), 0);
    } finally {
      await s.cleanup();
    }
  },
);
