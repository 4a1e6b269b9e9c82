/**
 * Raw bindings to macOS Security.framework (keychain items) and the CoreFoundation types its API
 * takes: the symbol tables for Deno.dlopen, and marshalling of CFString / CFData / CFDictionary /
 * CFArray. No policy lives here (which attributes aws-vault sets, caching and error mapping are in
 * keystore/keychain.ts). Only `openSecurityFramework()` needs macOS; the rest is plain data.
 *
 * Global constants such as kSecClass are data symbols. Deno gives a `pointer` static as the
 * symbol's address, so a `const CFStringRef` is read through it, while a struct such as
 * kCFTypeDictionaryKeyCallBacks is used by its address directly.
 */

export const CORE_FOUNDATION_PATH =
  "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation";
export const SECURITY_PATH = "/System/Library/Frameworks/Security.framework/Security";

/** kCFStringEncodingUTF8 */
export const CF_STRING_ENCODING_UTF8 = 0x08000100;

export const CORE_FOUNDATION_SYMBOLS = {
  CFStringCreateWithBytes: {
    parameters: ["pointer", "buffer", "isize", "u32", "u8"],
    result: "pointer",
  },
  CFStringGetLength: { parameters: ["pointer"], result: "isize" },
  CFStringGetMaximumSizeForEncoding: { parameters: ["isize", "u32"], result: "isize" },
  CFStringGetCString: { parameters: ["pointer", "buffer", "isize", "u32"], result: "u8" },
  CFDataCreate: { parameters: ["pointer", "buffer", "isize"], result: "pointer" },
  CFDataGetLength: { parameters: ["pointer"], result: "isize" },
  CFDataGetBytePtr: { parameters: ["pointer"], result: "pointer" },
  CFDictionaryCreateMutable: {
    parameters: ["pointer", "isize", "pointer", "pointer"],
    result: "pointer",
  },
  CFDictionarySetValue: { parameters: ["pointer", "pointer", "pointer"], result: "void" },
  CFDictionaryGetValue: { parameters: ["pointer", "pointer"], result: "pointer" },
  CFArrayCreate: { parameters: ["pointer", "buffer", "isize", "pointer"], result: "pointer" },
  CFArrayGetCount: { parameters: ["pointer"], result: "isize" },
  CFArrayGetValueAtIndex: { parameters: ["pointer", "isize"], result: "pointer" },
  CFGetTypeID: { parameters: ["pointer"], result: "usize" },
  CFStringGetTypeID: { parameters: [], result: "usize" },
  CFDataGetTypeID: { parameters: [], result: "usize" },
  CFDictionaryGetTypeID: { parameters: [], result: "usize" },
  CFArrayGetTypeID: { parameters: [], result: "usize" },
  CFRelease: { parameters: ["pointer"], result: "void" },
  kCFTypeDictionaryKeyCallBacks: { type: "pointer" },
  kCFTypeDictionaryValueCallBacks: { type: "pointer" },
  kCFTypeArrayCallBacks: { type: "pointer" },
  kCFBooleanTrue: { type: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The Security constants (CFStringRef globals) that keychain queries use as keys and values. */
export const SEC_CONSTANT_NAMES = [
  "kSecClass",
  "kSecClassGenericPassword",
  "kSecAttrService",
  "kSecAttrAccount",
  "kSecAttrLabel",
  "kSecAttrDescription",
  "kSecAttrAccess",
  "kSecValueData",
  "kSecReturnData",
  "kSecReturnAttributes",
  "kSecMatchLimit",
  "kSecMatchLimitOne",
  "kSecMatchLimitAll",
  "kSecMatchSearchList",
  "kSecUseKeychain",
] as const;

export type SecConstantName = typeof SEC_CONSTANT_NAMES[number];

export const SECURITY_SYMBOLS = {
  /** OSStatus SecKeychainOpen(const char *pathName, SecKeychainRef *keychain) */
  SecKeychainOpen: { parameters: ["buffer", "buffer"], result: "i32" },
  /** OSStatus SecKeychainCreate(path, passwordLength, password, promptUser, initialAccess, kc) */
  SecKeychainCreate: {
    parameters: ["buffer", "u32", "pointer", "u8", "pointer", "buffer"],
    result: "i32",
  },
  /** OSStatus SecKeychainGetStatus(SecKeychainRef keychain, SecKeychainStatus *status) */
  SecKeychainGetStatus: { parameters: ["pointer", "buffer"], result: "i32" },
  /** OSStatus SecAccessCreate(CFStringRef descriptor, CFArrayRef trustedlist, SecAccessRef *access) */
  SecAccessCreate: { parameters: ["pointer", "pointer", "buffer"], result: "i32" },
  SecItemAdd: { parameters: ["pointer", "pointer"], result: "i32" },
  SecItemCopyMatching: { parameters: ["pointer", "buffer"], result: "i32" },
  SecItemUpdate: { parameters: ["pointer", "pointer"], result: "i32" },
  SecItemDelete: { parameters: ["pointer"], result: "i32" },
  /** CFStringRef SecCopyErrorMessageString(OSStatus status, void *reserved) */
  SecCopyErrorMessageString: { parameters: ["i32", "pointer"], result: "pointer" },
  ...Object.fromEntries(SEC_CONSTANT_NAMES.map((n) => [n, { type: "pointer" }])) as Record<
    SecConstantName,
    { type: "pointer" }
  >,
} as const satisfies Deno.ForeignLibraryInterface;

export type CoreFoundationSymbols = Deno.DynamicLibrary<typeof CORE_FOUNDATION_SYMBOLS>["symbols"];
export type SecuritySymbols = Deno.DynamicLibrary<typeof SECURITY_SYMBOLS>["symbols"];

export type CFTypeRef = Deno.PointerObject;

/** OSStatus values the keychain code handles by name. */
export const OSSTATUS = {
  errSecSuccess: 0,
  errSecUserCanceled: -128,
  errSecNotAvailable: -25291,
  errSecAuthFailed: -25293,
  errSecNoSuchKeychain: -25294,
  errSecDuplicateItem: -25299,
  errSecItemNotFound: -25300,
  errSecInteractionNotAllowed: -25308,
  errSecMissingEntitlement: -34018,
} as const;

/** The text of a NUL-terminated UTF-8 buffer (what CFStringGetCString fills in). */
export function decodeCString(buffer: Uint8Array): string {
  const end = buffer.indexOf(0);
  return new TextDecoder().decode(end === -1 ? buffer : buffer.subarray(0, end));
}

/** A pointer-sized out-parameter (`T *out`), and its value after the call. */
export function outPointer(): BigUint64Array {
  return new BigUint64Array(1);
}

export function outPointerValue(out: BigUint64Array): CFTypeRef | null {
  return Deno.UnsafePointer.create(out[0]);
}

/** An array of pointers in native layout (for CFArrayCreate's `const void **values`). */
export function pointerArray(pointers: (CFTypeRef | null)[]): BigUint64Array {
  return BigUint64Array.from(pointers.map((p) => BigInt(Deno.UnsafePointer.value(p))));
}

/**
 * CoreFoundation object helpers. Every object created through `own()` is released by
 * `releaseAll()`; dictionaries and arrays retain what is put in them, so a caller can release its
 * own references as soon as the call that needed them has returned.
 */
export class CoreFoundation {
  private owned: CFTypeRef[] = [];
  private readonly typeIds: { string: bigint; data: bigint; dictionary: bigint; array: bigint };

  constructor(readonly cf: CoreFoundationSymbols) {
    this.typeIds = {
      string: BigInt(cf.CFStringGetTypeID()),
      data: BigInt(cf.CFDataGetTypeID()),
      dictionary: BigInt(cf.CFDictionaryGetTypeID()),
      array: BigInt(cf.CFArrayGetTypeID()),
    };
  }

  /** Takes ownership of a +1 reference (Create/Copy rule). */
  own(ref: CFTypeRef | null, what: string): CFTypeRef {
    if (ref === null) throw new Error(`CoreFoundation: could not create ${what}`);
    this.owned.push(ref);
    return ref;
  }

  releaseAll(): void {
    for (const ref of this.owned.splice(0)) this.cf.CFRelease(ref);
  }

  /** The value of a `const CFTypeRef` global whose address Deno gave as a static. */
  static constantValue(address: Deno.PointerValue, name: string): CFTypeRef {
    if (address === null) throw new Error(`missing symbol ${name}`);
    const value = new Deno.UnsafePointerView(address).getPointer(0);
    if (value === null) throw new Error(`symbol ${name} is NULL`);
    return value;
  }

  string(text: string): CFTypeRef {
    const bytes = new TextEncoder().encode(text);
    return this.own(
      this.cf.CFStringCreateWithBytes(
        null,
        bytes,
        BigInt(bytes.length),
        CF_STRING_ENCODING_UTF8,
        0,
      ),
      "a CFString",
    );
  }

  data(bytes: Uint8Array): CFTypeRef {
    return this.own(this.cf.CFDataCreate(null, bytes, BigInt(bytes.length)), "a CFData");
  }

  array(values: CFTypeRef[]): CFTypeRef {
    const callbacks = this.cf.kCFTypeArrayCallBacks;
    return this.own(
      this.cf.CFArrayCreate(null, pointerArray(values), BigInt(values.length), callbacks),
      "a CFArray",
    );
  }

  dictionary(entries: [CFTypeRef, CFTypeRef][]): CFTypeRef {
    const dict = this.own(
      this.cf.CFDictionaryCreateMutable(
        null,
        0n,
        this.cf.kCFTypeDictionaryKeyCallBacks,
        this.cf.kCFTypeDictionaryValueCallBacks,
      ),
      "a CFDictionary",
    );
    for (const [k, v] of entries) this.cf.CFDictionarySetValue(dict, k, v);
    return dict;
  }

  booleanTrue(): CFTypeRef {
    return CoreFoundation.constantValue(this.cf.kCFBooleanTrue, "kCFBooleanTrue");
  }

  isString(ref: CFTypeRef): boolean {
    return BigInt(this.cf.CFGetTypeID(ref)) === this.typeIds.string;
  }

  isData(ref: CFTypeRef): boolean {
    return BigInt(this.cf.CFGetTypeID(ref)) === this.typeIds.data;
  }

  isDictionary(ref: CFTypeRef): boolean {
    return BigInt(this.cf.CFGetTypeID(ref)) === this.typeIds.dictionary;
  }

  isArray(ref: CFTypeRef): boolean {
    return BigInt(this.cf.CFGetTypeID(ref)) === this.typeIds.array;
  }

  readString(ref: CFTypeRef | null): string {
    if (ref === null || !this.isString(ref)) return "";
    const length = this.cf.CFStringGetLength(ref);
    const max = Number(this.cf.CFStringGetMaximumSizeForEncoding(length, CF_STRING_ENCODING_UTF8));
    const buffer = new Uint8Array(max + 1);
    if (!this.cf.CFStringGetCString(ref, buffer, BigInt(buffer.length), CF_STRING_ENCODING_UTF8)) {
      throw new Error("CoreFoundation: CFStringGetCString failed");
    }
    return decodeCString(buffer);
  }

  readData(ref: CFTypeRef | null): Uint8Array {
    if (ref === null || !this.isData(ref)) return new Uint8Array();
    const length = Number(this.cf.CFDataGetLength(ref));
    const bytes = this.cf.CFDataGetBytePtr(ref);
    if (length === 0 || bytes === null) return new Uint8Array();
    return new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(bytes, length).slice(0));
  }

  dictionaryValue(dict: CFTypeRef, key: CFTypeRef): CFTypeRef | null {
    return this.cf.CFDictionaryGetValue(dict, key);
  }

  arrayValues(array: CFTypeRef): CFTypeRef[] {
    const count = Number(this.cf.CFArrayGetCount(array));
    const out: CFTypeRef[] = [];
    for (let i = 0; i < count; i++) {
      const v = this.cf.CFArrayGetValueAtIndex(array, BigInt(i));
      if (v !== null) out.push(v);
    }
    return out;
  }
}

export interface SecurityFramework {
  cf: CoreFoundationSymbols;
  sec: SecuritySymbols;
}

let loaded: SecurityFramework | undefined;

/** Loads CoreFoundation and Security once per process (macOS only). */
export function openSecurityFramework(): SecurityFramework {
  loaded ??= {
    cf: Deno.dlopen(CORE_FOUNDATION_PATH, CORE_FOUNDATION_SYMBOLS).symbols,
    sec: Deno.dlopen(SECURITY_PATH, SECURITY_SYMBOLS).symbols,
  };
  return loaded;
}
