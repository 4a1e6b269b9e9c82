/**
 * A fully populated ProfileConfig for unit tests: what the real resolver (profile_resolve.ts)
 * gives a profile named "test" in region eu-west-1 with an empty config and no environment, so
 * that a new ProfileConfig field gets its default here too. `overrides` replace fields of it.
 */
import { AwsConfigFile } from "../../sts/config/config.ts";
import { parseIni } from "../../sts/config/ini.ts";
import { emptyBaseConfig, type ProfileConfig } from "../../sts/config/profile_config.ts";
import { resolveProfile } from "../../sts/config/profile_resolve.ts";

export function testProfile(overrides: Partial<ProfileConfig> = {}): ProfileConfig {
  const empty = new AwsConfigFile("", parseIni(""));
  const base = emptyBaseConfig({ region: "eu-west-1" });
  return { ...resolveProfile(empty, "test", base, () => undefined), ...overrides };
}
