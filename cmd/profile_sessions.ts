/** Cached sessions of one profile, found by parsing key names (nothing is decrypted). */
import type { Keystore } from "../keystore/keystore.ts";
import { parseSessionKey } from "../keystore/key_names.ts";

/** Removes every current-format session key whose profile is `profileName`; returns how many. */
export async function removeSessionsOfProfile(
  keystore: Keystore,
  profileName: string,
): Promise<number> {
  let removed = 0;
  for (const key of await keystore.keys()) {
    if (parseSessionKey(key)?.profileName !== profileName) continue;
    await keystore.remove(key);
    removed++;
  }
  return removed;
}
