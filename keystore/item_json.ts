/**
 * The Go JSON of keyring's Item struct, which secret-service, kwallet, pass and file store:
 * `{"Key","Data"(std base64),"Label","Description","KeychainNotTrustApplication","KeychainNotSynchronizable"}`.
 * Reading is case-insensitive on field names and ignores unknown fields, as Go's decoder is.
 */
import type { Item } from "./keystore.ts";
import { goJson, lookupFold } from "./go_json.ts";

export function encodeItemJson(item: Item): string {
  return goJson({
    Key: item.key,
    Data: bytesToBase64(item.data),
    Label: item.label,
    Description: item.description,
    KeychainNotTrustApplication: item.keychainNotTrustApplication,
    KeychainNotSynchronizable: item.keychainNotSynchronizable,
  });
}

export function decodeItemJson(text: string): Item {
  const raw = JSON.parse(text);
  if (raw === null || typeof raw !== "object") throw new Error("item is not a JSON object");
  const str = (name: string) => {
    const v = lookupFold(raw, name);
    return typeof v === "string" ? v : "";
  };
  const data = str("Data");
  return {
    key: str("Key"),
    data: data === "" ? new Uint8Array() : base64ToBytes(data),
    label: str("Label"),
    description: str("Description"),
    keychainNotTrustApplication: lookupFold(raw, "KeychainNotTrustApplication") === true,
    keychainNotSynchronizable: lookupFold(raw, "KeychainNotSynchronizable") === true,
  };
}

// The native Uint8Array codec: btoa/atob cost ~1 ms of start-up on their first call.
export function bytesToBase64(bytes: Uint8Array): string {
  return bytes.toBase64();
}

export function base64ToBytes(text: string): Uint8Array {
  return Uint8Array.fromBase64(text);
}
