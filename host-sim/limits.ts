// Operating-system limits a big fleet runs into, named and explained instead of surfacing as a
// wall of CONNECTION_LOST errors.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface LimitHit {
  code: string; // EMFILE, ENFILE, EADDRNOTAVAIL
  what: string;
  fix: string;
}

const KNOWN: Record<string, { what: string; fix: string }> = {
  EMFILE: {
    what: 'this process ran out of file descriptors (one per connection)',
    fix: 'raise the limit in the shell that starts host-sim: `ulimit -n 65536` (up to `ulimit -Hn`; raise the hard limit in /etc/security/limits.conf or systemd LimitNOFILE)',
  },
  ENFILE: {
    what: 'the whole system ran out of file descriptors',
    fix: 'raise fs.file-max: `sudo sysctl -w fs.file-max=1000000`',
  },
  EADDRNOTAVAIL: {
    what: 'no free local port left for another connection to the same broker address',
    fix: 'widen the ephemeral range: `sudo sysctl -w net.ipv4.ip_local_port_range="1024 65535"`, or spread devices over several broker addresses',
  },
};

/** The limit named in an error text or errno code, if it is one we know. */
export function limitIn(text: string | undefined): LimitHit | null {
  if (!text) return null;
  for (const code of Object.keys(KNOWN)) {
    if (text.indexOf(code) >= 0) return { code, what: KNOWN[code].what, fix: KNOWN[code].fix };
  }
  return null;
}

export function describeLimit(l: LimitHit): string {
  return `limit hit: ${l.code} — ${l.what}. Fix: ${l.fix}`;
}

/** Soft file-descriptor limit of this process (what `ulimit -n` says), or -1 when unknown. */
export function fdLimit(): number {
  try {
    const out = execFileSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return out === 'unlimited' ? Infinity : Number(out);
  } catch {
    return -1;
  }
}

/** Number of ephemeral ports the kernel hands out per destination, or -1 when unknown. */
export function ephemeralPorts(): number {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return hi - lo + 1;
  } catch {
    return -1;
  }
}

/** Warnings for a fleet that cannot fit under the current limits, before anything is started. */
export function preflight(connections: number, fdsPerConnection: number): string[] {
  const warnings: string[] = [];
  const fds = fdLimit();
  const need = connections * fdsPerConnection + 64;
  if (fds > 0 && need > fds) {
    warnings.push(`about ${need} file descriptors needed but \`ulimit -n\` is ${fds}: ${KNOWN.EMFILE.fix}`);
  }
  const ports = ephemeralPorts();
  if (ports > 0 && connections > ports) {
    warnings.push(`${connections} connections to one broker address but only ${ports} ephemeral ports: ${KNOWN.EADDRNOTAVAIL.fix}`);
  }
  return warnings;
}
