// What the user subscribed to (replayed after a reconnect without session state), and the
// SUBSCRIBE/UNSUBSCRIBE requests waiting for their acknowledgement. Subscriptions are rare, so
// plain arrays are fine here; the pending table is bounded all the same.
// A request's kind: what it asked for, plus KIND_REPLAY when the session sent it again by itself
// after a reconnect (its acknowledgement is not reported to the user).
export const KIND_SUBSCRIBE = 1, KIND_UNSUBSCRIBE = 2, KIND_REPLAY = 4;
export const MAX_PENDING = 8;

export class Subscriptions {
  filters: string[];
  levels: number[];
  // pending requests, by slot; id 0 = free
  readonly ids: Uint16Array;
  readonly kinds: Uint8Array;
  readonly requested: (string[] | null)[];

  constructor() {
    this.filters = [];
    this.levels = [];
    this.ids = new Uint16Array(MAX_PENDING);
    this.kinds = new Uint8Array(MAX_PENDING);
    this.requested = [];
    for (let i = 0; i < MAX_PENDING; i++) this.requested.push(null);
  }

  put(filter: string, qos: number): void {
    const i = this.filters.indexOf(filter);
    if (i >= 0) { this.levels[i] = qos; return; }
    this.filters.push(filter);
    this.levels.push(qos);
  }

  remove(filter: string): void {
    const i = this.filters.indexOf(filter);
    if (i < 0) return;
    this.filters.splice(i, 1);
    this.levels.splice(i, 1);
  }

  freeSlot(): number {
    for (let i = 0; i < MAX_PENDING; i++) if (this.ids[i] === 0) return i;
    return -1;
  }

  // True when a pending request still names the filter.
  isRequested(filter: string): boolean {
    for (let i = 0; i < MAX_PENDING; i++) {
      const r = this.requested[i];
      if (r && r.indexOf(filter) >= 0) return true;
    }
    return false;
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
