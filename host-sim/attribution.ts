// Who published what the subscriber got, when every device shares the firmware's topics (`temp`,
// `temp/status`) and the payload says nothing about its sender. Only the embedded broker knows:
// its 'publish' event names the client. The event and the subscriber's copy of the message race
// (the copy crosses a socket, the event may follow the broker's own async delivery steps), so
// whichever comes first waits for the other, matched by topic and payload, oldest first.

// The broker event should never be later than this; a message it never reports (a retained one
// replayed at subscribe time) is then shown without a sender.
const WAIT_FOR_BROKER_MS = 1000;

interface Waiter {
  done: (clientId: string | null) => void;
  timer: NodeJS.Timeout;
}

export class PublisherMatcher {
  // Client ids in publish order, per topic+payload, whose message the subscriber has not seen yet.
  private readonly senders = new Map<string, string[]>();
  private readonly waiting = new Map<string, Waiter[]>();
  private closed = false;

  constructor(private readonly topics: ReadonlySet<string>) {}

  /** From the broker's 'publish' event; clientId is null for broker-internal publishes. */
  published(topic: string, payload: string, clientId: string | null): void {
    if (!this.topics.has(topic)) return;
    const key = topic + '\n' + payload;
    const w = this.waiting.get(key);
    if (w && w.length) {
      const first = w.shift()!;
      if (!w.length) this.waiting.delete(key);
      clearTimeout(first.timer);
      first.done(clientId);
      return;
    }
    const q = this.senders.get(key);
    if (q) q.push(clientId ?? '');
    else this.senders.set(key, [clientId ?? '']);
  }

  /** The subscriber got `payload` on `topic`: `done` gets the sender ('' or null when unknown), now or soon. */
  received(topic: string, payload: string, done: (clientId: string | null) => void): void {
    if (this.closed) return done(null);
    const key = topic + '\n' + payload;
    const q = this.senders.get(key);
    if (q && q.length) {
      const id = q.shift()!;
      if (!q.length) this.senders.delete(key);
      done(id || null);
      return;
    }
    const waiter: Waiter = {
      done,
      timer: setTimeout(() => {
        const w = this.waiting.get(key);
        const i = w ? w.indexOf(waiter) : -1;
        if (i >= 0) w!.splice(i, 1);
        if (w && !w.length) this.waiting.delete(key);
        done(null);
      }, WAIT_FOR_BROKER_MS),
    };
    const w = this.waiting.get(key);
    if (w) w.push(waiter);
    else this.waiting.set(key, [waiter]);
  }

  /** Stops waiting: the remaining messages are reported without a sender. */
  close(): void {
    this.closed = true;
    for (const w of this.waiting.values()) {
      for (const x of w) {
        clearTimeout(x.timer);
        x.done(null);
      }
    }
    this.waiting.clear();
    this.senders.clear();
  }
}
