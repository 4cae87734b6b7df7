// Topic-filter matching (MQTT 3.1.1 §4.7), for dispatching messages to subscribe() handlers.
// The client remembers which handlers matched a topic until the topic or the subscriptions
// change, so this runs when a new topic arrives, not for every message.

/**
 * `+` matches exactly one level (possibly empty), `#` (last) matches the parent level and
 * everything below it. §4.7.2: a filter that starts with a wildcard does not match topics
 * starting with `$` (so `#` does not see `$SYS/...`; `$SYS/#` does). Filters are assumed valid.
 */
export function topicMatches(filter: string, topic: string): boolean {
  const f0 = filter.charAt(0);
  if (topic.charAt(0) === '$' && (f0 === '+' || f0 === '#')) return false;
  const f = filter.split('/'), t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}
