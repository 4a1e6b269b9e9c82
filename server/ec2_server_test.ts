import { assert, assertEquals, assertMatch } from "../tests/assert.ts";
import type { Credentials } from "../lib/credentials.ts";
import { ec2Handler, startEc2Server } from "./ec2_server.ts";
import { CredentialCache } from "./credential_cache.ts";
import { request } from "node:http";

const CREDS: Credentials = {
  accessKeyId: "ASIAIMDS",
  secretAccessKey: "secret-imds",
  sessionToken: "token-imds",
  expiration: new Date("2030-01-02T03:04:05Z"),
};

function provider(fail?: Error) {
  const p = {
    calls: 0,
    fail,
    retrieve() {
      p.calls++;
      return p.fail ? Promise.reject(p.fail) : Promise.resolve(CREDS);
    },
  };
  return p;
}

async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string> } = {},
) {
  const res = await fetch(url, {
    method: init.method ?? "GET",
    headers: init.headers,
    redirect: "manual",
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** A GET with a chosen Host header (fetch always sends the URL's own host). */
function getWithHost(base: string, path: string, host: string) {
  const url = new URL(base);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: Number(url.port), path, headers: { host } },
      (res) => {
        let body = "";
        res.on("data", (c) => body += c);
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

async function withServer(
  fn: (base: string, p: ReturnType<typeof provider>) => Promise<void>,
  p = provider(),
) {
  const server = startEc2Server({ credentials: new CredentialCache(p), region: "eu-west-1" });
  try {
    assertEquals(server.url, `http://127.0.0.1:${server.port}/`);
    await fn(server.url.slice(0, -1), p);
  } finally {
    await server.close();
  }
}

async function token(base: string, ttl = "21600"): Promise<string> {
  const res = await call(`${base}/latest/api/token`, {
    method: "PUT",
    headers: { "x-aws-ec2-metadata-token-ttl-seconds": ttl },
  });
  assertEquals(res.status, 200);
  assertEquals(res.headers.get("x-aws-ec2-metadata-token-ttl-seconds"), ttl);
  return res.body;
}

Deno.test("EC2 server: the IMDSv2 sequence SDKs use", async () => {
  await withServer(async (base) => {
    const t = await token(base);
    assertMatch(t, /^[A-Za-z0-9_-]{43}$/);
    const h = { "x-aws-ec2-metadata-token": t };
    const list = await call(`${base}/latest/meta-data/iam/security-credentials/`, { headers: h });
    assertEquals([list.status, list.body], [200, "local-credentials"]);
    const doc = await call(`${base}/latest/meta-data/iam/security-credentials/local-credentials`, {
      headers: h,
    });
    assertEquals(doc.status, 200);
    const json = JSON.parse(doc.body);
    assertMatch(json.LastUpdated, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assertEquals(json, {
      AccessKeyId: "ASIAIMDS",
      Code: "Success",
      Expiration: "2030-01-02T03:04:05Z",
      LastUpdated: json.LastUpdated,
      SecretAccessKey: "secret-imds",
      Token: "token-imds",
      Type: "AWS-HMAC",
    });
    assertEquals(Object.keys(json), Object.keys(json).toSorted());
  });
});

Deno.test("EC2 server: IMDSv1 (no token header) works as in aws-vault", async () => {
  await withServer(async (base) => {
    const doc = await call(`${base}/latest/meta-data/iam/security-credentials/local-credentials`);
    assertEquals(doc.status, 200);
    assertEquals(JSON.parse(doc.body).AccessKeyId, "ASIAIMDS");
    assertEquals((await call(`${base}/latest/meta-data/instance-id/`)).body, "aws-vault");
    assertEquals((await call(`${base}/latest/meta-data/iam/info/`)).body, '{"Code" : "Success"}');
    assertEquals(
      (await call(`${base}/latest/dynamic/instance-identity/document`)).body,
      '{"region": "eu-west-1"}',
    );
    assertEquals((await call(`${base}/latest/meta-data/placement/region`)).body, "eu-west-1");
    // Go ServeMux: sub-paths of the listing are the listing; a directory without "/" redirects.
    assertEquals(
      (await call(`${base}/latest/meta-data/iam/security-credentials/other/x`)).body,
      "local-credentials",
    );
    const redirect = await call(`${base}/latest/meta-data/instance-id`);
    assertEquals(redirect.status, 301);
    assertEquals(redirect.headers.get("location"), "/latest/meta-data/instance-id/");
  });
});

Deno.test("EC2 server: bad, unknown and expired IMDSv2 tokens get 401", async () => {
  let now = Date.UTC(2026, 0, 1);
  const handler = ec2Handler({
    credentials: provider(),
    region: "",
    now: () => now,
    ownHost: () => "127.0.0.1:1234",
  });
  const info = { remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 5555 } } as any;
  const req = (path: string, method: string, headers: Record<string, string>) =>
    handler(
      new Request(`http://127.0.0.1:1234${path}`, {
        method,
        headers: { host: "127.0.0.1:1234", ...headers },
      }),
      info,
    );
  const issued = await req("/latest/api/token", "PUT", {
    "x-aws-ec2-metadata-token-ttl-seconds": "60",
  });
  const t = await issued.text();
  const path = "/latest/meta-data/iam/security-credentials/";
  assertEquals((await req(path, "GET", { "x-aws-ec2-metadata-token": t })).status, 200);
  assertEquals((await req(path, "GET", { "x-aws-ec2-metadata-token": "forged" })).status, 401);
  assertEquals((await req(path, "GET", { "x-aws-ec2-metadata-token": "" })).status, 401);
  now += 59_999;
  assertEquals((await req(path, "GET", { "x-aws-ec2-metadata-token": t })).status, 200);
  now += 1;
  assertEquals((await req(path, "GET", { "x-aws-ec2-metadata-token": t })).status, 401);
});

Deno.test("EC2 server: token TTL must be 1..21600 and the request must not be forwarded", async () => {
  await withServer(async (base) => {
    for (const ttl of [undefined, "", "0", "21601", "-5", "1.5", "abc", "999999"]) {
      const headers: Record<string, string> = ttl === undefined
        ? {}
        : { "x-aws-ec2-metadata-token-ttl-seconds": ttl };
      const res = await call(`${base}/latest/api/token`, { method: "PUT", headers });
      assertEquals(res.status, 400, `ttl ${ttl}`);
    }
    await token(base, "1");
    await token(base, "21600");
    const forwarded = await call(`${base}/latest/api/token`, {
      method: "PUT",
      headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60", "x-forwarded-for": "10.0.0.9" },
    });
    assertEquals(forwarded.status, 403);
  });
});

Deno.test("EC2 server: a foreign Host header is refused (DNS rebinding)", async () => {
  await withServer(async (base) => {
    const path = "/latest/meta-data/iam/security-credentials/local-credentials";
    for (const host of ["evil.example.com", "localhost", "169.254.169.254:8080", "127.0.0.1"]) {
      const res = await getWithHost(base, path, host);
      assertEquals([res.status, res.body], [401, `Access denied for host '${host}'`]);
    }
    const own = new URL(base).host;
    for (const host of ["169.254.169.254", "169.254.169.254:80", own]) {
      assertEquals((await getWithHost(base, path, host)).status, 200, host);
    }
  });
});

Deno.test("EC2 server: peers that are not loopback are refused", async () => {
  const p = provider();
  const handler = ec2Handler({ credentials: p, region: "", ownHost: () => "127.0.0.1:1" });
  const path = "http://169.254.169.254/latest/meta-data/iam/security-credentials/local-credentials";
  for (const hostname of ["10.0.0.5", "169.254.169.254", "::ffff:10.0.0.5", "fe80::1"]) {
    const info = { remoteAddr: { transport: "tcp", hostname, port: 1 } } as any;
    const res = await handler(new Request(path, { headers: { host: "169.254.169.254" } }), info);
    assertEquals([res.status, await res.text()], [401, "Access denied from non-localhost address"]);
  }
  for (const hostname of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"]) {
    const info = { remoteAddr: { transport: "tcp", hostname, port: 1 } } as any;
    const res = await handler(new Request(path, { headers: { host: "169.254.169.254" } }), info);
    assertEquals(res.status, 200, hostname);
    await res.body?.cancel();
  }
  assertEquals(p.calls, 4);
});

Deno.test("EC2 server: other methods get 405, unknown paths 404", async () => {
  await withServer(async (base, p) => {
    for (const method of ["POST", "DELETE", "PATCH"]) {
      assertEquals((await call(`${base}/latest/meta-data/`, { method })).status, 405, method);
    }
    assertEquals(
      (await call(`${base}/latest/meta-data/iam/security-credentials/local-credentials`, {
        method: "PUT",
      })).status,
      405,
    );
    for (const path of ["/", "/latest/user-data", "/latest/meta-data/ami-id", "/stop"]) {
      assertEquals((await call(`${base}${path}`)).status, 404, path);
    }
    assertEquals(p.calls, 0);
  });
});

Deno.test("EC2 server: a credential error is 504 plain text and the server recovers", async () => {
  await withServer(async (base, p) => {
    const path = `${base}/latest/meta-data/iam/security-credentials/local-credentials`;
    const res = await call(path);
    assertEquals([res.status, res.body], [504, "keyring locked"]);
    p.fail = undefined;
    const ok = await call(path);
    assertEquals(ok.status, 200);
    assert(ok.body.includes("ASIAIMDS"));
  }, provider(new Error("keyring locked")));
});
