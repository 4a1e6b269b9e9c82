/**
 * The SSO start URL of every profile at once, in time linear in the size of the config: what
 * `resolvedSsoStartUrl()` (profile_resolve.ts) answers for one profile, which `list` and `clear`
 * need for all of them. Resolving each profile on its own costs the length of its include and
 * source chains, so 3,000 profiles in one chain took minutes (issue 10); here each profile's walk
 * is summarised once and shared by every walk that passes through it.
 *
 * The rules mirror profile_resolve.ts populateFromSection() for a blank profile (no flags, no
 * environment): a walk visits the profile, its include_profile chain, then [default]; the first
 * `sso_session` found sets the start URL from its `[sso-session]` section, overriding any
 * `sso_start_url` seen before it; otherwise the first `sso_start_url` wins (sso_region the same
 * way). A profile that would not resolve (an include or source_profile loop, bad session_tags or
 * an invalid region or sso_region anywhere the resolver reads them) has no start URL.
 * tests/config_scale_test.ts checks this against resolvedSsoStartUrl() on random configs, and
 * sso_start_urls_test.ts on the cases those do not generate.
 */
import type { AwsConfigFile } from "./config.ts";
import { isValidRegionName, parseSessionTags } from "./profile_resolve.ts";

/**
 * A setting an `[sso-session]` section overrides (sso_start_url, sso_region) as the walk from one
 * node yields it.
 */
interface SessionSetting {
  /** The first non-empty value in a profile section along the walk. */
  first: string;
  /** The result at the first node with sso_session, when there is one. */
  session?: { exists: boolean; value: string };
  /** The value the walk yields from a blank profile. */
  value: string;
}

/** What the walk from one node (a profile name) yields, blank state in. */
interface WalkSummary {
  /** The walk runs into an include loop. */
  loops: boolean;
  startUrl: SessionSetting;
  ssoRegion: SessionSetting;
  /** The first non-empty region, session_tags and source_profile along the walk. */
  firstRegion: string;
  firstTags: string;
  firstSource: string;
}

const UNSET: SessionSetting = { first: "", value: "" };
const END: WalkSummary = {
  loops: false,
  startUrl: UNSET,
  ssoRegion: UNSET,
  firstRegion: "",
  firstTags: "",
  firstSource: "",
};

/** profile name -> start URL ("" for none), for every profile in the file. */
export function ssoStartUrlsByProfile(file: AwsConfigFile): Map<string, string> {
  const summaries = new Map<string, WalkSummary>();
  const summary = (name: string) => summarise(file, name, summaries);
  const resolves = new Map<string, boolean>();
  const urls = new Map<string, string>();
  for (const name of file.profileNames()) {
    const own = summary(name);
    urls.set(
      name,
      own.loops || !sourceChainResolves(name, summary, resolves) ? "" : own.startUrl.value,
    );
  }
  return urls;
}

function nextOf(file: AwsConfigFile, name: string): string | undefined {
  const include = file.profileSection(name)?.values.get("include_profile") ?? "";
  if (include !== "") return include;
  return name !== "default" ? "default" : undefined;
}

/** The summary of the walk from `start`, computed along with every node on it not known yet. */
function summarise(
  file: AwsConfigFile,
  start: string,
  memo: Map<string, WalkSummary>,
): WalkSummary {
  // Follow the walk to its end, a node already summarised, or a node seen on this path (a loop).
  const path: string[] = [];
  const onPath = new Set<string>();
  let node: string | undefined = start;
  let tail: WalkSummary = END;
  while (node !== undefined) {
    const known = memo.get(node);
    if (known) {
      tail = known;
      break;
    }
    if (onPath.has(node)) {
      tail = { ...END, loops: true };
      break;
    }
    onPath.add(node);
    path.push(node);
    node = nextOf(file, node);
  }
  // Then summarise the path back to front, each node from the one after it.
  for (let i = path.length - 1; i >= 0; i--) {
    tail = step(file, path[i], tail);
    memo.set(path[i], tail);
  }
  return tail;
}

function step(file: AwsConfigFile, name: string, next: WalkSummary): WalkSummary {
  if (next.loops) return next;
  const values = file.profileSection(name)?.values;
  const v = (key: string) => values?.get(key) ?? "";
  const sessionName = v("sso_session");
  const section = sessionName === "" ? undefined : file.ssoSessionSection(sessionName);
  const setting = (key: string, after: SessionSetting) =>
    stepSetting(
      v(key),
      after,
      sessionName === "" ? undefined : {
        exists: section !== undefined,
        value: section?.values.get(key) ?? "",
      },
    );
  return {
    loops: false,
    startUrl: setting("sso_start_url", next.startUrl),
    ssoRegion: setting("sso_region", next.ssoRegion),
    firstRegion: v("region") || next.firstRegion,
    firstTags: v("session_tags") || next.firstTags,
    firstSource: v("source_profile") || next.firstSource,
  };
}

/**
 * One node's step for a setting: `own` is the profile section's value, `session` what its
 * sso_session gives (when it has one).
 */
function stepSetting(
  own: string,
  next: SessionSetting,
  session?: { exists: boolean; value: string },
): SessionSetting {
  const first = own || next.first;
  if (session) {
    // The session's value replaces whatever came before; later sections only fill it if empty.
    const here = { exists: session.exists, value: session.value || first };
    return { first, session: here, value: here.value };
  }
  // An own value is kept unless a later sso_session with a section overrides it.
  const value = own === "" ? next.value : next.session?.exists ? next.session.value : own;
  return { first, session: next.session, value };
}

/**
 * True when `name`'s session_tags parse, its region and sso_region are valid, and its
 * source_profile chain resolves (no loop, every source's walk resolves): otherwise
 * resolveProfile() would throw for it.
 */
function sourceChainResolves(
  name: string,
  summary: (name: string) => WalkSummary,
  memo: Map<string, boolean>,
): boolean {
  const path: string[] = [];
  const onPath = new Set<string>();
  let node: string | undefined = name;
  let result = true;
  while (node !== undefined) {
    const known = memo.get(node);
    if (known !== undefined) {
      result = known;
      break;
    }
    if (onPath.has(node)) {
      result = false;
      break;
    }
    onPath.add(node);
    path.push(node);
    const s = summary(node);
    if (
      s.loops || (s.firstTags !== "" && parseSessionTags(s.firstTags) === undefined) ||
      !isValidRegionName(s.firstRegion) || !isValidRegionName(s.ssoRegion.value)
    ) {
      result = false;
      break;
    }
    // A self-reference means "my own stored credentials" and ends the chain.
    node = s.firstSource !== "" && s.firstSource !== node ? s.firstSource : undefined;
  }
  for (const n of path) memo.set(n, result);
  return result;
}
