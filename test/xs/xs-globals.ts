// What the XS worker (scripts/xs/worker.ts) gives code running inside it.
declare const globalThis: {
  xsCommand(name: string, fn: (arg: string) => unknown): void;
  print(...args: unknown[]): void;
};

/** Makes fn callable from Node as worker.command(name, arg). */
export function xsCommand(name: string, fn: (arg: string) => unknown): void {
  globalThis.xsCommand(name, fn);
}
