/**
 * Assertions for our tests, shaped like Deno's std/assert (which cannot be fetched here), built on
 * node:assert so that diffs are readable.
 */
import nodeAssert from "node:assert/strict";

export function assert(condition: unknown, message?: string): asserts condition {
  nodeAssert.ok(condition, message);
}

export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, message);
}

export function assertNotEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.notDeepStrictEqual(actual, expected, message);
}

export function assertStringIncludes(actual: string, expected: string, message?: string): void {
  if (!actual.includes(expected)) {
    throw new nodeAssert.AssertionError({
      message: message ??
        `expected ${JSON.stringify(actual)} to include ${JSON.stringify(expected)}`,
    });
  }
}

export function assertNotIncludes(actual: string, unexpected: string, message?: string): void {
  if (actual.includes(unexpected)) {
    throw new nodeAssert.AssertionError({
      message: message ?? `expected output not to include ${JSON.stringify(unexpected)}`,
    });
  }
}

export function assertMatch(actual: string, expected: RegExp, message?: string): void {
  nodeAssert.match(actual, expected, message);
}

// deno-lint-ignore no-explicit-any
type ErrorClass = new (...args: any[]) => Error;

export function assertThrows(
  fn: () => unknown,
  errorClass?: ErrorClass,
  msgIncludes?: string,
): Error {
  try {
    fn();
  } catch (err) {
    return checkError(err, errorClass, msgIncludes);
  }
  throw new nodeAssert.AssertionError({ message: "expected function to throw" });
}

export async function assertRejects(
  fn: () => Promise<unknown>,
  errorClass?: ErrorClass,
  msgIncludes?: string,
): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    return checkError(err, errorClass, msgIncludes);
  }
  throw new nodeAssert.AssertionError({ message: "expected promise to reject" });
}

function checkError(err: unknown, errorClass?: ErrorClass, msgIncludes?: string): Error {
  if (!(err instanceof Error)) {
    throw new nodeAssert.AssertionError({ message: `non-Error thrown: ${err}` });
  }
  if (errorClass && !(err instanceof errorClass)) {
    const got = err as Error;
    throw new nodeAssert.AssertionError({
      message: `expected ${errorClass.name}, got ${got.constructor.name}: ${got.message}`,
    });
  }
  if (msgIncludes !== undefined) assertStringIncludes(err.message, msgIncludes);
  return err;
}
