// Topic-filter matching for dispatching incoming messages to handlers. It walks both strings
// once and allocates nothing, because it runs for every handler on every message.
// Filters are assumed valid (validateTopicFilter ran when they were subscribed).

const SLASH = 47, PLUS = 43, HASH = 35, DOLLAR = 36;

/**
 * MQTT 3.1.1 §4.7: `+` matches exactly one level (possibly empty), `#` (last) matches the
 * parent level and everything below it. §4.7.2: a filter that starts with a wildcard does not
 * match topics starting with `$` (so `#` does not see `$SYS/...`; `$SYS/#` does).
 */
export function topicMatches(filter: string, topic: string): boolean {
  const fl = filter.length, tl = topic.length;
  if (tl > 0 && topic.charCodeAt(0) === DOLLAR) {
    const f0 = filter.charCodeAt(0);
    if (f0 === PLUS || f0 === HASH) return false;
  }
  let fi = 0, ti = 0;
  while (fi < fl) {
    const c = filter.charCodeAt(fi);
    if (c === HASH) return true;
    if (c === PLUS) {
      while (ti < tl && topic.charCodeAt(ti) !== SLASH) ti++;
      fi++;
      continue;
    }
    if (ti >= tl || topic.charCodeAt(ti) !== c) {
      // "a/#" also matches "a": the topic ended exactly where the filter has "/#" left.
      return ti === tl && c === SLASH && fi + 2 === fl && filter.charCodeAt(fi + 1) === HASH;
    }
    fi++;
    ti++;
  }
  return ti === tl;
}

/**
 * The same rules over UTF-8 bytes: the filter pre-encoded at subscribe time, the topic still in
 * the receive buffer. On XS every property access on a primitive string (charCodeAt, even
 * length) boxes it and costs heap slots, so per-message matching works on bytes instead.
 * ('/', '+', '#', '$' are ASCII and never occur inside a multi-byte UTF-8 sequence.)
 */
export function topicMatchesBytes(filter: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  const fl = filter.length;
  if (end > start && buf[start] === DOLLAR && fl > 0 && (filter[0] === PLUS || filter[0] === HASH)) return false;
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
      return ti === end && c === SLASH && fi + 2 === fl && filter[fi + 1] === HASH;
    }
    fi++;
    ti++;
  }
  return ti === end;
}
