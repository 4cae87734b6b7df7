// Reconnect delay: exponential from min, capped at max, then shortened by up to `jitter` of
// itself so a fleet that lost its broker at the same moment does not come back in lockstep.
// Jitter only ever shortens the delay, so max stays a true cap.
export function backoffDelay(attempt: number, min: number, max: number, jitter: number, random: () => number): number {
  let d = min;
  for (let i = 0; i < attempt && d < max; i++) d *= 2;
  if (d > max) d = max;
  let r = random();
  if (!(r >= 0)) r = 0;
  if (r > 1) r = 1;
  return Math.floor(d * (1 - jitter * r));
}
