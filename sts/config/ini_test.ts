import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { cleanValue, IniSyntaxError, parseIni } from "./ini.ts";

function values(text: string, section: string): Record<string, string> {
  return Object.fromEntries(parseIni(text).section(section)?.values ?? []);
}

Deno.test("ini: sections in file order, keys lower-cased, section names case-sensitive", () => {
  const doc = parseIni(
    "[profile B]\nRegion = eu-west-1\n[default]\nREGION=us-east-1\n[Profile b]\nx=1\n",
  );
  assertEquals(doc.sections.map((s) => s.name), ["profile B", "default", "Profile b"]);
  assertEquals(values("[profile B]\nRegion = eu-west-1\n", "profile B"), { region: "eu-west-1" });
  assertEquals(doc.section("profile b"), undefined);
  assertEquals(doc.section("profile B")?.line, 1);
});

Deno.test("ini: full-line comments with # and ; (also indented) are skipped", () => {
  const text = "# top\n; top\n[profile a]\n  # indented comment\nregion = x\n;region = y\n";
  assertEquals(values(text, "profile a"), { region: "x" });
});

Deno.test("ini: inline comments need whitespace before # or ;, so URL fragments survive", () => {
  const text = [
    "[sso-session s]",
    "sso_start_url = https://example.awsapps.com/start#/",
    "sso_region = eu-west-1 # where the portal lives",
    "role_arn = arn;x ; trailing",
    "tab = value\t;comment",
  ].join("\n");
  assertEquals(values(text, "sso-session s"), {
    sso_start_url: "https://example.awsapps.com/start#/",
    sso_region: "eu-west-1",
    role_arn: "arn;x",
    tab: "value",
  });
});

Deno.test("ini: quoted values are unquoted; comments after the closing quote are dropped", () => {
  assertEquals(cleanValue(' "a # not a comment" '), "a # not a comment");
  assertEquals(cleanValue('"quoted" # comment'), "quoted");
  assertEquals(cleanValue("`back`"), "back");
  assertEquals(cleanValue('"""triple "inner" quotes"""'), 'triple "inner" quotes');
  assertEquals(cleanValue('"unbalanced'), '"unbalanced');
  assertEquals(cleanValue('"a"b'), '"a"b');
  assertEquals(cleanValue(""), "");
});

Deno.test("ini: repeated keys: last wins; repeated sections are merged at the first position", () => {
  const text =
    "[profile a]\nregion = one\n[profile b]\nx = 1\n[profile a]\nregion = two\nrole_arn = r\n";
  const doc = parseIni(text);
  assertEquals(doc.sections.map((s) => s.name), ["profile a", "profile b"]);
  assertEquals(values(text, "profile a"), { region: "two", role_arn: "r" });
});

Deno.test("ini: nested sub-sections after an empty value (services / s3 blocks)", () => {
  const text = [
    "[services local]",
    "sts =",
    "  endpoint_url = http://127.0.0.1:4566 # local",
    "  Region = us-east-1",
    "",
    "  # still inside",
    "sso-oidc =",
    "\tendpoint_url = http://127.0.0.1:9999",
    "plain = 1",
  ].join("\n");
  const section = parseIni(text).section("services local")!;
  assertEquals(Object.fromEntries(section.nested.get("sts")!), {
    endpoint_url: "http://127.0.0.1:4566",
    region: "us-east-1",
  });
  assertEquals(Object.fromEntries(section.nested.get("sso-oidc")!), {
    endpoint_url: "http://127.0.0.1:9999",
  });
  assertEquals(section.values.get("sts"), "");
  assertEquals(section.values.get("plain"), "1");
  assertEquals(section.nested.has("plain"), false);
});

Deno.test("ini: an indented line after a non-empty value continues it (configparser style)", () => {
  const text = "[profile a]\ncredential_process = /bin/helper\n  --flag\nregion = x\n";
  assertEquals(values(text, "profile a"), {
    credential_process: "/bin/helper\n--flag",
    region: "x",
  });
});

Deno.test("ini: indented headers are headers; indented settings after a header are settings", () => {
  const text = "[profile a]\nregion = x\n  [profile b]\n  region = y\n";
  assertEquals(values(text, "profile b"), { region: "y" });
  assertEquals(values(text, "profile a"), { region: "x" });
});

Deno.test("ini: CRLF line endings and a BOM", () => {
  const text = "\uFEFF[default]\r\nregion = us-east-1\r\n\r\n[profile a]\r\nmfa_serial = m\r\n";
  assertEquals(values(text, "default"), { region: "us-east-1" });
  assertEquals(values(text, "profile a"), { mfa_serial: "m" });
});

Deno.test("ini: settings before the first header go to an unnamed section", () => {
  assertEquals(values("region = x\n[default]\n", ""), { region: "x" });
});

Deno.test("ini: malformed lines are errors with their 1-based line number", () => {
  const cases: [string, number, string][] = [
    [
      "[default]\nregion = x\n\n# c\n[profile a]\nrole_arn = r\njust some words\n",
      7,
      "key = value",
    ],
    ["[profile a\nregion = x\n", 1, "section header"],
    ["[default]\n= value\n", 2, "empty key"],
    ["[]\n", 1, "empty section name"],
    ["[services s]\nsts =\n  not a setting\n", 3, "key = value"],
    ["[profile a]\nregion = x\n[broken\n", 3, "section header"],
    ["[default]\n: value\n", 2, "empty key"],
  ];
  for (const [text, line, detail] of cases) {
    const err = assertThrows(() => parseIni(text), IniSyntaxError, detail) as IniSyntaxError;
    assertEquals(err.line, line, text);
    assertEquals(err.message.startsWith(`line ${line}: `), true);
  }
});

Deno.test("ini: a syntax error does not repeat the offending line (it may be a secret)", () => {
  const err = assertThrows(() => parseIni("[default]\nwJalrXUtnFEMISECRET\n"));
  assertEquals(err.message.includes("wJalrXUtnFEMISECRET"), false);
});

Deno.test("ini: a header's name runs to its last ']'; text after it is ignored", () => {
  const text = "[profile a] # note\n[profile b];x\n[profile c] trailing\n[profile d]e]\n";
  assertEquals(parseIni(text).sections.map((s) => s.name), [
    "profile a",
    "profile b",
    "profile c",
    "profile d]e",
  ]);
});

Deno.test("ini: a line continues a value only when indented deeper than its key line", () => {
  // Keys all indented alike are separate keys (aws-vault and botocore agree); the old rule read
  // this section as one key with a multi-line value.
  const text = [
    "[profile a]",
    "  region = eu-west-1",
    "  role_arn = arn:aws:iam::111111111111:role/r",
    "  credential_process = /bin/helper",
    "     --flag # comment",
    "",
    "     'quoted'",
    "  source_profile = base",
    // A tab counts as one character of indentation, as in configparser.
    "\tmfa_serial = arn:aws:iam::111111111111:mfa/u",
  ].join("\n");
  assertEquals(values(text, "profile a"), {
    region: "eu-west-1",
    role_arn: "arn:aws:iam::111111111111:role/r",
    mfa_serial: "arn:aws:iam::111111111111:mfa/u",
    credential_process: "/bin/helper\n--flag\n\n'quoted'",
    source_profile: "base",
  });
});

Deno.test("ini: 'key: value' is read as configparser and go-ini read it (first = or :)", () => {
  const text = "[profile a]\nregion: eu-west-1\nsso_start_url: https://x/start#/\nk:v=w\nj=v:w\n";
  assertEquals(values(text, "profile a"), {
    region: "eu-west-1",
    sso_start_url: "https://x/start#/",
    k: "v=w",
    j: "v:w",
  });
});

Deno.test("ini: single-quoted values are unquoted as go-ini does", () => {
  assertEquals(cleanValue("'single'"), "single");
  assertEquals(cleanValue("'it''s'"), "'it''s'");
});
