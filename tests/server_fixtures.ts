/**
 * Shared set-up for the credential-server tests: the fake-AWS HOME (tests/fake_aws/home.ts) and
 * helpers for Deno child scripts that report what they got from the server.
 */
export { fakeAwsHome as serverHome } from "./fake_aws/home.ts";

/** `deno eval <script>` as a child command line for `exec ... -- <argv>`. */
export function denoEval(script: string): string[] {
  return [Deno.execPath(), "eval", "--quiet", script];
}

/** Waits until `path` exists (a child's "I am ready" marker). */
export async function waitForFile(path: string, timeoutMs = 15_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await Deno.stat(path).then(() => true, () => false)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}
