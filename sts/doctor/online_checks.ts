/**
 * `doctor --online`: whether the STS endpoint each profile would use answers, and how far the
 * local clock is from the server's `Date` header (AWS refuses SigV4 signatures more than 15
 * minutes off: "Signature expired" / SignatureDoesNotMatch). The request is an unsigned
 * GetCallerIdentity: no credentials are sent, nothing is fetched, and AWS answers it with an
 * authentication error that still carries a Date.
 */
import { errorMessage } from "../../lib/errors.ts";
import { resolveEndpoint } from "../aws/endpoints.ts";
import { fetchAnswer } from "../aws/http.ts";
import type { ProfileConfig } from "../config/profile_config.ts";
import { type Check, fail, ok, warn } from "./report.ts";

type Env = (name: string) => string | undefined;

/** AWS's limit for the signing time against its clock. */
const MAX_CLOCK_SKEW_MS = 15 * 60_000;
/** Warn well before the limit: clocks drift. */
const WARN_CLOCK_SKEW_MS = 5 * 60_000;
const TIMEOUT_MS = 5000;

export async function checkReachability(profiles: ProfileConfig[], env: Env): Promise<Check[]> {
  const checks: Check[] = [];
  const byUrl = new Map<string, string[]>();
  const noRegion: string[] = [];
  for (const p of profiles) {
    try {
      const { url } = resolveEndpoint("sts", p, { env });
      byUrl.set(url, [...(byUrl.get(url) ?? []), p.name]);
    } catch {
      noRegion.push(p.name);
    }
  }
  if (noRegion.length > 0) {
    checks.push(warn(
      "sts",
      `no STS endpoint without a region for ${listNames(noRegion)}`,
      "set region (see the profile checks)",
    ));
  }
  for (const [url, names] of byUrl) checks.push(...await probeEndpoint(url, names));
  return checks;
}

async function probeEndpoint(url: string, names: string[]): Promise<Check[]> {
  const who = `${url} (${listNames(names)})`;
  const sent = Date.now();
  let answer;
  try {
    answer = await fetchAnswer("STS GetCallerIdentity (unsigned)", {
      method: "POST",
      url: `${url}/`,
      headers: new Headers({ "content-type": "application/x-www-form-urlencoded; charset=utf-8" }),
      body: "Action=GetCallerIdentity&Version=2011-06-15",
    }, TIMEOUT_MS);
  } catch (err) {
    return [
      fail(
        "sts",
        `${who} does not answer: ${errorMessage(err)}`,
        "check the network, proxy (HTTPS_PROXY) and endpoint settings",
      ),
    ];
  }
  const received = Date.now();
  const checks = [ok("sts", `${who} answers (HTTP ${answer.status} in ${received - sent} ms)`)];
  const date = Date.parse(answer.headers.get("date") ?? "");
  if (Number.isNaN(date)) {
    checks.push(
      warn(
        "clock",
        `${url} sent no Date header: clock skew not checked`,
        "check that the endpoint is AWS or a faithful proxy",
      ),
    );
    return checks;
  }
  // The Date header has whole seconds and was made while the request was in flight.
  const skew = (sent + received) / 2 - date;
  const text = `${Math.round(Math.abs(skew) / 1000)} s ${skew > 0 ? "ahead of" : "behind"} ${url}`;
  if (Math.abs(skew) > MAX_CLOCK_SKEW_MS) {
    checks.push(
      fail(
        "clock",
        `the local clock is ${text}: AWS refuses signatures over 15 min off`,
        "sync the clock (timedatectl set-ntp true, or w32tm /resync)",
      ),
    );
  } else if (Math.abs(skew) > WARN_CLOCK_SKEW_MS) {
    checks.push(
      warn(
        "clock",
        `the local clock is ${text}; AWS refuses signatures over 15 min off`,
        "sync the clock (timedatectl set-ntp true, or w32tm /resync)",
      ),
    );
  } else {
    checks.push(
      ok(
        "clock",
        `the local clock is within ${Math.max(1, Math.round(Math.abs(skew) / 1000))} s of ${url}`,
      ),
    );
  }
  return checks;
}

function listNames(names: string[]): string {
  return names.length <= 3
    ? names.join(", ")
    : `${names.slice(0, 3).join(", ")} and ${names.length - 3} more`;
}
