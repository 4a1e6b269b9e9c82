import { assert, assertEquals, assertMatch } from "../tests/assert.ts";
import type { Credentials } from "../lib/credentials.ts";
import { CredentialCache } from "./credential_cache.ts";
import { containerCredentialsJson, startEcsServer } from "./ecs_server.ts";

const EXPIRES = new Date("2030-01-02T03:04:05.678Z");

function creds(id: string, extra: Partial<Credentials> = {}): Credentials {
  return {
    accessKeyId: id,
    secretAccessKey: `secret-${id}`,
    sessionToken: `token-${id}`,
    expiration: EXPIRES,
    ...extra,
  };
}

/** A provider that counts calls and can be made to fail or to wait. */
function countingProvider() {
  const p = {
    calls: 0,
    failWith: undefined as Error | undefined,
    delayMs: 0,
    async retrieve(): Promise<Credentials> {
      p.calls++;
      if (p.delayMs) await new Promise((r) => setTimeout(r, p.delayMs));
      if (p.failWith) throw p.failWith;
      return creds("ASIAPROFILE", { accountId: "123456789012" });
    },
  };
  return p;
}

async function get(url: string, token: string | undefined, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (token !== undefined) headers.set("authorization", token);
  const res = await fetch(url, { ...init, headers });
  return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
}

Deno.test("ECS server: listens on loopback with a 40-character base64url token", async () => {
  const server = startEcsServer({ credentials: countingProvider() });
  try {
    assertMatch(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assertMatch(server.token, /^[A-Za-z0-9_-]{40}$/);
    const other = startEcsServer({ credentials: countingProvider() });
    assert(other.token !== server.token);
    await other.close();
  } finally {
    await server.close();
  }
});

Deno.test("ECS server: serves the profile's credentials as JSON with the right token", async () => {
  const provider = countingProvider();
  const server = startEcsServer({ credentials: new CredentialCache(provider) });
  try {
    const res = await get(server.url, server.token);
    assertEquals(res.status, 200);
    assertEquals(res.type, "application/json");
    assertEquals(
      res.body,
      '{"AccessKeyId":"ASIAPROFILE","AccountId":"123456789012","Expiration":"2030-01-02T03:04:05Z",' +
        '"SecretAccessKey":"secret-ASIAPROFILE","Token":"token-ASIAPROFILE"}\n',
    );
    // Any other path is the profile too, and cached.
    assertEquals((await get(`${server.url}/anything`, server.token)).status, 200);
    assertEquals(provider.calls, 1);
  } finally {
    await server.close();
  }
});

Deno.test("ECS server: missing, wrong, prefixed or truncated tokens get 403 JSON", async () => {
  const provider = countingProvider();
  const server = startEcsServer({ credentials: provider });
  try {
    for (
      const token of [
        undefined,
        "",
        "wrong",
        `Bearer ${server.token}`,
        server.token.slice(1),
        server.token + "x",
      ]
    ) {
      const res = await get(server.url, token);
      assertEquals(res.status, 403, `token ${token}`);
      assertEquals(res.type, "application/json");
      assertEquals(JSON.parse(res.body), {
        Code: "AccessDenied",
        Message: "invalid Authorization token",
      });
    }
    // The token check comes first, whatever the method or path.
    assertEquals((await get(`${server.url}/role-arn/x`, "bad", { method: "POST" })).status, 403);
    assertEquals(provider.calls, 0);
  } finally {
    await server.close();
  }
});

Deno.test("ECS server: only GET is allowed", async () => {
  const provider = countingProvider();
  const server = startEcsServer({ credentials: provider });
  try {
    for (const method of ["POST", "PUT", "DELETE", "PATCH", "HEAD"]) {
      const res = await get(server.url, server.token, { method });
      assertEquals(res.status, 405, method);
      if (method !== "HEAD") assertEquals(JSON.parse(res.body).Code, "MethodNotAllowed");
    }
    assertEquals(provider.calls, 0);
  } finally {
    await server.close();
  }
});

Deno.test("ECS server: /role-arn/<arn> asks for that role, cached per ARN by the caller", async () => {
  const asked: string[] = [];
  const server = startEcsServer({
    credentials: countingProvider(),
    roleCredentials: (arn) => {
      asked.push(arn);
      return Promise.resolve(creds("ASIAROLE"));
    },
  });
  try {
    const arn = "arn:aws:iam::123456789012:role/path/to/Deploy";
    const res = await get(`${server.url}/role-arn/${arn}`, server.token);
    assertEquals(res.status, 200);
    assertEquals(JSON.parse(res.body).AccessKeyId, "ASIAROLE");
    assertEquals(asked, [arn]);
  } finally {
    await server.close();
  }
});

Deno.test("ECS server: a failing provider gives 500 JSON, and the server recovers", async () => {
  const provider = countingProvider();
  provider.failWith = Object.assign(new Error("AccessDenied: User is not authorized"), {
    code: "AccessDenied",
  });
  const server = startEcsServer({ credentials: new CredentialCache(provider) });
  try {
    const res = await get(server.url, server.token);
    assertEquals(res.status, 500);
    assertEquals(res.type, "application/json");
    assertEquals(JSON.parse(res.body), {
      Code: "AccessDenied",
      Message: "AccessDenied: User is not authorized",
    });
    provider.failWith = new Error("network down");
    assertEquals(
      JSON.parse((await get(server.url, server.token)).body).Code,
      "CredentialsUnavailable",
    );
    provider.failWith = undefined;
    const ok = await get(server.url, server.token);
    assertEquals(ok.status, 200);
    assertEquals(provider.calls, 3);
  } finally {
    await server.close();
  }
});

Deno.test("ECS server: 50 concurrent requests on an empty cache make one provider call", async () => {
  const provider = countingProvider();
  provider.delayMs = 50;
  const server = startEcsServer({ credentials: new CredentialCache(provider) });
  try {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => get(server.url, server.token)),
    );
    assert(results.every((r) => r.status === 200 && r.body === results[0].body));
    assertEquals(provider.calls, 1);
  } finally {
    await server.close();
  }
});

Deno.test("containerCredentialsJson: no AccountId when unknown; non-expiring get an hour", () => {
  const now = Date.UTC(2026, 0, 1);
  const body = containerCredentialsJson(
    { accessKeyId: "AKIA", secretAccessKey: "S", sessionToken: "" },
    now,
  );
  assertEquals(body, {
    AccessKeyId: "AKIA",
    Expiration: "2026-01-01T01:00:00Z",
    SecretAccessKey: "S",
    Token: "",
  });
});
