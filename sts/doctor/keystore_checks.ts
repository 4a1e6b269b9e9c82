/**
 * `doctor`'s keystore checks: which backend the other commands would use and why, a probe of
 * every backend offered on this machine (keystore/probe.ts), and, for the backend in use, its
 * items: each one read where that needs no prompt, expired and legacy sessions, and session locks
 * held by other processes. Nothing is written, removed, created or unlocked.
 */
import { errorMessage } from "../../lib/errors.ts";
import {
  availableBackendNames,
  defaultBackendName,
  openKeystore,
} from "../../keystore/registry.ts";
import type { KeystoreOptions } from "../../keystore/keystore.ts";
import { passItemDecrypts, probeBackend, type ProbeResult } from "../../keystore/probe.ts";
import {
  isLegacySessionKey,
  isMasterCredentialsKey,
  isOidcKey,
  OIDC_PREFIX,
  parseSessionKey,
} from "../../keystore/key_names.ts";
import { decodeOidcToken } from "../../keystore/oidc_token_item.ts";
import { canRefresh } from "../oidc_token_cache.ts";
import { type Check, fail, ok, warn } from "./report.ts";

type Env = (name: string) => string | undefined;

/** How many items are read at once (see eachConcurrently). */
const READ_CONCURRENCY = 4;

export interface KeystoreCheckOptions {
  /** --backend or AWS_VAULT_BACKEND; "" for the default. */
  backend: string;
  keystoreOptions: KeystoreOptions;
  env: Env;
  now: number;
}

export interface KeystoreCheckResult {
  checks: Check[];
  /** The backend the other commands would use ("" when none). */
  backend: string;
  /** Master-credential keys, when they could be listed without a prompt. */
  storedKeys?: Set<string>;
  /** Every key, when listed. */
  allKeys?: string[];
}

export async function checkKeystore(o: KeystoreCheckOptions): Promise<KeystoreCheckResult> {
  const checks: Check[] = [];
  const available = await availableBackendNames();
  const fromEnv = o.env("AWS_VAULT_BACKEND") === o.backend && o.backend !== "";
  let chosen = o.backend;
  if (chosen !== "" && !available.includes(chosen)) {
    checks.push(fail(
      "backend",
      `'${chosen}' (from ${fromEnv ? "AWS_VAULT_BACKEND" : "--backend"}) is not offered here; ` +
        `available: ${available.join(", ")}`,
      `use one of ${available.join(", ")}`,
    ));
    return { checks, backend: "" };
  }
  if (chosen !== "") {
    checks.push(ok("backend", `${chosen} (from ${fromEnv ? "AWS_VAULT_BACKEND" : "--backend"})`));
  } else {
    chosen = defaultBackendName(available) ?? "";
    const skipped = available.slice(0, available.indexOf(chosen));
    checks.push(ok(
      "backend",
      `${chosen} (the first available of ${available.join(", ")}${
        skipped.length > 0 ? `; ${skipped.join(", ")} never chosen by default` : ""
      }; set AWS_VAULT_BACKEND to choose)`,
    ));
  }

  let chosenProbe: ProbeResult | undefined;
  for (const name of available) {
    const probe = await probeBackend(name, o.keystoreOptions, o.env);
    if (name === chosen) chosenProbe = probe;
    // A backend not in use cannot break anything: its findings are information.
    checks.push(
      name === chosen
        ? { check: name, status: probe.status, message: probe.message, fix: probe.fix }
        : ok(name, `not in use; ${probe.message}`),
    );
  }
  if (!chosenProbe) return { checks, backend: chosen };

  const keys = await listKeys(chosen, chosenProbe, o, checks);
  if (keys === undefined) return { checks, backend: chosen };
  checks.push(...sessionChecks(keys, o.now));
  if (chosenProbe.readable) checks.push(...await readabilityChecks(chosen, keys, o));
  return {
    checks,
    backend: chosen,
    storedKeys: new Set(keys.filter(isMasterCredentialsKey)),
    allKeys: keys,
  };
}

async function listKeys(
  backend: string,
  probe: ProbeResult,
  o: KeystoreCheckOptions,
  checks: Check[],
): Promise<string[] | undefined> {
  if (probe.keys) return probe.keys;
  if (!probe.listable) {
    checks.push(warn(
      "items",
      `not listed: listing ${backend}'s items could prompt or fail (see above)`,
      "fix the backend above, then run doctor again",
    ));
    return undefined;
  }
  try {
    return await (await openKeystore(backend, o.keystoreOptions)).keys();
  } catch (err) {
    checks.push(fail("items", `cannot list items: ${errorMessage(err)}`, "fix the backend above"));
    return undefined;
  }
}

/** Expired sessions (aws-vault deletes them only on its next session read or write) and legacy keys. */
function sessionChecks(keys: string[], now: number): Check[] {
  const checks: Check[] = [];
  const sessions = keys.map(parseSessionKey).filter((s) => s !== undefined);
  const expired = sessions.filter((s) => s.expiration * 1000 <= now);
  const masters = keys.filter(isMasterCredentialsKey);
  checks.push(ok(
    "items",
    `${masters.length} stored credential(s), ${sessions.length} session(s), ` +
      `${keys.length - masters.length - sessions.length} other item(s)`,
  ));
  if (expired.length > 0) {
    const names = [...new Set(expired.map((s) => `${s.type} of ${s.profileName}`))].join(", ");
    checks.push(warn(
      "sessions",
      `${expired.length} expired session(s) still stored (${names}); they are deleted on the next ` +
        "session use",
      "run 'aws-vault clear' to remove them now",
    ));
  }
  const legacy = keys.filter(isLegacySessionKey);
  if (legacy.length > 0) {
    checks.push(warn(
      "sessions",
      `${legacy.length} session(s) in the format of aws-vault before v6, which nothing reads`,
      "run 'aws-vault clear' to remove them",
    ));
  }
  return checks;
}

/** Reads every item where that needs no prompt, and reports the ones that fail by key name. */
async function readabilityChecks(
  backend: string,
  keys: string[],
  o: KeystoreCheckOptions,
): Promise<Check[]> {
  const unreadable: string[] = [];
  const tokens: Check[] = [];
  let firstError = "";
  if (backend === "pass") {
    await eachConcurrently(keys, async (key) => {
      if (!await passItemDecrypts(o.keystoreOptions, key, o.env)) unreadable.push(key);
    });
    firstError = "gpg cannot decrypt it without a passphrase prompt";
  } else {
    let store;
    try {
      store = await openKeystore(backend, o.keystoreOptions);
    } catch (err) {
      return [fail("items", `cannot open ${backend}: ${errorMessage(err)}`, "fix the backend")];
    }
    await eachConcurrently(keys, async (key) => {
      try {
        const item = await store.get(key);
        if (isOidcKey(key)) {
          tokens.push(ssoTokenCheck(key.slice(OIDC_PREFIX.length), item.data, o.now));
        }
      } catch (err) {
        unreadable.push(key);
        firstError ||= errorMessage(err);
      }
    });
  }
  // Reported in key order, whatever order the reads finished in.
  unreadable.sort((a, b) => keys.indexOf(a) - keys.indexOf(b));
  tokens.sort((a, b) => a.message < b.message ? -1 : a.message > b.message ? 1 : 0);
  if (unreadable.length === 0) {
    return [ok("readable", `all ${keys.length} item(s) can be read`), ...tokens];
  }
  return [
    ...tokens,
    fail(
      "readable",
      `${unreadable.length} item(s) cannot be read: ${unreadable.join(", ")} (${firstError})`,
      "check the passphrase or key; remove broken items with 'aws-vault remove' or 'aws-vault clear'",
    ),
  ];
}

/** An SSO token's expiry: an expired one without a usable refresh token means a new sign-in. */
function ssoTokenCheck(startUrl: string, data: Uint8Array, now: number): Check {
  const token = decodeOidcToken(data, now);
  const expires = token.expiration.toISOString();
  if (token.expiration.getTime() > now) {
    return ok("sso_token", `${startUrl}: valid until ${expires}`);
  }
  if (canRefresh(token, now)) {
    return ok(
      "sso_token",
      `${startUrl}: expired at ${expires}, refreshed without a sign-in on next use`,
    );
  }
  return warn(
    "sso_token",
    `${startUrl}: expired at ${expires} and cannot be refreshed: the next use opens the browser ` +
      "for a new sign-in (which fails under credential_process without a browser)",
    "sign in again from a terminal, e.g. 'aws-vault exec <sso profile> -- true'",
  );
}

/**
 * Runs `work` for every item, a few at a time: each file-backend read derives its key with
 * PBKDF2 (off the JS thread), and pass runs gpg, so reads overlap well; backends that talk to one
 * daemon queue them themselves.
 */
async function eachConcurrently<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, items.length) }, worker));
}
