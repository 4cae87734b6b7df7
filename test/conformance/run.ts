// Runs the conformance table through a driver: each case under every cut pattern, its transcript
// checked window by window, then a verdict per case and client. A case marked knownDefect for a
// client must still fail (so a fix shows up as "remove the mark"); a case a client is listed as
// lacking in DIFFERENCES must still fail for it too. XS-safe.
import type { Call, Case, ClientKey, DialStats, Entry, Step } from './types.js';
import type { Driver, ClientUnderTest } from './driver.js';
import { Unsupported } from './driver.js';
import type { Cut, Obs } from './net.js';
import { CUTS, Net, hashName, seeded } from './net.js';
import { DIFFERENCES } from './differences.js';

export interface RunResult { ok: boolean; why: string; unsupported: string }

function describeStep(s: Step): string {
  if (s.call) return s.call.call + (s.call.topic !== undefined ? ' ' + s.call.topic : '');
  if (s.open) return 'open';
  if (s.send) return 'send ' + s.send.length + ' bytes';
  if (s.drop !== undefined) return 'drop';
  if (s.late !== undefined) return 'late';
  if (s.wait !== undefined) return 'wait ' + s.wait;
  if (s.stall !== undefined) return 'stall ' + s.stall;
  if (s.untilDial !== undefined) return 'until dial';
  if (s.broker) return 'broker';
  if (s.on) return 'react ' + s.on;
  return 'expect';
}

/** A variant entry resolved for one client; plain and timed entries as they are. */
function flatten(entries: Entry[], client: ClientKey): Entry[] {
  const out: Entry[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (typeof e === 'object' && 'variant' in e) {
      const d = DIFFERENCES.find(function (x) { return x.key === e.variant; });
      if (!d || d.lacking !== 'variant') throw new Error('variant ' + e.variant + ' is not a variant in DIFFERENCES');
      const branch = (d.yes as ClientKey[]).indexOf(client) >= 0 ? e.yes : e.no;
      const sub = flatten(branch, client);
      for (let k = 0; k < sub.length; k++) out.push(sub[k]);
    } else out.push(e);
  }
  return out;
}

function textOf(e: Entry): string { return typeof e === 'string' ? e : (e as { e: string }).e; }
function channelOf(text: string): 'wire' | 'app' {
  return text.indexOf('on') === 0 || text.indexOf('handler ') === 0 ? 'app' : 'wire';
}

/**
 * Expected line against observed: exact, except that 'onError CODE' alone matches any message of
 * that code, '*' matches one word (no space; e.g. a packet id the table leaves open) and '…' any text.
 */
export function lineMatches(exp: string, got: string): boolean {
  if (exp === got) return true;
  if (exp.indexOf('onError ') === 0 && exp.indexOf(': ') < 0) return got.indexOf(exp + ': ') === 0;
  return wild(exp, 0, got, 0);
}

function wild(exp: string, i: number, got: string, j: number): boolean {
  for (; i < exp.length; i++, j++) {
    const c = exp.charAt(i);
    if (c === '*' || c === '\u2026') {
      for (let k = j + (c === '*' ? 1 : 0); k <= got.length; k++) {
        if (c === '*' && got.charAt(k - 1) === ' ') return false;
        if (wild(exp, i + 1, got, k)) return true;
      }
      return false;
    }
    if (j >= got.length || got.charAt(j) !== c) return false;
  }
  return j === got.length;
}

function timeOk(e: Entry, t: number): boolean {
  if (typeof e === 'string') return true;
  const at = (e as { at: number | [number, number] }).at;
  return typeof at === 'number' ? t === at : t >= at[0] && t <= at[1];
}

function showEntry(e: Entry): string {
  if (typeof e === 'string') return e;
  const at = (e as { at: number | [number, number] }).at;
  return (typeof at === 'number' ? '@' + at : '@[' + at[0] + ',' + at[1] + ']') + ' ' + textOf(e);
}

/** Checks one window: per channel, the same lines in the same order, each at its time. */
function checkWindow(obs: Obs[], entries: Entry[], ws: number): string {
  const chans: ('wire' | 'app')[] = ['wire', 'app'];
  const problems: string[] = [];
  for (let c = 0; c < chans.length; c++) {
    const exp = entries.filter(function (e) { return channelOf(textOf(e)) === chans[c]; });
    const got = obs.filter(function (o) { return o.ch === chans[c]; });
    let ok = exp.length === got.length;
    for (let i = 0; ok && i < exp.length; i++) ok = lineMatches(textOf(exp[i]), got[i].e) && timeOk(exp[i], got[i].t - ws);
    if (!ok) {
      problems.push(chans[c] + ': expected [' + exp.map(showEntry).join(' | ') + '], got [' +
        got.map(function (o) { return '@' + (o.t - ws) + ' ' + o.e; }).join(' | ') + ']');
    }
  }
  return problems.join('; ');
}

function checkDials(obs: Obs[], stats: DialStats): string {
  const dials = obs.filter(function (o) { return o.e.indexOf('dial ') === 0; });
  const problems: string[] = [];
  if (stats.count && (dials.length < stats.count[0] || dials.length > stats.count[1])) {
    problems.push(dials.length + ' dials, expected ' + stats.count[0] + '..' + stats.count[1]);
  }
  if (stats.gaps) {
    const gaps = dials.filter(function (o) { return o.gap !== undefined && o.gap >= 0; })
      .map(function (o) { return o.gap as number; });
    const want = stats.gaps;
    let ok = gaps.length >= want.length;
    for (let i = 0; ok && i < want.length; i++) ok = gaps[i] >= want[i][0] && gaps[i] <= want[i][1];
    if (!ok) {
      problems.push('reconnect delays ' + JSON.stringify(gaps.slice(0, want.length + 2)) + ', expected within ' + JSON.stringify(want));
    }
  }
  return problems.join('; ');
}

/** One case, one client, one cut pattern. */
export function runCase(d: Driver, k: Case, cut: Cut): RunResult {
  const seed = hashName(k.name);
  const o = k.options || {};
  const net = new Net(cut, seed, o.deviceId === undefined ? '' : o.deviceId);
  const reactions: Step[] = [];
  const thrown: string[] = [];
  let client: ClientUnderTest | null = null;
  // Jitter and random client ids come from Math.random: seeded per case, so a failure repeats.
  const random = Math.random;
  Math.random = seeded(seed);
  let stepNo = -1;   // -1: building the client
  try {
    client = d.start(o, net, function (on) {
      for (let i = 0; i < reactions.length; i++) {
        if (reactions[i].on !== on) continue;
        try { (client as ClientUnderTest).call(reactions[i].react as Call); }
        catch (e) { thrown.push('reaction in ' + on + ' threw ' + String(e)); }
      }
    });
    let ws = 0;
    for (stepNo = 0; stepNo < k.steps.length; stepNo++) {
      const s = k.steps[stepNo];
      if (s.call) {
        const r = client.call(s.call);
        if (s.call.returns !== undefined && r !== s.call.returns) {
          return fail('step ' + stepNo + ' (' + describeStep(s) + ') returned ' + r + ', expected ' + s.call.returns);
        }
        net.advance(0);
      } else if (s.open) { net.last().open(); net.advance(0); }
      else if (s.send) { net.last().feed(s.send, true); net.advance(0); }
      else if (s.drop !== undefined) { net.last().drop(s.drop); net.advance(0); }
      else if (s.late !== undefined) {
        const l = net.last();
        if (l.live) return fail('step ' + stepNo + ': late events need a link the client closed');
        l.late(s.late);
        net.advance(0);
      }
      else if (s.wait !== undefined) net.advance(s.wait);
      else if (s.stall !== undefined) { net.time += s.stall; net.advance(0); }
      else if (s.untilDial !== undefined) {
        const n = net.links.length;
        if (net.runUntil(function () { return net.links.length > n; }, s.untilDial) < 0) {
          return fail('step ' + stepNo + ': no dial within ' + s.untilDial + ' ms');
        }
      }
      else if (s.broker) net.serve(s.broker, s.times);
      else if (s.on) reactions.push(s);
      if (thrown.length > 0) return fail('step ' + stepNo + ' (' + describeStep(s) + '): ' + thrown.join('; '));
      if (s.expect || s.dials) {
        const obs = net.take();
        let why = s.expect ? checkWindow(obs, flatten(s.expect, d.key), ws) : '';
        if (s.dials) why += (why ? '; ' : '') + checkDials(obs, s.dials);
        if (why) return fail('expect at step ' + stepNo + ' (t=' + net.now0 + '): ' + why);
        ws = net.now0;
      }
    }
    for (let i = 0; i < net.links.length; i++) {
      if (net.links[i].live && net.links[i].partial > 0) net.record('wire', 'partial packet left on link ' + i + ': ' + net.links[i].partial + ' bytes');
    }
    const left = net.take();
    if (left.length > 0) {
      return fail('after the last expect: ' + left.map(function (x) { return '@' + x.t + ' ' + x.e; }).join(' | '));
    }
    return { ok: true, why: '', unsupported: '' };
  } catch (e) {
    if (e instanceof Unsupported) return { ok: false, why: String(e), unsupported: e.what };
    const where = stepNo < 0 ? 'building the client' : 'step ' + stepNo + ' (' + describeStep(k.steps[stepNo] || {}) + ')';
    return fail(where + ' threw: ' + String(e));
  } finally {
    Math.random = random;
  }
  // (hoisted) every failure names the cut pattern it happened under
  function fail(why: string): RunResult { return { ok: false, why: '[' + cut + '] ' + why, unsupported: '' }; }
}

export type Status = 'pass' | 'fail' | 'known-defect' | 'defect-fixed' | 'difference' | 'difference-gone';
export interface Verdict { name: string; client: string; status: Status; why: string }

/** Is the case one this client is listed as lacking (a documented difference)? */
export function lacks(k: Case, client: ClientKey): string {
  const keys = k.differs || [];
  for (let i = 0; i < keys.length; i++) {
    const d = DIFFERENCES.find(function (x) { return x.key === keys[i]; });
    if (d && d.lacking === client) return d.key;
  }
  return '';
}

/** Runs a case under every cut and judges it against its marks. */
export function judge(d: Driver, k: Case): Verdict {
  const failures: string[] = [];
  let unsupported = '';
  for (let i = 0; i < CUTS.length && unsupported === ''; i++) {
    const r = runCase(d, k, CUTS[i]);
    if (r.unsupported) unsupported = r.unsupported;
    else if (!r.ok) failures.push(r.why);
  }
  const difference = lacks(k, d.key);
  const defect = k.knownDefect ? k.knownDefect[d.key] : undefined;
  const v = function (status: Status, why: string): Verdict { return { name: k.name, client: d.name, status: status, why: why }; };
  if (difference) {
    if (unsupported || failures.length > 0) return v('difference', unsupported ? 'no API: ' + unsupported : failures[0]);
    return v('difference-gone', d.name + ' now passes a case DIFFERENCES says it lacks (' + difference + '): update the difference');
  }
  if (unsupported) return v('fail', 'the driver has no API for ' + unsupported + ', but the case is not marked with a difference that ' + d.name + ' lacks');
  if (defect !== undefined) {
    if (failures.length > 0) return v('known-defect', defect + ' — today: ' + failures[0]);
    return v('defect-fixed', 'passes under every cut now: remove knownDefect.' + d.key + ' ("' + defect + '")');
  }
  return failures.length === 0 ? v('pass', '') : v('fail', failures.join('\n'));
}

/** The marks must make sense: unique names, known difference keys, no case both lacking and defective. */
export function checkTable(table: Case[]): string[] {
  const problems: string[] = [];
  const seen: Record<string, boolean> = {};
  for (let i = 0; i < table.length; i++) {
    const k = table[i];
    if (seen[k.name]) problems.push('duplicate case name: ' + k.name);
    seen[k.name] = true;
    const keys = k.differs || [];
    for (let j = 0; j < keys.length; j++) {
      const d = DIFFERENCES.find(function (x) { return x.key === keys[j]; });
      if (!d) problems.push(k.name + ': unknown difference ' + keys[j]);
      else if (d.lacking !== 'lite' && d.lacking !== 'mqtt') problems.push(k.name + ': difference ' + keys[j] + ' is not one a client lacks');
      else if (k.knownDefect && k.knownDefect[d.lacking] !== undefined) problems.push(k.name + ': both a difference and a known defect for ' + d.lacking);
    }
    if (k.steps.length === 0) problems.push(k.name + ': no steps');
    if (!k.steps.some(function (s) { return s.expect !== undefined || s.dials !== undefined; })) problems.push(k.name + ': expects nothing');
  }
  // Every difference README lists is shown by a case, unless no case can show it ('none').
  for (let i = 0; i < DIFFERENCES.length; i++) {
    const d = DIFFERENCES[i];
    if (d.lacking === 'none') continue;
    const used = table.some(function (k) {
      if (k.differs && k.differs.indexOf(d.key) >= 0) return true;
      return k.steps.some(function (s) { return s.expect !== undefined && usesVariant(s.expect, d.key); });
    });
    if (!used) problems.push('difference ' + d.key + ' is shown by no case');
  }
  return problems;
}

function usesVariant(entries: Entry[], key: string): boolean {
  return entries.some(function (e) {
    return typeof e === 'object' && 'variant' in e && (e.variant === key || usesVariant(e.yes, key) || usesVariant(e.no, key));
  });
}

export function summary(table: Case[], verdicts: Verdict[], drivers: Driver[]): string {
  const parts: string[] = [];
  for (let i = 0; i < drivers.length; i++) {
    const mine = verdicts.filter(function (v) { return v.client === drivers[i].name; });
    const n = function (s: Status): number { return mine.filter(function (v) { return v.status === s; }).length; };
    let line = drivers[i].name + ' ' + n('pass') + ' pass + ' + n('known-defect') + ' known defects + ' + n('difference') + ' documented differences';
    const bad = n('fail') + n('defect-fixed') + n('difference-gone');
    if (bad > 0) line += ' (' + n('fail') + ' FAIL, ' + n('defect-fixed') + ' fixed defects still marked, ' + n('difference-gone') + ' differences gone)';
    parts.push(line);
  }
  return 'conformance: ' + table.length + ' cases × ' + CUTS.length + ' cuts (' + CUTS.join(', ') + '), ' + parts.join(', ');
}

/** Every case through every driver. */
export function runTable(table: Case[], drivers: Driver[]): Verdict[] {
  const out: Verdict[] = [];
  for (let i = 0; i < drivers.length; i++) for (let j = 0; j < table.length; j++) out.push(judge(drivers[i], table[j]));
  return out;
}
