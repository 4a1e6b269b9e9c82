/**
 * Odd but real `~/.aws/config` files, read by botocore itself (Debian's python3-botocore:
 * `configloader.raw_config_parse` + `build_profile_map`, what the AWS CLI and boto3 load) and by
 * our parser; the two readings must be equal. The few files we deliberately read otherwise (where
 * botocore and aws-vault's go-ini disagree and we follow aws-vault, listed in docs/DIFFERENCES.md)
 * state both readings, and botocore's is still checked, so the difference stays true.
 */
import { assertEquals } from "./assert.ts";
import { AwsConfigFile } from "../sts/config/config.ts";
import { parseIni } from "../sts/config/ini.ts";
import { linuxTest } from "./platform.ts";
import { runCommand } from "./run_cli.ts";

const PYTHON = "/usr/bin/python3";

type Section = Record<string, string | Record<string, string>>;
/** botocore's load_config shape, without its `_path`; "error" when the file is refused. */
type Reading = {
  profiles: Record<string, Section>;
  sso_sessions: Record<string, Section>;
  other: Record<string, Section>;
} | "error";

interface Case {
  name: string;
  text: string;
  /** Set where we read the file differently from botocore on purpose. */
  differs?: { botocore: Reading; ours: Reading; why: string };
}

const reading = (
  profiles: Record<string, Section>,
  other: Record<string, Section> = {},
  sso_sessions: Record<string, Section> = {},
): Reading => ({ profiles, sso_sessions, other });

const CASES: Case[] = [
  {
    name: "keys indented alike are separate keys (spaces)",
    text: "[profile a]\n  region = eu-west-1\n  role_arn = arn:aws:iam::1:role/r\n" +
      "  mfa_serial = arn:aws:iam::1:mfa/u\n  source_profile = base\n",
  },
  {
    name: "keys indented by tabs, then by fewer columns",
    text:
      "[profile a]\n\tregion = eu-west-1\n\trole_arn = r\n[profile b]\n    x = 1\n  y = 2\nz = 3\n",
  },
  {
    name: "deeper lines continue a value, across blank and comment lines",
    text: "[profile a]\ncredential_process = /bin/helper\n    --one\n\n    --two\n" +
      "  # a comment inside\n    --three\n\nregion = us-east-1\n",
  },
  {
    name: "a deeper line under an indented key continues it; a shallower one is a key",
    text: "[default]\n  region = x\n    more\n b = y\n",
  },
  {
    name: "CRLF and CR line endings",
    text: "[default]\r\nregion = us-east-1\r\n\r\n[profile a]\r\nmfa_serial = m\r\n" +
      "[profile b]\rregion = eu-west-1\r",
  },
  {
    name: "':' separators; the first '=' or ':' separates",
    text: "[profile a]\nregion: eu-west-1\nrole_arn : arn:aws:iam::1:role/r\nk:v=w\nj=v:w\n" +
      "sso_start_url=https://x.awsapps.com/start#/\n",
  },
  {
    name: "mixed-case keys, spaces around '=', empty values",
    text: "[profile a]\nRegion=eu-west-1\nROLE_ARN   =   r  \noutput =\n",
  },
  {
    name: "full-line comments, also indented, and headers with text after ']'",
    text: "# top\n; top\n[profile a] # note\n  ; indented\nregion = x\n[profile b] trailing\n" +
      "region = y\n",
  },
  {
    name: "services block, sso-session and an unknown section",
    text: "[profile a]\nservices = local\nsso_session = s\n[services local]\nsts =\n" +
      "  endpoint_url = http://127.0.0.1:4566\n\n  region = us-east-1\niam =\n" +
      "  endpoint_url = http://127.0.0.1:4567\n[sso-session s]\n" +
      "sso_start_url = https://x.awsapps.com/start\nsso_region = eu-west-1\n[preview]\ncf = true\n",
  },
  {
    name: "[profile default] before [default]",
    text: "[profile default]\nregion = y\n[default]\nregion = x\n",
  },
  {
    name: "[profile default] after [default]",
    text: "[default]\nregion = x\n[profile default]\nregion = y\n",
    differs: {
      botocore: reading({ default: { region: "y" } }),
      ours: reading({ default: { region: "x" } }),
      why: "aws-vault looks up [default] for the profile default wherever it is",
    },
  },
  {
    name: "inline comments",
    text:
      "[profile a]\nregion = eu-west-1 # Ireland\nrole_arn = arn;x ; note\nurl = https://x/#/\n",
    differs: {
      botocore: reading({
        a: { region: "eu-west-1 # Ireland", role_arn: "arn;x ; note", url: "https://x/#/" },
      }),
      ours: reading({ a: { region: "eu-west-1", role_arn: "arn;x", url: "https://x/#/" } }),
      why: "whitespace + # or ; starts a comment, as the Go and JavaScript SDKs read it",
    },
  },
  {
    name: "quoted values",
    text: "[profile a]\nregion = \"eu-west-1\"\nrole_arn = 'r'\n",
    differs: {
      botocore: reading({ a: { region: '"eu-west-1"', role_arn: "'r'" } }),
      ours: reading({ a: { region: "eu-west-1", role_arn: "r" } }),
      why: "aws-vault (go-ini) unquotes",
    },
  },
  {
    name: "a repeated key",
    text: "[profile a]\nregion = one\nregion = two\n",
    differs: {
      botocore: "error",
      ours: reading({ a: { region: "two" } }),
      why: "aws-vault (go-ini) reads it: the last one wins",
    },
  },
  {
    name: "a repeated section",
    text: "[profile a]\nregion = one\n[profile b]\nx = 1\n[profile a]\nrole_arn = r\n",
    differs: {
      botocore: "error",
      ours: reading({ a: { region: "one", role_arn: "r" }, b: { x: "1" } }),
      why: "aws-vault (go-ini) merges them",
    },
  },
  {
    name: "a UTF-8 byte order mark",
    text: "\uFEFF[default]\nregion = us-east-1\n",
    differs: {
      botocore: "error",
      ours: reading({ default: { region: "us-east-1" } }),
      why: "aws-vault (go-ini) skips it; Windows editors write it",
    },
  },
  {
    name: "an indented header after a value",
    text: "[profile a]\nregion = x\n  [profile b]\n  region = y\n",
    differs: {
      botocore: reading({ a: { region: "x\n[profile b]\nregion = y" } }),
      ours: reading({ a: { region: "x" }, b: { region: "y" } }),
      why: "aws-vault (go-ini) reads a header wherever it is indented",
    },
  },
  {
    name: "profile names with quotes or spaces, and a capitalised header",
    text: '[profile "my dev"]\nregion = x\n[profile a b]\nregion = y\n[Profile C]\nregion = z\n' +
      "[profile   spaced  ]\nregion = w\n",
    differs: {
      botocore: reading({ "my dev": { region: "x" }, spaced: { region: "w" } }, {
        "Profile C": { region: "z" },
      }),
      ours: reading(
        { '"my dev"': { region: "x" }, "a b": { region: "y" }, spaced: { region: "w" } },
        { "Profile C": { region: "z" } },
      ),
      why: "aws-vault's profile name is everything after 'profile ' (botocore shlex-splits it)",
    },
  },
  {
    name: "a line that is neither a header, a comment nor a setting",
    text: "[profile a]\nregion = x\njust words\n",
  },
];

/** Every case file read by botocore in one Python process (importing botocore takes ~0.2 s). */
async function botocoreReadings(paths: string[]): Promise<Reading[]> {
  const script = `
import json, sys
from botocore import configloader
out = []
for path in sys.argv[1:]:
    try:
        m = configloader.build_profile_map(configloader.raw_config_parse(path))
    except Exception:
        out.append("error")
        continue
    profiles, sso = m.pop("profiles"), m.pop("sso_sessions")
    out.append({"profiles": profiles, "sso_sessions": sso, "other": m})
print(json.dumps(out))
`;
  const env = { PATH: "/usr/bin:/bin", LANG: "C.UTF-8" };
  const out = await runCommand(PYTHON, ["-c", script, ...paths], { env });
  if (out.code !== 0) throw new Error(`${PYTHON} with botocore failed: ${out.stderr}`);
  return JSON.parse(out.stdout);
}

/** Our reading in botocore's shape: what profile resolution sees for each name. */
function ourReading(path: string, text: string): Reading {
  let file: AwsConfigFile;
  try {
    file = new AwsConfigFile(path, parseIni(text));
  } catch {
    return "error";
  }
  const result = { profiles: {}, sso_sessions: {}, other: {} } as Exclude<Reading, "error">;
  for (const { name } of parseIni(text).sections) {
    const profile = name === "default" ? "default" : /^profile\s+(.+)$/.exec(name)?.[1];
    const session = /^sso-session\s+(.+)$/.exec(name)?.[1];
    if (profile !== undefined) {
      result.profiles[profile] = sectionValues(file.profileSection(profile)!);
    } else if (session !== undefined) {
      result.sso_sessions[session] = sectionValues(file.ssoSessionSection(session)!);
    } else if (name !== "") {
      result.other[name] = sectionValues(parseIni(text).section(name)!);
    }
  }
  return result;
}

function sectionValues(section: ReturnType<AwsConfigFile["profileSection"]> & object): Section {
  const values: Section = {};
  for (const [key, value] of section.values) {
    const nested = section.nested.get(key);
    values[key] = nested && nested.size > 0 ? Object.fromEntries(nested) : value;
  }
  return values;
}

linuxTest(
  "Debian's python3-botocore",
  "config corpus: we read odd but real files as botocore does, or as documented",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "aws-vault-config-corpus-" });
    try {
      const paths = CASES.map((_, i) => `${dir}/config-${i}`);
      for (const [i, c] of CASES.entries()) await Deno.writeTextFile(paths[i], c.text);
      const botocore = await botocoreReadings(paths);
      for (const [i, c] of CASES.entries()) {
        const ours = ourReading(paths[i], c.text);
        if (c.differs) {
          assertEquals(botocore[i], c.differs.botocore, `botocore, ${c.name}`);
          assertEquals(ours, c.differs.ours, `ours, ${c.name} (${c.differs.why})`);
        } else {
          assertEquals(ours, botocore[i], c.name);
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
