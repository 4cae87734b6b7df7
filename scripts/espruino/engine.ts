// One Espruino interpreter (a Linux build of Espruino, e.g. with 1 700 variables of 12 bytes as
// on an ESP8266) as a child process, driven through its REPL, for `npm run test:espruino`.
//
// What the real interpreter needs (see README, "Testing on the real Espruino"):
// - stdin must never reach end-of-file: on EOF its REPL reads junk and never exits. Here stdin is
//   a fifo this process holds open (read-write, so it never blocks, and in blocking mode, which
//   the interpreter's console expects: a non-blocking pipe from Node fed it junk too).
// - byte 0x04 ends it (it ignores SIGTERM); SIGKILL as the fallback, or to play a power cut.
// - Storage lives in ./espruino.flash in its working directory, so each instance gets its own
//   directory; a program written there as .bootcde runs at the next start, as on a chip.
// - A line that starts with 0x10 is not echoed; replies are read back from stdout.
// - Its console input queue is small: text sent faster than it reads overflows it (FIFO_FULL) and
//   what follows is junk. So input goes in pieces of at most 32 bytes, 5 ms apart, and a Storage
//   upload waits for each piece to be written before sending the next.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export class Espruino {
  readonly dir: string;
  private readonly bin: string;
  private child: ChildProcess | null = null;
  private fifo = -1; // our descriptor of its stdin fifo
  private text = '';
  private exited: Promise<number | null> = Promise.resolve(null);
  /** everything the interpreter printed since start(), CRLF and prompts included */
  get output(): string { return this.text; }

  constructor(bin: string, dir: string) {
    this.bin = bin;
    this.dir = dir;
    fs.mkdirSync(dir, { recursive: true });
  }

  /** Starts the interpreter (it runs .boot0 and .bootcde from its Storage, if present) and waits for its prompt. */
  async start(): Promise<void> {
    this.text = '';
    const fifoPath = path.join(this.dir, 'stdin.fifo');
    fs.rmSync(fifoPath, { force: true });
    execFileSync('mkfifo', [fifoPath]);
    this.fifo = fs.openSync(fifoPath, 'r+');
    const child = spawn(this.bin, [], { cwd: this.dir, stdio: [this.fifo, 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.setEncoding('latin1');
    child.stderr!.setEncoding('latin1');
    child.stdout!.on('data', (d: string) => { this.text += d; });
    child.stderr!.on('data', (d: string) => { this.text += d; });
    this.exited = new Promise((resolve) => { child.on('exit', (code) => { resolve(code); }); });
    await this.waitFor(/\n>/, 10000, 'the first prompt');
  }

  get running(): boolean { return this.child !== null && this.child.exitCode === null && this.child.signalCode === null; }

  /** Sends text as typed at the console, paced (see the top). */
  async send(text: string): Promise<void> {
    for (let i = 0; i < text.length; i += 32) {
      if (!this.child || !this.running) throw new Error('espruino is not running; it printed:\n' + this.tail());
      fs.writeSync(this.fifo, Buffer.from(text.slice(i, i + 32), 'latin1'));
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Runs one line of JavaScript without echo. */
  async run(line: string): Promise<void> { await this.send('\x10' + line + '\n'); }

  /** Waits until the output after `from` matches; returns the match. */
  async waitFor(re: RegExp, ms: number, what: string, from?: number): Promise<RegExpMatchArray> {
    const until = Date.now() + ms;
    for (;;) {
      const m = this.text.slice(from || 0).match(re);
      if (m) return m;
      if (!this.running) throw new Error('espruino exited while waiting for ' + what + '; it printed:\n' + this.tail());
      if (Date.now() > until) throw new Error('no ' + what + ' within ' + ms + ' ms; espruino printed:\n' + this.tail());
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Variables in use after a garbage collection (process.memory().usage), printed by `probe`, a
   * function the program under test has in Storage, printing 'MEM <usage>'. (process.memory()
   * called from code typed at the console corrupted memory on the 2v29 Linux builds: usage jumped
   * by hundreds of variables, then OUT OF MEMORY. Called from code in Storage it is fine.)
   */
  async usage(probe: string): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const from = this.text.length;
      await this.run(probe);
      try {
        const m = await this.waitFor(/MEM (\d+)/, 3000, 'the memory figure', from);
        return +m[1];
      } catch (e) {
        if (attempt === 2 || !this.running) throw e;
        await this.send('\n');
      }
    }
  }

  /** Writes `content` to Storage as `name` in 512-byte pieces, as the Espruino IDE and CLI do. */
  async writeStorage(name: string, content: string): Promise<void> {
    const n = JSON.stringify(name);
    await this.run('require("Storage").erase(' + n + ')');
    for (let off = 0; off < content.length; off += 128) {
      const part = JSON.stringify(content.slice(off, off + 128));
      const from = this.text.length;
      await this.run('require("Storage").write(' + n + ',' + part + ',' + off + (off === 0 ? ',' + content.length : '') + ');print("W' + off + '")');
      await this.waitFor(new RegExp('W' + off + '\\b'), 10000, 'the Storage write at ' + off, from);
    }
    const from = this.text.length;
    await this.run('print("STORED",' + n + ',require("Storage").read(' + n + ').length)');
    const m = await this.waitFor(new RegExp('STORED ' + name.replace(/\./g, '\\.') + ' (\\d+)'), 30000, 'the Storage write of ' + name, from);
    if (+m[1] !== content.length) throw new Error('Storage holds ' + m[1] + ' bytes of ' + name + ', not ' + content.length);
  }

  /** Ends it with 0x04 (its clean exit), SIGKILL after a second. */
  async stop(): Promise<void> {
    if (!this.child) return;
    if (this.running) {
      try { fs.writeSync(this.fifo, '\x04'); } catch (e) { /* exited meanwhile */ }
      const t = setTimeout(() => { this.kill(); }, 1000);
      await this.exited;
      clearTimeout(t);
    }
    this.child = null;
    if (this.fifo >= 0) fs.closeSync(this.fifo);
    this.fifo = -1;
  }

  /** SIGKILL: a power cut (no DISCONNECT, so the broker publishes the will). */
  kill(): void { if (this.child && this.running) this.child.kill('SIGKILL'); }

  async waitExit(): Promise<void> { await this.exited; }

  /** The last lines printed, for failure messages. */
  tail(lines?: number): string { return this.text.split(/\r?\n/).slice(-(lines || 25)).join('\n'); }

  /** Removes the Storage file (the interpreter must not be running). */
  eraseStorage(): void { fs.rmSync(path.join(this.dir, 'espruino.flash'), { force: true }); }
}
