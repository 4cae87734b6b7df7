// Topic-filter matching for dispatching incoming messages to handlers. It walks both byte
// strings once and allocates nothing, because it runs for every handler on every message.
// Filters are assumed valid (validateTopicFilter ran when they were subscribed).
import { utf8Length, writeUtf8 } from './codec/utf8.js';

const SLASH = 47, PLUS = 43, HASH = 35, DOLLAR = 36;

/** UTF-8 of a string, in a new array (a filter is encoded once, when it is subscribed). */
export function utf8Bytes(s: string): Uint8Array {
  const b = new Uint8Array(utf8Length(s));
  writeUtf8(b, 0, s);
  return b;
}

/**
 * MQTT 3.1.1 §4.7: `+` matches exactly one level (possibly empty), `#` (last) matches the
 * parent level and everything below it. §4.7.2: a filter that starts with a wildcard does not
 * match topics starting with `$` (so `#` does not see `$SYS/...`; `$SYS/#` does).
 * The filter is pre-encoded UTF-8, the topic is buf[start..end) (still in the receive buffer).
 * On XS every property access on a primitive string (charCodeAt, even length) boxes it and
 * costs heap slots, so per-message matching works on bytes. ('/', '+', '#', '$' are ASCII and
 * never occur inside a multi-byte UTF-8 sequence.)
 */
export function topicMatchesBytes(filter: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  const fl = filter.length;
  if (end > start && buf[start] === DOLLAR && (filter[0] === PLUS || filter[0] === HASH)) return false;
  let fi = 0, ti = start;
  while (fi < fl) {
    const c = filter[fi];
    if (c === HASH) return true;
    if (c === PLUS) {
      while (ti < end && buf[ti] !== SLASH) ti++;
      fi++;
      continue;
    }
    if (ti >= end || buf[ti] !== c) {
      // "a/#" also matches "a": the topic ended exactly where the filter has "/#" left.
      return ti === end && c === SLASH && fi + 2 === fl && filter[fi + 1] === HASH;
    }
    fi++;
    ti++;
  }
  return ti === end;
}

/** The same rules over strings (a convenience for applications; the client matches bytes). */
export function topicMatches(filter: string, topic: string): boolean {
  const t = utf8Bytes(topic);
  return topicMatchesBytes(utf8Bytes(filter), t, 0, t.length);
}
