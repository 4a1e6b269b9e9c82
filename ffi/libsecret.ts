/**
 * Raw Deno FFI bindings of libsecret-1 (0.20.5 ABI) and the few glib/gobject/gio functions needed
 * to drive it, plus pointer helpers. No policy lives here: keystore/secret_service.ts decides what
 * to call. Nothing is loaded at import time; `loadLibsecret()` opens the libraries on first use.
 *
 * Only non-variadic entry points are bound (Deno FFI cannot call variadic C functions). Calls that
 * talk to the daemon are `nonblocking` (they run on Deno's blocking thread pool and return a
 * Promise), so that the caller can cancel them through a GCancellable when a timer fires instead
 * of freezing the event loop. Signatures are checked against libsecret 0.20.5 and glib 2.74.
 */
import { cString } from "./c_string.ts";

/** A C pointer as Deno FFI represents it (`null` for NULL). */
export type Ptr = Deno.PointerValue;

const LIBSECRET_SYMBOLS = {
  // GType secret_service_get_type (void)
  secret_service_get_type: { parameters: [], result: "usize" },
  // SecretService *secret_service_open_sync (GType, const gchar *bus_name, SecretServiceFlags,
  //   GCancellable*, GError**)
  secret_service_open_sync: {
    parameters: ["usize", "pointer", "i32", "pointer", "buffer"],
    result: "pointer",
    nonblocking: true,
  },
  // GList *secret_service_get_collections (SecretService*)   transfer full
  secret_service_get_collections: { parameters: ["pointer"], result: "pointer" },
  // gint secret_service_unlock_sync (SecretService*, GList *objects, GCancellable*,
  //   GList **unlocked, GError**)
  secret_service_unlock_sync: {
    parameters: ["pointer", "pointer", "pointer", "pointer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  // SecretCollection *secret_collection_create_sync (SecretService*, const gchar *label,
  //   const gchar *alias, SecretCollectionCreateFlags, GCancellable*, GError**)
  secret_collection_create_sync: {
    parameters: ["pointer", "buffer", "pointer", "i32", "pointer", "buffer"],
    result: "pointer",
    nonblocking: true,
  },
  // gboolean secret_collection_get_locked (SecretCollection*)   cached property, no D-Bus call
  secret_collection_get_locked: { parameters: ["pointer"], result: "i32" },
  // GList *secret_collection_search_sync (SecretCollection*, const SecretSchema*, GHashTable*,
  //   SecretSearchFlags, GCancellable*, GError**)   transfer full
  secret_collection_search_sync: {
    parameters: ["pointer", "pointer", "pointer", "i32", "pointer", "buffer"],
    result: "pointer",
    nonblocking: true,
  },
  // SecretItem *secret_item_create_sync (SecretCollection*, const SecretSchema*, GHashTable*,
  //   const gchar *label, SecretValue*, SecretItemCreateFlags, GCancellable*, GError**)
  secret_item_create_sync: {
    parameters: ["pointer", "pointer", "pointer", "buffer", "pointer", "i32", "pointer", "buffer"],
    result: "pointer",
    nonblocking: true,
  },
  // gboolean secret_item_load_secret_sync (SecretItem*, GCancellable*, GError**)
  secret_item_load_secret_sync: {
    parameters: ["pointer", "pointer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  // gboolean secret_item_delete_sync (SecretItem*, GCancellable*, GError**)
  secret_item_delete_sync: {
    parameters: ["pointer", "pointer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  // gchar *secret_item_get_label (SecretItem*)   transfer full (g_free)
  secret_item_get_label: { parameters: ["pointer"], result: "pointer" },
  // gboolean secret_item_get_locked (SecretItem*)
  secret_item_get_locked: { parameters: ["pointer"], result: "i32" },
  // SecretValue *secret_item_get_secret (SecretItem*)   transfer full, NULL when not loaded
  secret_item_get_secret: { parameters: ["pointer"], result: "pointer" },
  // SecretValue *secret_value_new (const gchar *secret, gssize length, const gchar *content_type)
  secret_value_new: { parameters: ["buffer", "isize", "buffer"], result: "pointer" },
  // const gchar *secret_value_get (SecretValue*, gsize *length)
  secret_value_get: { parameters: ["pointer", "buffer"], result: "pointer" },
  // void secret_value_unref (gpointer value)
  secret_value_unref: { parameters: ["pointer"], result: "void" },
} as const;

const GLIB_SYMBOLS = {
  g_hash_table_new_full: {
    parameters: ["pointer", "pointer", "pointer", "pointer"],
    result: "pointer",
  },
  g_hash_table_insert: { parameters: ["pointer", "pointer", "pointer"], result: "i32" },
  g_hash_table_unref: { parameters: ["pointer"], result: "void" },
  g_strdup: { parameters: ["buffer"], result: "pointer" },
  g_free: { parameters: ["pointer"], result: "void" },
  g_list_append: { parameters: ["pointer", "pointer"], result: "pointer" },
  g_list_free: { parameters: ["pointer"], result: "void" },
  g_error_free: { parameters: ["pointer"], result: "void" },
  g_quark_to_string: { parameters: ["u32"], result: "pointer" },
} as const;

const GOBJECT_SYMBOLS = {
  g_object_unref: { parameters: ["pointer"], result: "void" },
} as const;

const GIO_SYMBOLS = {
  g_cancellable_new: { parameters: [], result: "pointer" },
  // Thread-safe: may be called while another thread is blocked in a *_sync call.
  g_cancellable_cancel: { parameters: ["pointer"], result: "void" },
  // const gchar *g_dbus_proxy_get_object_path (GDBusProxy*)  (SecretCollection is a GDBusProxy)
  g_dbus_proxy_get_object_path: { parameters: ["pointer"], result: "pointer" },
  // GDBusConnection *g_dbus_proxy_get_connection (GDBusProxy*)   transfer none
  g_dbus_proxy_get_connection: { parameters: ["pointer"], result: "pointer" },
  // void g_dbus_connection_set_exit_on_close (GDBusConnection*, gboolean)
  g_dbus_connection_set_exit_on_close: { parameters: ["pointer", "i32"], result: "void" },
} as const;

const LIBC_SYMBOLS = {
  dlopen: { parameters: ["buffer", "i32"], result: "pointer" },
  dlsym: { parameters: ["pointer", "buffer"], result: "pointer" },
} as const;

/** The opened libraries and the glib function pointers a GHashTable of strings needs. */
export interface Libsecret {
  secret: Deno.DynamicLibrary<typeof LIBSECRET_SYMBOLS>["symbols"];
  glib: Deno.DynamicLibrary<typeof GLIB_SYMBOLS>["symbols"];
  gobject: Deno.DynamicLibrary<typeof GOBJECT_SYMBOLS>["symbols"];
  gio: Deno.DynamicLibrary<typeof GIO_SYMBOLS>["symbols"];
  /** Addresses of g_str_hash, g_str_equal and g_free, for g_hash_table_new_full. */
  strHash: Ptr;
  strEqual: Ptr;
  free: Ptr;
}

/** SecretServiceFlags */
export const SECRET_SERVICE_OPEN_SESSION = 1 << 1;
export const SECRET_SERVICE_LOAD_COLLECTIONS = 1 << 2;
/** SecretSearchFlags */
export const SECRET_SEARCH_ALL = 1 << 1;
export const SECRET_SEARCH_UNLOCK = 1 << 2;
export const SECRET_SEARCH_LOAD_SECRETS = 1 << 3;
/** SecretItemCreateFlags */
export const SECRET_ITEM_CREATE_REPLACE = 1 << 1;
/** GIOErrorEnum G_IO_ERROR_CANCELLED, in domain "g-io-error-quark". */
export const G_IO_ERROR_CANCELLED = 19;

/** The file name we dlopen. */
export const LIBSECRET_SONAME = "libsecret-1.so.0";

let loaded: Libsecret | undefined;

/**
 * Opens libsecret, glib, gobject and gio (once per process). Throws the dlopen error when a
 * library is missing.
 */
export function loadLibsecret(): Libsecret {
  if (loaded) return loaded;
  const secret = Deno.dlopen(LIBSECRET_SONAME, LIBSECRET_SYMBOLS).symbols;
  const glib = Deno.dlopen("libglib-2.0.so.0", GLIB_SYMBOLS).symbols;
  const gobject = Deno.dlopen("libgobject-2.0.so.0", GOBJECT_SYMBOLS).symbols;
  const gio = Deno.dlopen("libgio-2.0.so.0", GIO_SYMBOLS).symbols;
  // Function pointers cannot be taken from Deno's symbol table, so look them up with dlsym on
  // the glib that libsecret already loaded (RTLD_NOW; dlopen of a loaded library is a refcount).
  const libc = openLibc();
  const handle = libc.dlopen(cString("libglib-2.0.so.0"), 2 /* RTLD_NOW */);
  if (handle === null) throw new Error("dlopen(libglib-2.0.so.0) failed");
  const sym = (name: string): Ptr => {
    const p = libc.dlsym(handle, cString(name));
    if (p === null) throw new Error(`dlsym(${name}) failed`);
    return p;
  };
  loaded = {
    secret,
    glib,
    gobject,
    gio,
    strHash: sym("g_str_hash"),
    strEqual: sym("g_str_equal"),
    free: sym("g_free"),
  };
  return loaded;
}

function openLibc(): Deno.DynamicLibrary<typeof LIBC_SYMBOLS>["symbols"] {
  // glibc >= 2.34 has dlopen in libc itself; older ones in libdl.
  try {
    return Deno.dlopen("libc.so.6", LIBC_SYMBOLS).symbols;
  } catch {
    return Deno.dlopen("libdl.so.2", LIBC_SYMBOLS).symbols;
  }
}

/** Reads a NUL-terminated UTF-8 string at `p` (null for NULL). */
export function readCString(p: Ptr): string | null {
  return p === null ? null : new Deno.UnsafePointerView(p).getCString();
}

/** The elements of a GList (`struct GList { gpointer data; GList *next; GList *prev; }`). */
export function glistItems(list: Ptr): Ptr[] {
  const out: Ptr[] = [];
  for (let node = list; node !== null; node = new Deno.UnsafePointerView(node).getPointer(8)) {
    out.push(new Deno.UnsafePointerView(node).getPointer(0));
  }
  return out;
}

/** A `GError *error = NULL` slot to pass as the `GError**` argument. */
export function newErrorSlot(): Uint8Array<ArrayBuffer> {
  return new Uint8Array(8);
}

/** A GError read out of its slot and freed. */
export interface GErrorInfo {
  domain: string;
  code: number;
  message: string;
}

/** Reads `{GQuark domain; gint code; gchar *message}` from the slot, frees it; null if unset. */
export function takeError(lib: Libsecret, slot: Uint8Array): GErrorInfo | null {
  const addr = new DataView(slot.buffer, slot.byteOffset, 8).getBigUint64(0, true);
  if (addr === 0n) return null;
  const err = Deno.UnsafePointer.create(addr);
  const view = new Deno.UnsafePointerView(err!);
  const domain = readCString(lib.glib.g_quark_to_string(view.getUint32(0))) ?? "";
  const code = view.getInt32(4);
  const message = readCString(view.getPointer(8)) ?? "";
  lib.glib.g_error_free(err);
  slot.fill(0);
  return { domain, code, message };
}

/** A new GHashTable of g_strdup'd string keys and values (free with g_hash_table_unref). */
export function stringHashTable(lib: Libsecret, entries: Record<string, string>): Ptr {
  const table = lib.glib.g_hash_table_new_full(lib.strHash, lib.strEqual, lib.free, lib.free);
  for (const [k, v] of Object.entries(entries)) {
    lib.glib.g_hash_table_insert(
      table,
      lib.glib.g_strdup(cString(k)),
      lib.glib.g_strdup(cString(v)),
    );
  }
  return table;
}

/** Copies `length` bytes at `p`. */
export function readBytes(p: Ptr, length: number): Uint8Array {
  if (p === null || length === 0) return new Uint8Array();
  return new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(p, length).slice(0));
}
