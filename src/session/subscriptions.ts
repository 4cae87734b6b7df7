// What the user subscribed to (replayed after a reconnect without session state), and the
// SUBSCRIBE/UNSUBSCRIBE requests waiting for their acknowledgement. Subscriptions are rare, so
// plain arrays are fine here; the pending table is bounded all the same.
export const KIND_SUBSCRIBE = 1, KIND_UNSUBSCRIBE = 2, KIND_RESUBSCRIBE = 3;
export const MAX_PENDING = 8;

export class Subscriptions {
  filters: string[];
  qos: number[];
  // pending requests, by slot; id 0 = free
  readonly ids: Uint16Array;
  readonly kinds: Uint8Array;
  readonly requested: (string[] | null)[];

  constructor() {
    this.filters = [];
    this.qos = [];
    this.ids = new Uint16Array(MAX_PENDING);
    this.kinds = new Uint8Array(MAX_PENDING);
    this.requested = [];
    for (let i = 0; i < MAX_PENDING; i++) this.requested.push(null);
  }

  add(filter: string, qos: number): void {
    const i = this.filters.indexOf(filter);
    if (i >= 0) { this.qos[i] = qos; return; }
    this.filters.push(filter);
    this.qos.push(qos);
  }

  remove(filter: string): void {
    const i = this.filters.indexOf(filter);
    if (i < 0) return;
    this.filters.splice(i, 1);
    this.qos.splice(i, 1);
  }

  freeSlot(): number {
    for (let i = 0; i < MAX_PENDING; i++) if (this.ids[i] === 0) return i;
    return -1;
  }

  slotOf(id: number): number {
    for (let i = 0; i < MAX_PENDING; i++) if (this.ids[i] === id) return i;
    return -1;
  }

  hold(slot: number, id: number, kind: number, filters: string[]): void {
    this.ids[slot] = id;
    this.kinds[slot] = kind;
    this.requested[slot] = filters;
  }

  release(slot: number): void {
    this.ids[slot] = 0;
    this.kinds[slot] = 0;
    this.requested[slot] = null;
  }

  // A lost link takes its unanswered requests with it.
  releaseAll(): void {
    for (let i = 0; i < MAX_PENDING; i++) this.release(i);
  }
}
