// Bounded waiting: every wait in the integration tests has a deadline and says what it waited for.

export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out after ' + ms + ' ms waiting for ' + what);
    await delay(10);
  }
}

// Collects teardown steps so a test can register them as resources appear and run them all,
// even when one fails.
export class Cleanup {
  private steps: Array<() => unknown> = [];
  add(step: () => unknown): void { this.steps.unshift(step); }
  async run(): Promise<void> {
    const steps = this.steps;
    this.steps = [];
    for (const s of steps) {
      try { await s(); } catch { /* keep tearing down */ }
    }
  }
}
