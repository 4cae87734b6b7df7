// A forked helper process (fake broker, raw subscriber) and the one-message-at-a-time protocol
// the throughput part speaks with it over Node's IPC channel.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface Msg { ev: string; [k: string]: unknown }

export class Helper {
  private queue: Msg[] = [];
  private waiter: ((m: Msg) => void) | null = null;
  private exited = false;
  private constructor(private p: ChildProcess) {
    p.on('message', (m: Msg) => {
      if (this.waiter) { const w = this.waiter; this.waiter = null; w(m); } else this.queue.push(m);
    });
    p.on('exit', () => { this.exited = true; });
  }

  /** Forks bench/<file>.js; no stdout, stderr passed through so a crash is visible. */
  static start(file: string): Helper {
    return new Helper(fork(path.join(here, file), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
  }

  send(m: object): void { this.p.send(m); }

  /** The next message; it must be `ev`, within timeoutMs. */
  next(ev: string, timeoutMs: number): Promise<Msg> {
    return new Promise((resolve, reject) => {
      const take = (m: Msg): void => {
        clearTimeout(t);
        if (m.ev === ev) resolve(m); else reject(new Error('helper sent ' + JSON.stringify(m) + ' while ' + ev + ' was awaited'));
      };
      const t = setTimeout(() => { this.waiter = null; reject(new Error('helper: no ' + ev + ' within ' + timeoutMs + ' ms')); }, timeoutMs);
      const m = this.queue.shift();
      if (m) take(m); else this.waiter = take;
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.p.once('exit', () => r()));
    try { this.p.send({ cmd: 'exit' }); } catch (e) { /* already gone */ }
    const t = setTimeout(() => this.p.kill('SIGKILL'), 2000);
    await gone;
    clearTimeout(t);
  }
}
