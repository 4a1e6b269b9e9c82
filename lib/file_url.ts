/**
 * File URLs (`import.meta.url`) to native paths. `new URL(...).pathname` gives `/C:/dir/x.ts` on
 * Windows, which no Windows API accepts, and leaves `%20` escapes in; this is the conversion Node's
 * `url.fileURLToPath` and Deno's std `fromFileUrl` do, without loading either at start-up.
 */

/**
 * The native path of a `file:` URL: `/a/b` on POSIX; on Windows `C:\a\b` for `file:///C:/a/b` and
 * `\\server\share\x` for `file://server/share/x`. Throws for any other scheme.
 */
export function pathFromFileUrl(
  url: string | URL,
  os: typeof Deno.build.os = Deno.build.os,
): string {
  const u = url instanceof URL ? url : new URL(url);
  if (u.protocol !== "file:") throw new TypeError(`not a file URL: ${u.href}`);
  const path = decodeURIComponent(u.pathname.replace(/%(?![0-9A-Fa-f]{2})/g, "%25"));
  if (os !== "windows") return path;
  const native = path.replace(/\//g, "\\");
  if (u.hostname !== "") return `\\\\${u.hostname}${native}`;
  // `/C:/dir` -> `C:\dir`
  return /^\\[A-Za-z]:/.test(native) ? native.slice(1) : native;
}
