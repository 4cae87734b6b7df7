// The zero-allocation test's Node side: drives test/xs/alloc.ts (already evaluated in the worker)
// and judges the meters. Each measured loop runs in ONE xsnap command, after a full collection, so
// currentHeapCount can only grow during it; growth beyond the fixed cost of an empty command means
// the loop allocated.
import { meter, type XsWorker } from './worker.js';

export const WARMUP = 50;
export const LOOPS = 1000;

export interface AllocCheck { name: string; ok: boolean; why: string; report: string }

interface Stats {
  notSent: number; bytesOut: number; packetsOut: number; acked: number; errors: number;
  lastError: string; inflight: number; queued: number;
}

async function stats(w: XsWorker): Promise<Stats> {
  return JSON.parse((await w.command('alloc.stats')).reply) as Stats;
}

function problems(s: Stats, publishes: number, acks: number): string[] {
  const p: string[] = [];
  if (s.notSent) p.push(`${s.notSent} publishes not 'sent'`);
  if (s.errors) p.push(`${s.errors} session errors (last: ${s.lastError})`);
  if (s.packetsOut < publishes) p.push(`only ${s.packetsOut} packets pulled for ${publishes} publishes`);
  if (s.acked !== acks) p.push(`${s.acked} PUBACKs reported as published, expected ${acks}`);
  if (s.inflight !== 0) p.push(`${s.inflight} still in flight`);
  return p;
}

export async function allocChecks(w: XsWorker): Promise<AllocCheck[]> {
  await w.command('alloc.connect');
  await w.command('alloc.qos0', String(WARMUP));
  await w.command('alloc.qos1', String(WARMUP));
  const warm = await stats(w);
  const warmProblems = problems(warm, 2 * WARMUP, WARMUP);
  if (warmProblems.length) {
    return [{ name: 'zero-allocation warm-up', ok: false, why: 'the session did not publish: ' + warmProblems.join('; '),
      report: 'alloc: warm-up failed' }];
  }

  const out: AllocCheck[] = [];
  const loops: [string, string, number][] = [['alloc.qos0', 'QoS 0 publish + pull', 0], ['alloc.qos1', 'QoS 1 publish + pull + PUBACK', LOOPS]];
  for (const [cmd, what, acks] of loops) {
    await w.command('alloc.reset');
    const m = await meter(w, cmd, String(LOOPS));
    const s = await stats(w);
    const p = problems(s, LOOPS, acks);
    if (m.collected) p.push('a garbage collection ran during the loop, so the count proves nothing');
    if (m.heapSlots !== 0) {
      // Over 1000 cycles a collection may have run and hidden part of the growth (the count drops to
      // the live slots and grows again); 10 cycles fit between collections, so they give the rate.
      const few = await meter(w, cmd, '10');
      p.push(`the loop allocated: heap count ${m.heapSlots >= 0 ? '+' : ''}${m.heapSlots} over ${LOOPS} cycles, ` +
        `${few.heapSlots / 10} slots per cycle over 10 cycles`);
    }
    const name = `zero allocation: ${LOOPS} × ${what}`;
    out.push({
      name,
      ok: p.length === 0,
      why: p.join('; '),
      report: `alloc: ${LOOPS} × ${what}: ${m.heapSlots >= 0 ? '+' : ''}${m.heapSlots} heap slots ` +
        `(raw ${m.rawHeapDelta >= 0 ? '+' : ''}${m.rawHeapDelta}, empty command ${m.machineSlots >= 0 ? '+' : ''}${m.machineSlots}), ` +
        // The compute figure is this loop's (session alone, its own topic and counters), not the
        // client's per-publish cost README quotes from `npm run bench`: say so where it is printed.
        `${(m.compute / LOOPS).toFixed(1)} compute units/cycle of this check's session-only loop ` +
        `(not README's client figures, which come from npm run bench), ${s.packetsOut} packets ${s.bytesOut} bytes out`,
    });
  }
  if (out.some((c) => !c.ok)) {
    const parts: string[] = [];
    for (const part of PARTS) {
      await w.command('alloc.part.' + part, String(WARMUP));
      const m = await meter(w, 'alloc.part.' + part, String(LOOPS));
      parts.push(`${part} ${(m.heapSlots / LOOPS).toFixed(1)}`);
    }
    out[out.length - 1].report += '\nxs: alloc: slots per call of each piece: ' + parts.join(', ') +
      '\nxs: alloc: (on XS, s.length or s.charCodeAt(i) on a primitive string allocates a String wrapper, 2 slots;' +
      ' String.prototype.charCodeAt.call(s, i) does not)';
  }
  return out;
}

const PARTS = ['validateTopicName', 'publishLength', 'encodePublish', 'decodePuback'];
