// host-sim's status message for the dashboard: the fleet's totals and one tile per device (the
// first TILES_MAX), with the readings taken since the previous message for the chart.
import type { Fleet } from '../fleet.js';
import { deviceRow, totals } from '../report.js';
import { TILES_MAX, type SimStatus, type Tile } from './protocol.js';

export function buildStatus(fleet: Fleet, rate: number, run: SimStatus['run'], control: SimStatus['control']): SimStatus {
  const t = totals(fleet);
  const tiles: Tile[] = [];
  for (const d of fleet.devices) {
    if (tiles.length >= TILES_MAX) break;
    const r = deviceRow(d, fleet);
    tiles.push({
      id: d.id,
      state: r.state,
      stalled: d.link.stalled,
      reconnects: r.reconnects,
      outbox: r.unacknowledged,
      reading: d.lastReading,
      readingResult: d.lastResult,
      error: r.lastError,
      r: d.recent,
    });
    d.recent = []; // sent: the next message carries only newer readings
  }
  return {
    at: Date.now(),
    run,
    totals: {
      devices: t.devices, started: t.started, connected: t.connected, connecting: t.connecting, stopped: t.stopped,
      removed: t.removed, published: t.published, acked: t.acknowledged, queued: t.queued, dropped: t.dropped,
      reconnects: t.reconnects, received: t.received, lost: t.lost,
    },
    rate: Math.round(rate * 10) / 10,
    topError: t.topError,
    tiles,
    control,
  };
}
