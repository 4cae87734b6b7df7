// What host-sim and its dashboard page say to each other, as MQTT messages (JSON): host-sim
// publishes a status message about once a second; the page publishes controls. No Node or DOM
// API here: both sides import it.

/** `host-sim/status` and `host-sim/control`, or per shard `host-sim/shard-2-of-3/…`. */
export function simTopics(shard: { index: number; count: number } | null): { status: string; control: string } {
  const base = 'host-sim' + (shard ? '/shard-' + shard.index + '-of-' + shard.count : '');
  return { status: base + '/status', control: base + '/control' };
}

export type TileState = 'waiting' | 'connecting' | 'connected' | 'stopped' | 'removed';

export interface Tile {
  id: string;
  state: TileState;
  stalled: boolean;
  reconnects: number;
  outbox: number | null; // QoS 1 readings awaiting their PUBACK; null: LiteClient does not tell
  reading: number | null; // the last value the sensor gave
  readingResult: string; // what publish() said of it: 'sent', 'queued' (waits in the outbox) or an error code
  error: { code: string; message: string } | null; // the last error its client reported
  r: number[]; // readings since the previous status message: [time ms, °C, time, °C, …]
}

export interface SimStatus {
  at: number; // ms since the epoch
  run: {
    client: string; qos: number; interval: number; broker: string; embedded: boolean; topic: string;
    perDeviceTopics: boolean; readingFilter: string; statusFilter: string;
  };
  totals: {
    devices: number; started: number; connected: number; connecting: number; stopped: number; removed: number;
    published: number; acked: number | null; queued: number; dropped: number; reconnects: number; received: number;
    lost: number | null;
  };
  rate: number; // readings per second the watcher received (last ~5 s)
  topError: { code: string; message: string; devices: number } | null;
  tiles: Tile[]; // the first TILES_MAX devices
  control: { at: number; text: string; ok: boolean } | null; // what the last control did
}

/** Tiles (and chart lines) shown: a page with 10 000 of them helps nobody. */
export const TILES_MAX = 100;

export type Control =
  | { cmd: 'cut'; id: string }
  | { cmd: 'stall'; id: string; on: boolean }
  | { cmd: 'restart-broker' }
  | { cmd: 'add'; count: number; password?: string }
  | { cmd: 'remove'; count: number };
