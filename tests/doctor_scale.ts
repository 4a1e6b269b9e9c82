/**
 * A large, realistic set-up for the doctor benchmark and its test: `count` profiles in the shapes
 * people use (stored-key users with MFA, roles on them, SSO profiles on a few sso-sessions,
 * credential_process helpers, include_profile settings), and stored keys for the key profiles.
 */
import { dummyKeys, homeKeystore, storeMasterKeys } from "./engine_fixtures.ts";

/** Writes the config into `<home>/.aws/config` and stores keys; returns the profile count. */
export async function writeLargeSetup(home: string, count = 500): Promise<number> {
  const lines = ["[default]", "region = eu-west-1", ""];
  for (let s = 0; s < 5; s++) {
    lines.push(`[sso-session org${s}]`, `sso_start_url = https://org${s}.awsapps.com/start`);
    lines.push("sso_region = us-east-1", "");
  }
  const store = await homeKeystore(home);
  for (let i = 0; i < count; i++) {
    lines.push(`[profile p${i}]`);
    switch (i % 5) {
      case 0:
        lines.push(`mfa_serial = arn:aws:iam::111111111111:mfa/user${i}`);
        await storeMasterKeys(store, `p${i}`, dummyKeys(String(i).padStart(4, "0")));
        break;
      case 1:
        lines.push(`source_profile = p${i - 1}`, `role_arn = arn:aws:iam::2:role/r${i}`);
        lines.push(`mfa_serial = arn:aws:iam::111111111111:mfa/user${i - 1}`);
        break;
      case 2:
        lines.push(`sso_session = org${i % 5}`, "sso_account_id = 222222222222");
        lines.push("sso_role_name = Admin");
        break;
      case 3:
        lines.push("credential_process = /bin/echo {}");
        break;
      case 4:
        lines.push(`include_profile = p${i - 3}`, "region = us-west-2");
        break;
    }
    lines.push("");
  }
  await Deno.writeTextFile(`${home}/.aws/config`, lines.join("\n"));
  return count;
}
