import { assertEquals, assertStringIncludes } from "../tests/assert.ts";
import { masterCredentialsItem, sessionItem } from "./credential_items.ts";
import { ItemNotFoundError } from "./keystore.ts";
import {
  addAttributes,
  getQuery,
  itemQuery,
  KEYCHAIN_SERVICE,
  keychainError,
  keychainPath,
  keysQuery,
  updateAttributes,
} from "./keychain.ts";

const master = masterCredentialsItem("alice", {
  accessKeyId: "AKIAEXAMPLE000000001",
  secretAccessKey: "secret",
  sessionToken: "",
});
const session = sessionItem("sts.GetSessionToken,YWxpY2U,,1795342103", "alice", {
  accessKeyId: "ASIAEXAMPLE000000001",
  secretAccessKey: "secret",
  sessionToken: "token",
  expiration: new Date(1795342103 * 1000),
});

Deno.test("keychain file is <name>.keychain, service aws-vault", () => {
  assertEquals(keychainPath("aws-vault"), "aws-vault.keychain");
  assertEquals(keychainPath("work"), "work.keychain");
  assertEquals(KEYCHAIN_SERVICE, "aws-vault");
});

Deno.test("keychain item queries: generic password, service, account, named keychain only", () => {
  assertEquals(itemQuery("aws-vault", "alice"), [
    ["kSecClass", { kind: "constant", name: "kSecClassGenericPassword" }],
    ["kSecAttrService", { kind: "string", value: "aws-vault" }],
    ["kSecAttrAccount", { kind: "string", value: "alice" }],
    ["kSecMatchSearchList", { kind: "searchList" }],
  ]);
  const get = Object.fromEntries(getQuery("aws-vault", "oidc:https://x.awsapps.com/start"));
  assertEquals(get.kSecAttrAccount, { kind: "string", value: "oidc:https://x.awsapps.com/start" });
  assertEquals(get.kSecMatchLimit, { kind: "constant", name: "kSecMatchLimitOne" });
  assertEquals(get.kSecReturnData, { kind: "true" });
  assertEquals(get.kSecReturnAttributes, { kind: "true" });
});

Deno.test("keychain keys() asks for attributes only, never data (which would prompt)", () => {
  const keys = Object.fromEntries(keysQuery("aws-vault"));
  assertEquals(keys.kSecMatchLimit, { kind: "constant", name: "kSecMatchLimitAll" });
  assertEquals(keys.kSecReturnAttributes, { kind: "true" });
  assertEquals("kSecReturnData" in keys, false);
  assertEquals("kSecAttrAccount" in keys, false);
  assertEquals(keys.kSecMatchSearchList, { kind: "searchList" });
});

Deno.test("keychain stores raw data with label and description; master creds trust nobody", () => {
  const add = Object.fromEntries(addAttributes("aws-vault", master));
  assertEquals(add.kSecAttrAccount, { kind: "string", value: "alice" });
  assertEquals(add.kSecAttrLabel, { kind: "string", value: "aws-vault (alice)" });
  assertEquals(add.kSecAttrDescription, { kind: "string", value: "" });
  // Raw Data, not the Item JSON.
  assertEquals(add.kSecValueData, { kind: "data", value: master.data });
  assertEquals(add.kSecUseKeychain, { kind: "keychain" });
  assertEquals(add.kSecAttrAccess, {
    kind: "access",
    label: "aws-vault (alice)",
    trustApplication: false,
  });
  const sessionAdd = Object.fromEntries(addAttributes("aws-vault", session));
  assertEquals(sessionAdd.kSecAttrDescription, { kind: "string", value: "aws-vault session" });
  assertEquals((sessionAdd.kSecAttrAccess as { trustApplication: boolean }).trustApplication, true);
  const trusted = Object.fromEntries(addAttributes("aws-vault", master, true));
  assertEquals((trusted.kSecAttrAccess as { trustApplication: boolean }).trustApplication, true);
  const unlabelled = Object.fromEntries(addAttributes("aws-vault", { ...master, label: "" }));
  assertEquals((unlabelled.kSecAttrAccess as { label: string }).label, "alice");
});

Deno.test("keychain updates change label, description and data, never the access list", () => {
  assertEquals(updateAttributes(session).map(([name]) => name), [
    "kSecAttrLabel",
    "kSecAttrDescription",
    "kSecValueData",
  ]);
});

Deno.test("keychain errors: errSecItemNotFound is ItemNotFoundError, others one line", () => {
  const notFound = keychainError("SecItemCopyMatching", "alice", -25300);
  assertEquals(notFound instanceof ItemNotFoundError, true);
  assertEquals((notFound as ItemNotFoundError).key, "alice");
  assertEquals(
    keychainError("SecItemAdd", "alice", -128).message,
    'keychain: SecItemAdd "alice" failed: User canceled the operation. (OSStatus -128)',
  );
  assertEquals(
    keychainError("SecKeychainCreate", "", -25293, "The user name or\npassphrase is wrong.\n")
      .message,
    "keychain: SecKeychainCreate failed: The user name or passphrase is wrong. (OSStatus -25293)",
  );
  assertStringIncludes(keychainError("SecItemDelete", "k", -1).message, "(OSStatus -1)");
});
