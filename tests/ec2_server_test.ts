/**
 * `exec --ec2-server --no-ec2-proxy` through the CLI against the fake STS. Every test passes
 * --no-ec2-proxy: nothing here binds, aliases or contacts 169.254.169.254.
 */
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { runCli } from "./run_cli.ts";
import { startFakeAws } from "./fake_aws/server.ts";
import { denoEval, serverHome } from "./server_fixtures.ts";

Deno.test("exec --ec2-server: IMDSv2 and IMDSv1 serve a live session; checks hold", async () => {
  await using fake = await startFakeAws();
  const user = fake.addUser("dev");
  const h = await serverHome(fake, user, "dev", "[profile dev]\nregion=ap-southeast-2\n");
  try {
    const out = `${h.home}/child.json`;
    // The child plays an SDK: token, role listing, credentials; then IMDSv1, a forged token and
    // a foreign Host (node:http, because fetch always sends the URL's own Host).
    const child = denoEval(`
      import { request } from "node:http";
      const base = Deno.env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT");
      const creds = base + "latest/meta-data/iam/security-credentials/";
      const text = async (r) => ({ status: r.status, body: await r.text() });
      const token = await (await fetch(base + "latest/api/token", { method: "PUT",
        headers: { "x-aws-ec2-metadata-token-ttl-seconds": "21600" } })).text();
      const v2 = { "x-aws-ec2-metadata-token": token };
      const role = await text(await fetch(creds, { headers: v2 }));
      const doc = await text(await fetch(creds + role.body, { headers: v2 }));
      const v1 = await text(await fetch(creds + role.body));
      const forged = await text(await fetch(creds, { headers: { "x-aws-ec2-metadata-token": "forged" } }));
      const badTtl = await text(await fetch(base + "latest/api/token", { method: "PUT",
        headers: { "x-aws-ec2-metadata-token-ttl-seconds": "0" } }));
      const identity = await text(await fetch(base + "latest/dynamic/instance-identity/document"));
      const unknown = await text(await fetch(base + "latest/user-data"));
      const post = await text(await fetch(creds, { method: "POST" }));
      const u = new URL(base);
      const foreign = await new Promise((resolve) => request({ host: u.hostname, port: u.port,
        path: "/latest/meta-data/instance-id/", headers: { host: "rebind.example" } }, (res) => {
          let body = ""; res.on("data", (c) => body += c);
          res.on("end", () => resolve({ status: res.statusCode, body }));
        }).end());
      await Deno.writeTextFile(${JSON.stringify(out)}, JSON.stringify({ base, role, doc, v1, forged,
        badTtl, identity, unknown, post, foreign, env: Deno.env.toObject() }));
      Deno.exit(4);`);
    const r = await runCli(["exec", "--ec2-server", "--no-ec2-proxy", "dev", "--", ...child], {
      home: h.home,
      env: { ...h.env, AWS_SECRET_ACCESS_KEY: "stale" },
    });
    assertEquals(r.code, 4, r.stderr);
    const seen = JSON.parse(await Deno.readTextFile(out));
    assertMatch(seen.base, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assertEquals(seen.env.AWS_EC2_METADATA_DISABLED, undefined);
    assertEquals(seen.env.AWS_SECRET_ACCESS_KEY, undefined);
    assertEquals(seen.role, { status: 200, body: "local-credentials" });
    assertEquals(seen.doc.status, 200);
    const doc = JSON.parse(seen.doc.body);
    assertEquals([doc.Code, doc.Type], ["Success", "AWS-HMAC"]);
    assertEquals(fake.session(doc.AccessKeyId)?.kind, "session-token");
    assertEquals(
      fake.session(doc.AccessKeyId)!.expiration.toISOString().replace(".000", ""),
      doc.Expiration,
    );
    assertEquals(JSON.parse(seen.v1.body).AccessKeyId, doc.AccessKeyId);
    assertEquals(seen.forged.status, 401);
    assertEquals(seen.badTtl.status, 400);
    assertEquals(seen.identity.body, '{"region": "ap-southeast-2"}');
    assertEquals(seen.unknown.status, 404);
    assertEquals(seen.post.status, 405);
    assertEquals(seen.foreign, { status: 401, body: "Access denied for host 'rebind.example'" });
    assertEquals(fake.callCount("GetSessionToken"), 1);
  } finally {
    await h.cleanup();
  }
});

Deno.test("exec --ec2-server: the server is gone once the child exits", async () => {
  await using fake = await startFakeAws();
  const user = fake.addUser("dev");
  const h = await serverHome(fake, user, "dev", "[profile dev]\nregion=us-east-1\n");
  try {
    const out = `${h.home}/endpoint`;
    const child = denoEval(
      `await Deno.writeTextFile(${
        JSON.stringify(out)
      }, Deno.env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT"));`,
    );
    const r = await runCli(["exec", "--ec2-server", "--no-ec2-proxy", "dev", "--", ...child], {
      home: h.home,
      env: h.env,
    });
    assertEquals(r.code, 0, r.stderr);
    const endpoint = await Deno.readTextFile(out);
    const refused = await fetch(endpoint).then(() => false, () => true);
    assert(refused, "the metadata server still answers after exec ended");
  } finally {
    await h.cleanup();
  }
});
