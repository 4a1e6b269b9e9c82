/** When a browser can be opened here (else SSO falls back to the device code flow). */
import { assertEquals } from "../tests/assert.ts";
import { browserUnavailableReason } from "./browser.ts";
import { posixTest } from "../tests/platform.ts";

posixTest(
  "an extensionless xdg-open on PATH (Windows needs a PATHEXT extension)",
  "browserUnavailableReason: SSH, no display, no xdg-open; macOS and Windows always can",
  async () => {
    const bin = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${bin}/xdg-open`, "#!/bin/sh\n");
      await Deno.chmod(`${bin}/xdg-open`, 0o755);
      const env = (vars: Record<string, string>) => (n: string) => vars[n];
      const desktop = { PATH: bin, DISPLAY: ":0" };
      assertEquals(browserUnavailableReason(env(desktop), "linux"), undefined);
      assertEquals(
        browserUnavailableReason(env({ PATH: bin, WAYLAND_DISPLAY: "wayland-0" }), "linux"),
        undefined,
      );
      assertEquals(
        browserUnavailableReason(env({ ...desktop, SSH_CONNECTION: "1 2 3 4" }), "linux"),
        "this is an SSH session",
      );
      assertEquals(
        browserUnavailableReason(env({ SSH_TTY: "/dev/pts/1" }), "darwin"),
        "this is an SSH session",
      );
      assertEquals(
        browserUnavailableReason(env({ PATH: bin }), "freebsd"),
        "neither DISPLAY nor WAYLAND_DISPLAY is set",
      );
      assertEquals(
        browserUnavailableReason(env({ PATH: "/nonexistent", DISPLAY: ":0" }), "linux"),
        "xdg-open is not on PATH",
      );
      assertEquals(browserUnavailableReason(env({}), "darwin"), undefined);
      assertEquals(browserUnavailableReason(env({}), "windows"), undefined);
    } finally {
      await Deno.remove(bin, { recursive: true });
    }
  },
);
