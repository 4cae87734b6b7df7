// Runs JavaScript inside Moddable's XS engine (through @agoric/xsnap) and reads its meters.
// Used by the XS test runner, the zero-allocation test and the benchmarks.
//
// Protocol: code evaluated in XS registers named commands with `xsCommand(name, fn)`;
// `command(name, arg)` calls fn(arg) in one xsnap crank and returns what it returned (as a string)
// together with the meters xsnap reports after that crank. The command machinery costs the same
// few heap slots for every command that returns nothing, so `meter()` can subtract it exactly.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import type { Xsnap } from '@agoric/xsnap';

export interface XsMeter {
  compute: number;     // XS compute units ("computrons") used by the crank
  heapCount: number;   // live heap slots after the crank (only grows between collections)
  allocate: number;    // bytes XS has reserved for its heaps
}
export interface XsReply { reply: string; meter: XsMeter }

export interface XsWorker {
  /** Evaluates a script (e.g. a bundle from bundle.ts) at global scope. */
  evaluate(source: string): Promise<XsMeter>;
  /** Calls a command registered in XS with xsCommand(name, fn). */
  command(name: string, arg?: string): Promise<XsReply>;
  /** Stops the worker; safe to call more than once and after a failure. */
  close(): Promise<void>;
}

export interface XsOptions {
  name?: string;
  timeoutMs?: number;        // per evaluate/command; the worker is killed when exceeded (default 60 s)
  meteringLimit?: number;    // compute units per crank before XS aborts it (default 1e9)
  keepTextCodecs?: boolean;  // keep xsnap's TextEncoder/TextDecoder globals (devices lack them)
}

// Installed before any user code. TextEncoder/TextDecoder are captured for the protocol and then
// removed, because neither Espruino nor a plain Moddable device has them as globals: core code
// that reaches for them must fail here, not on the device.
const PRELUDE = `(function (keep) {
  var enc = new TextEncoder(), dec = new TextDecoder(), empty = new ArrayBuffer(0);
  var commands = {};
  globalThis.xsCommand = function (name, fn) { commands[name] = fn; };
  globalThis.handleCommand = function (msg) {
    var text = dec.decode(msg), sp = text.indexOf(' ');
    var fn = commands[sp < 0 ? text : text.slice(0, sp)];
    if (typeof fn !== 'function') throw new Error('no XS command: ' + text);
    var out = fn(sp < 0 ? '' : text.slice(sp + 1));
    return out === undefined || out === '' ? empty : enc.encode(String(out)).buffer;
  };
  commands.noop = function () {};
  commands.gc = function () { gc(); };
  if (!keep) { delete globalThis.TextEncoder; delete globalThis.TextDecoder; }
})`;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

let xsnapModule: Promise<typeof import('@agoric/xsnap')> | null = null;

// @endo/init locks down this Node process (SES), which xsnap requires; it is loaded only when a
// worker is first started so that merely importing this file changes nothing.
function loadXsnap(): Promise<typeof import('@agoric/xsnap')> {
  if (!xsnapModule) xsnapModule = import('@endo/init').then(() => import('@agoric/xsnap'));
  return xsnapModule;
}

function toMeter(m: { currentHeapCount: number | null; compute: number | null; allocate: number | null }): XsMeter {
  return { compute: m.compute ?? 0, heapCount: m.currentHeapCount ?? 0, allocate: m.allocate ?? 0 };
}

export async function startXs(bundleSource?: string | string[], options: XsOptions = {}): Promise<XsWorker> {
  const { xsnap } = await loadXsnap();
  const timeoutMs = options.timeoutMs ?? 60_000;
  const w: Xsnap = await xsnap({
    os: os.type(), spawn, fs,
    name: options.name ?? 'mcu-mqtt-xs',
    stdout: 'inherit', stderr: 'inherit',
    meteringLimit: options.meteringLimit ?? 1e9,
  });
  let closed = false;

  async function bounded<T>(what: string, p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        closed = true;
        void w.terminate();
        reject(new Error(`XS ${what} did not finish within ${timeoutMs} ms; worker killed`));
      }, timeoutMs);
    });
    try { return await Promise.race([p, timeout]); } finally { clearTimeout(timer); }
  }

  const worker: XsWorker = {
    async evaluate(source) {
      const r = await bounded('evaluate', w.evaluate(source));
      return toMeter(r.meterUsage);
    },
    async command(name, arg) {
      const msg = encoder.encode(arg === undefined ? name : name + ' ' + arg);
      const r = await bounded('command ' + name, w.issueCommand(msg));
      return { reply: decoder.decode(r.reply), meter: toMeter(r.meterUsage) };
    },
    async close() {
      if (closed) return;
      closed = true;
      // close() waits for a clean exit; a wedged worker is killed instead.
      await bounded('close', w.close()).catch(() => w.terminate());
    },
  };

  try {
    await worker.evaluate(PRELUDE + '(' + (options.keepTextCodecs ? 'true' : 'false') + ')');
    const sources = bundleSource === undefined ? [] : Array.isArray(bundleSource) ? bundleSource : [bundleSource];
    for (const s of sources) await worker.evaluate(s);
  } catch (e) {
    await worker.close();
    throw e;
  }
  return worker;
}

export interface MeterResult {
  reply: string;
  heapSlots: number;      // slots the command itself left allocated (command machinery subtracted)
  compute: number;        // compute units of the command, machinery subtracted
  rawHeapDelta: number;   // heap count change across the command, as xsnap reported it
  machineSlots: number;   // what an empty command costs, measured just before
  machineCompute: number;
  collected: boolean;     // the count went down, so a collection ran: heapSlots is meaningless
}

/**
 * Measures one command: a full collection, an empty command with the same argument (decoding the
 * argument costs slots too), another full collection, then the command. Returns what the command
 * alone allocated and computed. The command should return nothing (an empty reply is free).
 *
 * Slots only: XS counts heap slots (objects, closures, typed-array headers, property records);
 * string and ArrayBuffer bytes live in chunks, which this meter does not see.
 * A collection during the command would reset the count to the live slots; after a full collection
 * the heap holds no garbage, so a collection shows as a count below the empty command's.
 * (A WeakRef canary would be more direct, but XS's organic collections kept it alive in our tests.)
 */
export async function meter(worker: XsWorker, name: string, arg?: string): Promise<MeterResult> {
  const g0 = await worker.command('gc');
  const n = await worker.command('noop', arg);
  const g1 = await worker.command('gc');
  const r = await worker.command(name, arg);
  const machineSlots = n.meter.heapCount - g0.meter.heapCount;
  const rawHeapDelta = r.meter.heapCount - g1.meter.heapCount;
  return {
    reply: r.reply,
    heapSlots: rawHeapDelta - machineSlots,
    compute: r.meter.compute - n.meter.compute,
    rawHeapDelta,
    machineSlots,
    machineCompute: n.meter.compute,
    collected: rawHeapDelta < 0,
  };
}
