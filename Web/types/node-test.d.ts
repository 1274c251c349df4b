// Minimal declarations for the node built-ins the unit tests use (Debian ships no @types/node).
declare module 'node:test' {
  type Fn = (t?: unknown) => void | Promise<void>;
  interface TestFn {
    (name: string, fn: Fn): Promise<void>;
    (name: string, options: { skip?: boolean | string; todo?: boolean | string }, fn: Fn): Promise<void>;
  }
  const test: TestFn;
  export default test;
  export const describe: (name: string, fn: () => void) => void;
  export const it: TestFn;
  export const beforeEach: (fn: Fn) => void;
  export const afterEach: (fn: Fn) => void;
}

declare module 'node:assert/strict' {
  interface Assert {
    (value: unknown, message?: string): asserts value;
    ok(value: unknown, message?: string): asserts value;
    equal(actual: unknown, expected: unknown, message?: string): void;
    notEqual(actual: unknown, expected: unknown, message?: string): void;
    deepEqual(actual: unknown, expected: unknown, message?: string): void;
    notDeepEqual(actual: unknown, expected: unknown, message?: string): void;
    match(value: string, pattern: RegExp, message?: string): void;
    throws(fn: () => unknown, expected?: unknown, message?: string): void;
    rejects(promise: Promise<unknown> | (() => Promise<unknown>), expected?: unknown, message?: string): Promise<void>;
    fail(message?: string): never;
  }
  const assert: Assert;
  export default assert;
}

declare module 'node:fs' {
  export function readFileSync(path: string | URL, encoding: 'utf8'): string;
  export function readdirSync(path: string | URL): string[];
  export function statSync(path: string | URL): { isDirectory(): boolean };
}
