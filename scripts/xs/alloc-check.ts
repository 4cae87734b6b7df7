// The allocation test's Node side: drives test/xs/alloc.ts (already evaluated in the worker) and
// judges the meters. Each measured loop runs in ONE xsnap command, after a full collection, so
// currentHeapCount can only grow during it; growth beyond the fixed cost of an empty command is
// what the loop allocated, and each loop has a budget per cycle:
// - a publish of bytes (QoS 0, or QoS 1 with its PUBACK) and a keepalive round: nothing;
// - a publish of a string: the result object of the engine's native encodeInto (3 slots);
// - an incoming message: the payload view handed to the application (4 slots on xsnap's XS).
// The same loops run on the session alone and through MqttClient + the Moddable adapter.
import { meter, type XsWorker } from './worker.js';

export const WARMUP = 50;
export const LOOPS = 1000;
const VIEW_SLOTS = 4;

export interface AllocCheck { name: string; ok: boolean; why: string; report: string }

interface Stats {
  notSent: number; bytesOut: number; packetsOut: number; acked: number; errors: number; received: number;
  pings: number; lastError: string; inflight: number;
}

async function stats(w: XsWorker): Promise<Stats> {
  return JSON.parse((await w.command('alloc.stats')).reply) as Stats;
}

// [command, what, slots allowed per cycle, what must have happened (given the stats after LOOPS cycles)]
type Loop = [string, string, number, (s: Stats) => string[]];

function published(acks: number): (s: Stats) => string[] {
  return (s) => {
    const p: string[] = [];
    if (s.notSent) p.push(`${s.notSent} publishes not 'sent'`);
    if (s.packetsOut < LOOPS) p.push(`only ${s.packetsOut} packets written for ${LOOPS} publishes`);
    if (s.acked !== acks) p.push(`${s.acked} PUBACKs reported, expected ${acks}`);
    if (s.inflight !== 0) p.push(`${s.inflight} still in flight`);
    return p;
  };
}
function delivered(s: Stats): string[] {
  return s.received === LOOPS ? [] : [`${s.received} messages delivered for ${LOOPS}`];
}
function pinged(s: Stats): string[] {
  return s.pings === LOOPS ? [] : [`${s.pings} PINGREQs for ${LOOPS} keepalive rounds`];
}

// xsnap's TextEncoder.prototype.encodeInto returns a new { read, written } object: 3 slots
const ENCODE_SLOTS = 3;

const LOOPS_RUN: Loop[] = [];
for (const side of ['session', 'device']) {
  const who = side === 'session' ? 'session' : 'MqttClient + Moddable adapter';
  LOOPS_RUN.push(
    [side + '.qos0b', who + ': QoS 0 publish of bytes', 0, published(0)],
    [side + '.qos0s', who + ': QoS 0 publish of a string', ENCODE_SLOTS, published(0)],
    [side + '.qos1b', who + ': QoS 1 publish of bytes + PUBACK', 0, published(LOOPS)],
    [side + '.qos1s', who + ': QoS 1 publish of a string + PUBACK', ENCODE_SLOTS, published(LOOPS)],
    [side + '.two0b', who + ': QoS 0 publish of bytes, two topics in turn', 0, published(0)],
    [side + '.in16', who + ': incoming 16 B PUBLISH', VIEW_SLOTS, delivered],
    [side + '.in16two', who + ': incoming 16 B PUBLISH, two topics in turn', VIEW_SLOTS, delivered],
    [side + '.ping', who + ': PINGREQ + PINGRESP', 0, pinged],
  );
}

export async function allocChecks(w: XsWorker): Promise<AllocCheck[]> {
  const out: AllocCheck[] = [];
  for (const side of ['session', 'device']) {
    const up = (await w.command(side + '.connect')).reply;
    if (up !== '3' && up !== 'true') {
      return [{ name: 'allocation: ' + side + ' connects', ok: false, why: 'not connected: ' + up, report: 'alloc: ' + side + ' did not connect' }];
    }
  }
  for (const [cmd, what, budget, check] of LOOPS_RUN) {
    await w.command(cmd, String(WARMUP));
    await w.command('alloc.reset');
    const m = await meter(w, cmd, String(LOOPS));
    const s = await stats(w);
    const p = check(s);
    if (s.errors) p.push(`${s.errors} errors (last: ${s.lastError})`);
    if (m.collected) p.push('a garbage collection ran during the loop, so the count proves nothing');
    const perCycle = m.heapSlots / LOOPS;
    if (perCycle > budget) {
      // Over 1000 cycles a collection may have hidden part of the growth; 10 cycles give the rate.
      const few = await meter(w, cmd, '10');
      p.push(`allocated ${perCycle} slots per cycle over ${LOOPS} cycles (${few.heapSlots / 10} over 10), allowed ${budget}`);
    }
    out.push({
      name: `allocation: ${LOOPS} × ${what} (at most ${budget} slots each)`,
      ok: p.length === 0,
      why: p.join('; '),
      // The compute figure is this loop's (its own topic, counters and fakes), not the client's
      // per-operation cost README quotes from `npm run bench`: say so where it is printed.
      report: `alloc: ${LOOPS} × ${what}: ${m.heapSlots >= 0 ? '+' : ''}${m.heapSlots} heap slots (${perCycle} per cycle, allowed ${budget}), ` +
        `${(m.compute / LOOPS).toFixed(1)} compute units per cycle of this check's loop (not README's figures, which come from npm run bench)`,
    });
  }
  return out;
}
