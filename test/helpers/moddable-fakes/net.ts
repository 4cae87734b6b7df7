// Fake of Moddable's `net` module: Net.get('MAC'/'IP'/...), and Net.resolve, which answers from a
// table after `resolveDelay` ms on the manual clock (never inside the call) and, like lwIP on the
// ESP8266, throws when 4 look-ups are already in progress.
import { schedule } from './clock.js';

export const netState = {
  mac: 'A4:D1:8C:DB:C0:20' as string | undefined,
  ip: '10.0.0.2',
  hosts: {} as Record<string, string>,
  resolveDelay: 5,
  inProgress: 0,
  lookups: [] as string[],       // names asked, in order
};

const MAX_LOOKUPS = 4;

const Net = {
  get: function (what: string): unknown {
    if (what === 'MAC') return netState.mac;
    if (what === 'IP') return netState.ip;
    if (what === 'DNS') return ['10.0.0.1'];
    return undefined;
  },
  resolve: function (name: string, callback: (name: string, address?: string) => void): void {
    if (typeof callback !== 'function') throw new TypeError('Net.resolve: callback is not a function');
    if (netState.inProgress >= MAX_LOOKUPS) throw new Error('DNS resolve queue full');
    netState.inProgress++;
    netState.lookups.push(name);
    schedule(function () {
      netState.inProgress--;
      const a = Object.prototype.hasOwnProperty.call(netState.hosts, name) ? netState.hosts[name] : undefined;
      callback(name, a);
    }, netState.resolveDelay, 0, null);
  },
};

export function resetNet(): void {
  netState.mac = 'A4:D1:8C:DB:C0:20';
  netState.hosts = {};
  netState.resolveDelay = 5;
  netState.inProgress = 0;
  netState.lookups = [];
}

export default Net;
