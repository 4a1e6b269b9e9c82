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
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // Never the parser's message: V8 quotes the start of the input, which holds credentials.
    throw new Error("item is not valid JSON");
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new Error("item is not a JSON object");
  }
  const obj = raw as Record<string, unknown>;
  const str = (name: string) => {
    const v = lookupFold(obj, name);
    return typeof v === "string" ? v : "";
  };
  const data = str("Data");
  return {
    key: str("Key"),
    data: data === "" ? new Uint8Array() : base64ToBytes(data),
    label: str("Label"),
    description: str("Description"),
    keychainNotTrustApplication: lookupFold(obj, "KeychainNotTrustApplication") === true,
    keychainNotSynchronizable: lookupFold(obj, "KeychainNotSynchronizable") === true,
  };
}

// The native Uint8Array codec: btoa/atob cost ~1 ms of start-up on their first call.
export function bytesToBase64(bytes: Uint8Array): string {
  return bytes.toBase64();
}

export function base64ToBytes(text: string): Uint8Array {
  return Uint8Array.fromBase64(text);
}
