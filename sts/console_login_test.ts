import {
  assert,
  assertEquals,
  assertNotIncludes,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../tests/assert.ts";
import { testProfile } from "../tests/fake_aws/test_profile.ts";
import type { Credentials } from "../lib/credentials.ts";
import { UserError } from "../lib/errors.ts";
import { AwsServiceError } from "./aws/error.ts";
import {
  ALLOW_ALL_POLICY,
  encodeQuery,
  environmentCredentials,
  federatedUserName,
  isAssumedRoleArn,
  isRoleProvider,
  loginTarget,
  loginUrl,
  logoutThenLoginUrl,
  queryEscape,
  requestSigninToken,
  signinSessionJson,
  signinTokenRequestUrl,
  userNameFromGetUser,
} from "./console_login.ts";
import { AssumeRoleProvider } from "./providers/assume_role.ts";
import { MasterCredentialsProvider } from "./providers/master.ts";
import { CachedSessionProvider, SessionStore } from "./session_cache.ts";
import type { Keystore } from "../keystore/keystore.ts";

const noEnv = (_: string) => undefined;

const SESSION: Credentials = {
  accessKeyId: "ASIAEXAMPLE123456789",
  secretAccessKey: "wJalr/XUtnFEMI+K7MDENG=bPxRfiCY",
  sessionToken: "FwoG ZXIv+YXdz/E=&x",
};

Deno.test("queryEscape encodes like Go's url.QueryEscape", () => {
  assertEquals(queryEscape("AZaz09-_.~"), "AZaz09-_.~");
  assertEquals(queryEscape("a b"), "a+b");
  assertEquals(
    queryEscape("+/=&?#%:@,;$!*'()[]"),
    "%2B%2F%3D%26%3F%23%25%3A%40%2C%3B%24%21%2A%27%28%29%5B%5D",
  );
  assertEquals(queryEscape('{"k":"v"}'), "%7B%22k%22%3A%22v%22%7D");
  assertEquals(queryEscape("é€"), "%C3%A9%E2%82%AC");
  assertEquals(queryEscape("\n\t"), "%0A%09");
});

Deno.test("encodeQuery sorts keys like url.Values.Encode", () => {
  assertEquals(
    encodeQuery({ Session: "a b", Action: "getSigninToken" }),
    "Action=getSigninToken&Session=a+b",
  );
  assertEquals(encodeQuery({ "b c": "1", a: "=" }), "a=%3D&b+c=1");
});

Deno.test("loginTarget: no region uses the global console and ignores --path", () => {
  assertEquals(loginTarget("", "", noEnv), {
    prefix: "https://signin.aws.amazon.com/federation",
    destination: "https://console.aws.amazon.com/",
  });
  assertEquals(loginTarget("", "s3/home", noEnv).destination, "https://console.aws.amazon.com/");
});

Deno.test("loginTarget: commercial region with and without --path", () => {
  assertEquals(loginTarget("eu-west-1", "", noEnv), {
    prefix: "https://signin.aws.amazon.com/federation",
    destination: "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1",
  });
  assertEquals(
    loginTarget("us-east-1", "s3/buckets", noEnv).destination,
    "https://us-east-1.console.aws.amazon.com/s3/buckets?region=us-east-1",
  );
  // The path is inserted verbatim, as aws-vault does.
  assertEquals(
    loginTarget("us-east-1", "/ec2", noEnv).destination,
    "https://us-east-1.console.aws.amazon.com//ec2?region=us-east-1",
  );
});

Deno.test("loginTarget: China and GovCloud partitions", () => {
  assertEquals(loginTarget("cn-north-1", "", noEnv), {
    prefix: "https://signin.amazonaws.cn/federation",
    destination: "https://cn-north-1.console.amazonaws.cn/console/home?region=cn-north-1",
  });
  assertEquals(
    loginTarget("cn-northwest-1", "iam", noEnv).destination,
    "https://cn-northwest-1.console.amazonaws.cn/iam?region=cn-northwest-1",
  );
  assertEquals(loginTarget("us-gov-west-1", "", noEnv), {
    prefix: "https://signin.amazonaws-us-gov.com/federation",
    destination:
      "https://us-gov-west-1.console.amazonaws-us-gov.com/console/home?region=us-gov-west-1",
  });
  assertEquals(
    loginTarget("us-gov-east-1", "s3", noEnv).destination,
    "https://us-gov-east-1.console.amazonaws-us-gov.com/s3?region=us-gov-east-1",
  );
});

Deno.test("loginTarget: AWS_VAULT_SIGNIN_ENDPOINT replaces only the federation prefix", () => {
  const env = (n: string) =>
    n === "AWS_VAULT_SIGNIN_ENDPOINT" ? "http://127.0.0.1:9/fed" : undefined;
  assertEquals(loginTarget("cn-north-1", "", env), {
    prefix: "http://127.0.0.1:9/fed",
    destination: "https://cn-north-1.console.amazonaws.cn/console/home?region=cn-north-1",
  });
});

Deno.test("loginUrl escapes the destination and the token", () => {
  const target = loginTarget("eu-west-1", "s3/buckets?tab=x y", noEnv);
  assertEquals(
    loginUrl(target, "tok+/= en"),
    "https://signin.aws.amazon.com/federation?Action=login&Issuer=aws-vault&Destination=" +
      "https%3A%2F%2Feu-west-1.console.aws.amazon.com%2Fs3%2Fbuckets%3Ftab%3Dx+y%3Fregion%3Deu-west-1" +
      "&SigninToken=tok%2B%2F%3D+en",
  );
  assertEquals(
    loginUrl(loginTarget("", "", noEnv), "T"),
    "https://signin.aws.amazon.com/federation?Action=login&Issuer=aws-vault&Destination=" +
      "https%3A%2F%2Fconsole.aws.amazon.com%2F&SigninToken=T",
  );
});

Deno.test("signinSessionJson: sorted keys, Go's HTML-safe escapes", () => {
  assertEquals(
    signinSessionJson(SESSION),
    '{"sessionId":"ASIAEXAMPLE123456789","sessionKey":"wJalr/XUtnFEMI+K7MDENG=bPxRfiCY",' +
      '"sessionToken":"FwoG ZXIv+YXdz/E=\\u0026x"}',
  );
  assertEquals(
    signinSessionJson({ accessKeyId: "A", secretAccessKey: "<s>", sessionToken: "" }),
    '{"sessionId":"A","sessionKey":"\\u003cs\\u003e","sessionToken":""}',
  );
});

Deno.test("signinTokenRequestUrl is url.Values.Encode of Action and Session", () => {
  assertEquals(
    signinTokenRequestUrl("https://signin.aws.amazon.com/federation", {
      accessKeyId: "ASIA1",
      secretAccessKey: "s/k+",
      sessionToken: "t t",
    }),
    "https://signin.aws.amazon.com/federation?Action=getSigninToken&Session=" +
      "%7B%22sessionId%22%3A%22ASIA1%22%2C%22sessionKey%22%3A%22s%2Fk%2B%22%2C" +
      "%22sessionToken%22%3A%22t+t%22%7D",
  );
});

Deno.test("environmentCredentials: SDK variable names and fallbacks", () => {
  const envOf = (vars: Record<string, string>) => (n: string) => vars[n];
  assertEquals(environmentCredentials(envOf({})), undefined);
  assertEquals(environmentCredentials(envOf({ AWS_ACCESS_KEY_ID: "AKIA1" })), undefined);
  assertEquals(
    environmentCredentials(envOf({ AWS_ACCESS_KEY_ID: "AKIA1", AWS_SECRET_ACCESS_KEY: "s" })),
    { accessKeyId: "AKIA1", secretAccessKey: "s", sessionToken: "" },
  );
  assertEquals(
    environmentCredentials(
      envOf({ AWS_ACCESS_KEY: "ASIA2", AWS_SECRET_KEY: "s2", AWS_SESSION_TOKEN: "tok" }),
    ),
    { accessKeyId: "ASIA2", secretAccessKey: "s2", sessionToken: "tok" },
  );
  // The *_ID / *_ACCESS_KEY names win, an empty value falls through to the old names.
  assertEquals(
    environmentCredentials(
      envOf({
        AWS_ACCESS_KEY_ID: "AKIA3",
        AWS_ACCESS_KEY: "AKIA4",
        AWS_SECRET_ACCESS_KEY: "",
        AWS_SECRET_KEY: "s4",
      }),
    ),
    { accessKeyId: "AKIA3", secretAccessKey: "s4", sessionToken: "" },
  );
});

Deno.test("isAssumedRoleArn reads the sixth ARN field", () => {
  assert(isAssumedRoleArn("arn:aws:sts::123456789012:assumed-role/admin/s"));
  assert(!isAssumedRoleArn("arn:aws:iam::123456789012:user/alice"));
  assert(!isAssumedRoleArn("arn:aws:sts::123456789012:federated-user/alice"));
  assert(!isAssumedRoleArn("arn:aws:iam::123456789012:root"));
  assertThrows(
    () => isAssumedRoleArn("arn:aws:iam:"),
    UserError,
    "unable to parse ARN: arn:aws:iam:",
  );
});

Deno.test("federation name: UserName, ARN fallback, AccessDenied fallback, truncation", () => {
  assertEquals(
    userNameFromGetUser({ userName: "alice", arn: "arn:aws:iam::1:user/x/alice" }),
    "alice",
  );
  assertEquals(
    userNameFromGetUser({ userName: "", arn: "arn:aws:iam::123456789012:root" }),
    "root",
  );
  // aws-vault takes the last ":" field, so a user ARN keeps its "user/" part.
  assertEquals(userNameFromGetUser({ userName: "", arn: "arn:aws:iam::1:user/bob" }), "user/bob");
  assertThrows(
    () => userNameFromGetUser({ userName: "", arn: "" }),
    UserError,
    "Couldn't determine current username",
  );
  const denied = new AwsServiceError(
    "AccessDenied",
    "User: arn:aws:iam::123456789012:user/team/carol is not authorized to perform: iam:GetUser " +
      "on resource: user carol",
    403,
    "req",
    "iam:GetUser",
  );
  assertEquals(userNameFromGetUser({ error: denied }), "carol");
  const other = new AwsServiceError("InvalidClientTokenId", "bad", 403, "req", "iam:GetUser");
  assertEquals(assertThrows(() => userNameFromGetUser({ error: other })), other);

  assertEquals(federatedUserName("a".repeat(31)), "a".repeat(31));
  assertEquals(federatedUserName("b".repeat(32)), "b".repeat(32));
  assertEquals(federatedUserName("c".repeat(32) + "dddd"), "c".repeat(32));
});

Deno.test("the allow-all policy is aws-vault's byte for byte", () => {
  assertEquals(
    ALLOW_ALL_POLICY,
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
  );
});

Deno.test("isRoleProvider: AssumeRole (also behind the cache) yes, master keys no", () => {
  const keystore = {} as Keystore;
  const master = new MasterCredentialsProvider(keystore, "p");
  const role = new AssumeRoleProvider(master, testProfile({ roleArn: "arn:r" }), "", noEnv);
  const cache = (type: "sts.AssumeRole" | "sts.GetSessionToken", provider: unknown) =>
    new CachedSessionProvider({
      store: new SessionStore(keystore),
      meta: { type, profileName: "p", mfaSerial: "" },
      provider: provider as AssumeRoleProvider,
      minTtlMs: 0,
    });
  assert(isRoleProvider(role));
  assert(isRoleProvider(cache("sts.AssumeRole", role)));
  assert(!isRoleProvider(master));
  assert(!isRoleProvider(cache("sts.GetSessionToken", master)));
  assert(!isRoleProvider({ retrieve: () => Promise.resolve(SESSION) }));
});

/** A sign-in endpoint on loopback that answers every request with `respond`. */
function signinServer(respond: (url: URL) => Response) {
  const seen: URL[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    seen.push(url);
    return respond(url);
  });
  return {
    prefix: `http://127.0.0.1:${server.addr.port}/federation`,
    seen,
    close: () => server.shutdown(),
  };
}

Deno.test("requestSigninToken sends Action and the Session JSON, returns SigninToken", async () => {
  const fake = signinServer(() => Response.json({ SigninToken: "the-token" }));
  try {
    assertEquals(await requestSigninToken(fake.prefix, SESSION), "the-token");
    assertEquals(fake.seen.length, 1);
    const url = fake.seen[0];
    assertEquals(url.pathname, "/federation");
    assertEquals([...url.searchParams.keys()], ["Action", "Session"]);
    assertEquals(url.searchParams.get("Action"), "getSigninToken");
    assertEquals(JSON.parse(url.searchParams.get("Session")!), {
      sessionId: SESSION.accessKeyId,
      sessionKey: SESSION.secretAccessKey,
      sessionToken: SESSION.sessionToken,
    });
  } finally {
    await fake.close();
  }
});

Deno.test("requestSigninToken: non-200, missing SigninToken, bad JSON", async () => {
  const answers = [
    new Response("nope", { status: 400, statusText: "Bad Request" }),
    Response.json({ Other: "x" }),
    new Response("SigninToken=tok-secret", { status: 200 }),
    Response.json({ SigninToken: 5 }),
  ];
  const fake = signinServer(() => answers.shift()!);
  try {
    await assertRejects(
      () => requestSigninToken(fake.prefix, SESSION),
      UserError,
      "Call to getSigninToken failed with 400 Bad Request",
    );
    await assertRejects(
      () => requestSigninToken(fake.prefix, SESSION),
      UserError,
      "Expected a response with SigninToken",
    );
    const invalid = await assertRejects(() => requestSigninToken(fake.prefix, SESSION), UserError);
    assertEquals(invalid.message, "getSigninToken returned invalid JSON");
    await assertRejects(
      () => requestSigninToken(fake.prefix, SESSION),
      UserError,
      "Expected a response with SigninToken",
    );
  } finally {
    await fake.close();
  }
});

Deno.test("requestSigninToken: a connection error does not reveal the secret key", async () => {
  // A port that was just free: nothing listens there any more.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const prefix = `http://127.0.0.1:${port}/federation`;
  const err = await assertRejects(() => requestSigninToken(prefix, SESSION), UserError);
  assertEquals(err.message.startsWith(`Call to getSigninToken at ${prefix} failed: `), true);
  assertNotIncludes(err.message, "wJalr");
  assertNotIncludes(err.message, queryEscape(SESSION.secretAccessKey));
  assertNotIncludes(err.message, "Session=");
  assertStringIncludes(err.message, "Connection refused");
});

Deno.test("loginTarget: the European Sovereign Cloud signs in per region", () => {
  assertEquals(loginTarget("eusc-de-east-1", "", noEnv), {
    prefix: "https://eusc-de-east-1.signin.amazonaws-eusc.eu/federation",
    destination:
      "https://eusc-de-east-1.console.amazonaws-eusc.eu/console/home?region=eusc-de-east-1",
  });
});

Deno.test("logoutThenLoginUrl: the partition's logout, redirecting to the escaped login URL", () => {
  const target = loginTarget("eu-west-1", "", noEnv);
  const login = loginUrl(target, "tok+/=");
  const url = logoutThenLoginUrl(target, login);
  assertEquals(
    url,
    `https://us-east-1.signin.aws.amazon.com/oauth?Action=logout&redirect_uri=${
      queryEscape(login)
    }`,
  );
  // The browser gets back exactly the login URL, token and destination intact.
  assertEquals(new URL(url).searchParams.get("redirect_uri"), login);
  const cn = loginTarget("cn-north-1", "", noEnv);
  assert(logoutThenLoginUrl(cn, "x").startsWith("https://signin.amazonaws.cn/oauth?Action=logout"));
});
