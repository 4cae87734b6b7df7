// Controls from the dashboard page, as MQTT messages on host-sim's control topic: parsed and
// checked here (a page, or anyone else on the broker, may send anything), then carried out on
// the fleet and the embedded broker. The outcome goes back in the next status message.
import type { Fleet } from '../fleet.js';
import type { EmbeddedBroker } from '../broker.js';
import type { Control } from './protocol.js';

const MAX_ADD = 1000; // per message: a slip of the keyboard must not start 100 000 devices

/** The control in a message's payload, or a sentence saying what is wrong with it. */
export function parseControl(text: string): Control | string {
  let c: unknown;
  try {
    c = JSON.parse(text);
  } catch {
    return 'not JSON: ' + text.slice(0, 60);
  }
  const o = c as Record<string, unknown>;
  if (!o || typeof o !== 'object') return 'not a control object';
  const count = (max: number) => (Number.isInteger(o.count) && (o.count as number) >= 1 && (o.count as number) <= max ? (o.count as number) : -1);
  switch (o.cmd) {
    case 'cut':
      return typeof o.id === 'string' ? { cmd: 'cut', id: o.id } : 'cut needs the device id';
    case 'stall':
      return typeof o.id === 'string' && typeof o.on === 'boolean' ? { cmd: 'stall', id: o.id, on: o.on } : 'stall needs the device id and on: true or false';
    case 'restart-broker':
      return { cmd: 'restart-broker' };
    case 'add':
      if (count(MAX_ADD) < 0) return `add needs a count from 1 to ${MAX_ADD}`;
      if (o.password !== undefined && typeof o.password !== 'string') return 'add: password must be a string';
      return o.password !== undefined && o.password !== '' ? { cmd: 'add', count: count(MAX_ADD), password: o.password as string } : { cmd: 'add', count: count(MAX_ADD) };
    case 'remove':
      return count(1_000_000) < 0 ? 'remove needs a count of at least 1' : { cmd: 'remove', count: count(1_000_000) };
    default:
      return 'unknown command ' + JSON.stringify(o.cmd);
  }
}

/** Carries out a control; resolves to what happened, in words, and whether it worked. */
export async function applyControl(c: Control, fleet: Fleet, broker: EmbeddedBroker | null): Promise<{ text: string; ok: boolean }> {
  switch (c.cmd) {
    case 'cut':
    case 'stall': {
      const d = fleet.byId.get(c.id);
      if (!d || !d.run || d.removed) return { text: `no running device ${c.id}`, ok: false };
      if (c.cmd === 'stall') {
        d.link.stall(c.on);
        return { text: `${c.id}: link ${c.on ? 'stalled (nothing passes until it is lifted)' : 'flowing again'}`, ok: true };
      }
      return d.link.cut('link cut from the dashboard')
        ? { text: `${c.id}: link cut; it reconnects`, ok: true }
        : { text: `${c.id} had no link to cut (it is reconnecting)`, ok: false };
    }
    case 'restart-broker':
      if (!broker) return { text: 'host-sim is using an external broker: only the embedded one can be restarted from here', ok: false };
      await broker.restart(); // the publish listeners (who sent what) move to the new broker
      return { text: `embedded broker restarted (restart ${broker.restarts}): every link dropped, retained messages gone`, ok: true };
    case 'add': {
      const added = fleet.add(c.count, c.password);
      if (added.length === 0) return { text: 'no devices added: host-sim is stopping', ok: false };
      return { text: `added ${added.length} device(s): ${added[0].id}${added.length > 1 ? ' … ' + added[added.length - 1].id : ''}` + (c.password !== undefined ? ' with the password given' : ''), ok: true };
    }
    case 'remove': {
      const removed = fleet.remove(c.count);
      return removed.length ? { text: `removed ${removed.length} device(s): ${removed.map((d) => d.id).join(', ').slice(0, 120)}`, ok: true }
        : { text: 'no device left to remove', ok: false };
    }
  }
}
