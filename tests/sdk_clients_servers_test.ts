/**
 * Real AWS clients through our credential servers: the Debian AWS CLI v2 (`/usr/bin/aws`; the
 * `aws` on PATH is v1) and boto3 (`/usr/bin/python3`) run as the child of
 * `exec --ecs-server` / `exec --ec2-server --no-ec2-proxy` and call GetCallerIdentity on the fake
 * STS, which verifies their SigV4 signatures: the keys really flowed from our server to the SDK.
 */
import { assertEquals, assertMatch } from "./assert.ts";
import { runCli } from "./run_cli.ts";
import { type FakeAws, startFakeAws } from "./fake_aws/server.ts";
import { serverHome } from "./server_fixtures.ts";

const AWS_CLI = "/usr/bin/aws";
const PYTHON = "/usr/bin/python3";

const BOTO3_PROBE = `
import boto3, json, os
session = boto3.Session()
creds = session.get_credentials()
ident = session.client("sts", endpoint_url=os.environ["FAKE_AWS_URL"]).get_caller_identity()
print(json.dumps({"method": creds.method, "key": creds.get_frozen_credentials().access_key,
                  "arn": ident["Arn"]}))
`;
import { linuxTest } from "./platform.ts";

const MODES: Record<string, string[]> = {
  ecs: ["--ecs-server"],
  imdsv2: ["--ec2-server", "--no-ec2-proxy"],
};

/** The server's debug log shows the requests the client made (IMDSv2 starts with the token PUT). */
function assertServedRequests(mode: string, stderr: string): void {
  const served = [...stderr.matchAll(/http: 127\.0\.0\.1:\d+: (\d+ \w+ \S+)/g)].map((m) => m[1]);
  assertEquals(
    served,
    mode === "ecs" ? ["200 GET /"] : [
      "200 PUT /latest/api/token",
      "200 GET /latest/meta-data/iam/security-credentials/",
      "200 GET /latest/meta-data/iam/security-credentials/local-credentials",
    ],
  );
}

/** The only GetCallerIdentity call: signed with a session the fake issued, and accepted. */
function assertSignedWithSession(fake: FakeAws, userArn: string): string {
  const calls = fake.callsTo("GetCallerIdentity");
  assertEquals(calls.length, 1);
  assertEquals(calls[0].status, 200);
  const session = fake.session(calls[0].accessKeyId);
  assertEquals(session?.kind, "session-token");
  assertEquals(session?.arn, userArn);
  return calls[0].accessKeyId;
}

for (const [mode, flags] of Object.entries(MODES)) {
  linuxTest(
    "Debian's AWS CLI and boto3",
    `AWS CLI v2 gets credentials from exec ${flags.join(" ")}`,
    async () => {
      await using fake = await startFakeAws();
      const user = fake.addUser("dev");
      const h = await serverHome(fake, user, "dev", "[profile dev]\nregion=us-east-1\n");
      try {
        const r = await runCli(
          [
            "--debug",
            "exec",
            ...flags,
            "dev",
            "--",
            AWS_CLI,
            "sts",
            "get-caller-identity",
            "--endpoint-url",
            fake.url,
            "--output",
            "json",
          ],
          { home: h.home, env: { ...h.env, AWS_PAGER: "" } },
        );
        assertEquals(r.code, 0, r.stderr);
        const identity = JSON.parse(r.stdout);
        assertEquals(identity.Arn, user.arn);
        assertEquals(identity.Account, fake.accountId);
        assertSignedWithSession(fake, user.arn);
        assertEquals(fake.callCount("GetSessionToken"), 1);
        assertMatch(fake.callsTo("GetCallerIdentity")[0].userAgent, /^aws-cli\/2\./);
        assertServedRequests(mode, r.stderr);
      } finally {
        await h.cleanup();
      }
    },
  );

  linuxTest(
    "Debian's AWS CLI and boto3",
    `boto3 gets credentials from exec ${flags.join(" ")}`,
    async () => {
      await using fake = await startFakeAws();
      const user = fake.addUser("dev");
      const h = await serverHome(fake, user, "dev", "[profile dev]\nregion=us-east-1\n");
      try {
        const r = await runCli(
          ["--debug", "exec", ...flags, "dev", "--", PYTHON, "-c", BOTO3_PROBE],
          {
            home: h.home,
            env: { ...h.env, FAKE_AWS_URL: fake.url },
          },
        );
        assertEquals(r.code, 0, r.stderr);
        const probe = JSON.parse(r.stdout);
        assertEquals(probe.method, mode === "ecs" ? "container-role" : "iam-role");
        assertEquals(probe.arn, user.arn);
        assertEquals(assertSignedWithSession(fake, user.arn), probe.key);
        assertMatch(fake.callsTo("GetCallerIdentity")[0].userAgent, /^Boto3\//);
        assertServedRequests(mode, r.stderr);
      } finally {
        await h.cleanup();
      }
    },
  );
}

linuxTest(
  "Debian's AWS CLI and boto3",
  "AWS CLI v2 through the ECS server: /role-arn/ via AWS_CONTAINER_CREDENTIALS_FULL_URI",
  async () => {
    await using fake = await startFakeAws();
    const user = fake.addUser("dev");
    const role = fake.addRole("reader");
    const h = await serverHome(fake, user, "dev", "[profile dev]\nregion=us-east-1\n");
    try {
      // A wrapper shell appends the role path to the URI our server gave, as the Docker proxy does.
      const script =
        `AWS_CONTAINER_CREDENTIALS_FULL_URI="$AWS_CONTAINER_CREDENTIALS_FULL_URI/role-arn/${role.arn}" ` +
        `exec ${AWS_CLI} sts get-caller-identity --endpoint-url ${fake.url} --output json`;
      const r = await runCli(["exec", "--ecs-server", "dev", "--", "sh", "-c", script], {
        home: h.home,
        env: { ...h.env, AWS_PAGER: "" },
      });
      assertEquals(r.code, 0, r.stderr);
      assertMatch(
        JSON.parse(r.stdout).Arn,
        /^arn:aws:sts::123456789012:assumed-role\/reader\/\d+$/,
      );
      const call = fake.callsTo("GetCallerIdentity")[0];
      assertEquals(fake.session(call.accessKeyId)?.kind, "assumed-role");
    } finally {
      await h.cleanup();
    }
  },
);
