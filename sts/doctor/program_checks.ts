/**
 * `doctor`'s check of the helper programs a profile runs (credential_process, mfa_process,
 * web_identity_token_process): each command line runs through `/bin/sh -c` (`cmd.exe /C` on
 * Windows; lib/shell_process.ts), so its program is the first word as that shell reads it, looked
 * up as the shell would.
 */
import { findExecutable } from "../../lib/which.ts";
import type { ProfileConfig } from "../config/profile_config.ts";
import { type Check, fail, ok } from "./report.ts";

type Env = (name: string) => string | undefined;

/** credential_process, mfa_process and web_identity_token_process must name a program we find. */
export function programChecks(env: Env, p: ProfileConfig): Check[] {
  const checks: Check[] = [];
  const settings: [string, string][] = [
    ["credential_process", p.credentialProcess],
    ["mfa_process", p.mfaProcess],
    ["web_identity_token_process", p.webIdentityTokenProcess],
  ];
  for (const [key, commandLine] of settings) {
    if (commandLine === "") continue;
    const program = Deno.build.os === "windows"
      ? firstCmdWord(commandLine)
      : firstWord(commandLine);
    if (program === undefined) {
      checks.push(ok(key, "not checked (the command line uses shell expansion)"));
    } else if (findExecutable(program, env) !== undefined) {
      checks.push(ok(key, `'${program}' found`));
    } else {
      checks.push(fail(
        key,
        `'${program}' is not an executable file${/[\\/]/.test(program) ? "" : " on PATH"}`,
        `install it or fix the path in ${key} of [profile ${p.name}]`,
      ));
    }
  }
  return checks;
}

/**
 * The program of a `/bin/sh -c` command line: the first word after any `VAR=value` assignments,
 * unquoted; undefined when it depends on expansion (`$`, backquotes, `~user`, globs).
 */
export function firstWord(commandLine: string): string | undefined {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote = "";
  for (let i = 0; i < commandLine.length; i++) {
    const c = commandLine[i];
    if (quote === "'") {
      if (c === "'") quote = "";
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = "";
      else if (c === "$" || c === "`") return undefined;
      else if (c === "\\" && i + 1 < commandLine.length) word += commandLine[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < commandLine.length) {
      word += commandLine[++i];
      inWord = true;
    } else if (/\s/.test(c) || ";&|<>()".includes(c)) {
      if (inWord) {
        if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) {
          word = "";
          inWord = false;
          continue;
        }
        words.push(word);
        break;
      }
    } else if (c === "$" || c === "`" || c === "*" || c === "?" || c === "[") {
      return undefined;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (words.length === 0 && inWord && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) words.push(word);
  const program = words[0];
  if (program === undefined || program === "" || program.startsWith("~")) return undefined;
  return program;
}

/**
 * The program of a `cmd.exe /C` command line: a double-quoted first word (cmd.exe has no escape
 * inside quotes, and a backslash is a path separator, not an escape), else the text up to the
 * first blank; undefined when it depends on `%VAR%` expansion.
 */
export function firstCmdWord(commandLine: string): string | undefined {
  const line = commandLine.trimStart();
  const program = line.startsWith('"')
    ? line.slice(1, line.indexOf('"', 1) === -1 ? undefined : line.indexOf('"', 1))
    : line.split(/[\s&|<>]/, 1)[0];
  if (program === "" || program.includes("%")) return undefined;
  return program;
}
