/**
 * `doctor`'s checks of the config file as a whole: where it is and which variable chose it, every
 * syntax error with its line, sections that are not what they look like, and the shared
 * credentials file. Reading only: a missing file is reported, never created (the other commands
 * create it, as aws-vault does).
 */
import {
  AwsConfigFile,
  CONFIG_MAX_BYTES,
  configFilePath,
  credentialsFilePath,
} from "../config/config.ts";
import { readRegularFileSync } from "../../lib/regular_file.ts";
import { type IniDocument, IniSyntaxError, parseIni } from "../config/ini.ts";
import { type Check, fail, ok, warn } from "./report.ts";

type Env = (name: string) => string | undefined;

/** Sections the AWS CLI itself uses that are not profiles. */
const CLI_SECTIONS = new Set(["plugins", "preview", "cli"]);

/** At most this many syntax errors are listed: past that the file is likely not an AWS config. */
const MAX_SYNTAX_ERRORS = 20;

export interface LoadedConfig {
  /** The parsed file (lines with syntax errors left out); an empty file when missing. */
  file: AwsConfigFile;
  /** The profile names the user probably meant by `[name]` sections: name -> line. */
  bareSections: Map<string, number>;
  checks: Check[];
}

/** Reads and checks the config file without creating or changing it. */
export function loadConfigForDoctor(env: Env): LoadedConfig {
  const checks: Check[] = [];
  const path = configFilePath(env);
  const chosenBy = env("AWS_CONFIG_FILE") ? "AWS_CONFIG_FILE" : "the default location";
  let text: string;
  try {
    text = readBoundedText(path);
    checks.push(ok("file", `${path} (chosen by ${chosenBy})`));
  } catch (err) {
    const notFound = err instanceof Deno.errors.NotFound;
    checks.push(
      notFound
        ? warn(
          "file",
          `${path} (chosen by ${chosenBy}) does not exist: no profiles are configured`,
          `create it with a [profile <name>] section, or run 'aws-vault add <name>'`,
        )
        : fail(
          "file",
          `${path} (chosen by ${chosenBy}) cannot be read: ${(err as Error).message}`,
          `fix the file's permissions or point AWS_CONFIG_FILE at a readable file`,
        ),
    );
    text = "";
  }
  const { doc, errors } = parseCollectingErrors(text);
  for (const e of errors) {
    checks.push(
      fail(
        "syntax",
        `${path}: ${e.message}; every command fails with this error`,
        `edit line ${e.line} of ${path}`,
      ),
    );
  }
  if (errors.length === MAX_SYNTAX_ERRORS) {
    checks.push(warn("syntax", `stopped after ${MAX_SYNTAX_ERRORS} errors`, `fix those first`));
  } else if (errors.length === 0 && text !== "") checks.push(ok("syntax", "the file parses"));

  const file = new AwsConfigFile(path, doc);
  const bareSections = new Map<string, number>();
  for (const section of doc.sections) {
    if (/^(profile|sso-session|services)\s/.test(section.name) || section.name === "default") {
      continue;
    }
    if (section.name === "" || CLI_SECTIONS.has(section.name)) continue;
    bareSections.set(section.name, section.line);
    checks.push(
      warn(
        "section",
        `[${section.name}] at line ${section.line} is not a profile: the config file needs ` +
          `[profile ${section.name}] ([name] is the credentials file's syntax)`,
        `rename the section to [profile ${section.name}] in ${path}`,
      ),
    );
  }
  const profileDefault = doc.sections.find((s) => /^profile\s+default$/.test(s.name));
  if (profileDefault) {
    checks.push(
      warn(
        "section",
        `[profile default] at line ${profileDefault.line} is ignored by aws-vault, which reads ` +
          `[default]`,
        `rename the section to [default] in ${path}`,
      ),
    );
  }
  return { file, bareSections, checks };
}

/**
 * Parses with the one config parser; on a syntax error, blanks that line and parses again, so
 * that every error is listed (up to MAX_SYNTAX_ERRORS) and the rest of the file is still checked.
 */
function parseCollectingErrors(text: string): { doc: IniDocument; errors: IniSyntaxError[] } {
  const errors: IniSyntaxError[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  while (true) {
    try {
      return { doc: parseIni(lines.join("\n")), errors };
    } catch (err) {
      if (!(err instanceof IniSyntaxError)) throw err;
      errors.push(err);
      lines[err.line - 1] = "";
      if (errors.length >= MAX_SYNTAX_ERRORS) {
        try {
          return { doc: parseIni(lines.join("\n")), errors };
        } catch {
          return { doc: parseIni(""), errors };
        }
      }
    }
  }
}

/** The shared credentials file and the profiles that hold static keys in it. */
export interface CredentialsFile {
  path: string;
  /** Profile name -> line of its section, for sections with aws_access_key_id. */
  staticKeys: Map<string, number>;
}

/**
 * `$AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`, read the way the SDKs read it; a
 * missing or unreadable file counts as empty (the SDKs then skip it too).
 */
export function readCredentialsFile(env: Env): CredentialsFile {
  const path = credentialsFilePath(env);
  const staticKeys = new Map<string, number>();
  try {
    const doc = parseIni(readBoundedText(path));
    for (const s of doc.sections) {
      if (s.values.get("aws_access_key_id")) staticKeys.set(s.name, s.line);
    }
  } catch {
    // Missing, unreadable or unparsable: nothing an SDK would prefer either.
  }
  return { path, staticKeys };
}

/** A config or credentials file as the commands read it: regular (or the null device), bounded. */
function readBoundedText(path: string): string {
  // A FIFO would hang doctor and a device like /dev/zero fill memory (issue 10).
  const bytes = readRegularFileSync(path, { maxBytes: CONFIG_MAX_BYTES, allowNullDevice: true });
  return new TextDecoder().decode(bytes);
}
