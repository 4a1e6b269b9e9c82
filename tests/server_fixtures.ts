/**
 * Shared set-up for the credential-server tests: the fake-AWS HOME (tests/fake_aws/home.ts) and
 * a helper for Deno child scripts that report what they got from the server.
 */
export { fakeAwsHome as serverHome } from "./fake_aws/home.ts";

/** `deno eval <script>` as a child command line for `exec ... -- <argv>`. */
export function denoEval(script: string): string[] {
  return [Deno.execPath(), "eval", "--quiet", script];
}
