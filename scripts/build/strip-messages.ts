// Espruino only: MqttError message text costs memory on the chip (the upload file is source
// text), so every message argument becomes ''. Codes stay; Node and Moddable keep the text.
// A "message argument" is the second argument of `new MqttError(...)`, and, found by a fixpoint
// over the program, any parameter of our own functions that is used only inside message
// arguments (client.ts's invalid(msg), the decoder's fail(code, msg), the session's
// protocolError(now, why), ...): their call sites get '' too. Tables used only to build
// messages (PACKET_NAMES, CONNACK_TEXT, STATE_NAMES) then have no reader left and terser drops them.
import ts from 'typescript';
import fs from 'node:fs';
import type { Plugin } from 'esbuild';
import { calleeDeclaration, espruinoProgram, isProjectFile, projectFiles } from './ts-program.js';

type Sinks = Map<ts.Node, number[]>;

function callOf(node: ts.Node): (ts.CallExpression | ts.NewExpression) | null {
  return ts.isCallExpression(node) || ts.isNewExpression(node) ? node : null;
}

function sinkIndexes(checker: ts.TypeChecker, sinks: Sinks, call: ts.CallExpression | ts.NewExpression): number[] | undefined {
  const d = calleeDeclaration(checker, call.expression);
  return d ? sinks.get(d) : undefined;
}

/** True when every read of `param` inside `fn` sits inside a message argument. */
function onlyInMessages(checker: ts.TypeChecker, sinks: Sinks, fn: ts.FunctionLikeDeclaration, param: ts.ParameterDeclaration): boolean {
  const sym = checker.getSymbolAtLocation(param.name);
  if (!sym || !fn.body) return false;
  let refs = 0, ok = true;
  const visit = (n: ts.Node): void => {
    if (!ok) return;
    if (ts.isIdentifier(n) && checker.getSymbolAtLocation(n) === sym) {
      refs++;
      let child: ts.Node = n, found = false;
      for (let p = n.parent; p && p !== fn; child = p, p = p.parent) {
        const call = callOf(p);
        if (call && call.arguments) {
          const idx = call.arguments.indexOf(child as ts.Expression);
          const s = idx >= 0 ? sinkIndexes(checker, sinks, call) : undefined;
          if (s && s.indexOf(idx) >= 0) { found = true; break; }
        }
      }
      if (!found) ok = false;
    }
    ts.forEachChild(n, visit);
  };
  visit(fn.body);
  return ok && refs > 0;
}

export interface StripReport { sinks: string[]; edits: number }

function findSinks(program: ts.Program): Sinks {
  const checker = program.getTypeChecker();
  const sinks: Sinks = new Map();
  const fns: ts.FunctionLikeDeclaration[] = [];
  for (const sf of projectFiles(program)) {
    const visit = (n: ts.Node): void => {
      if (ts.isClassDeclaration(n) && n.name && n.name.text === 'MqttError') sinks.set(n, [1]);
      if ((ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n)) && n.body) fns.push(n);
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  if (sinks.size !== 1) throw new Error('strip-messages: expected one MqttError class, found ' + sinks.size);
  for (let changed = true, round = 0; changed && round < 20; round++) {
    changed = false;
    for (const fn of fns) {
      const have = sinks.get(fn) || [];
      fn.parameters.forEach((p, i) => {
        if (have.indexOf(i) >= 0 || !ts.isIdentifier(p.name)) return;
        if (onlyInMessages(checker, sinks, fn, p)) { have.push(i); sinks.set(fn, have); changed = true; }
      });
    }
  }
  return sinks;
}

function sinkName(n: ts.Node): string {
  const named = n as ts.Node & { name?: ts.Node };
  const name = named.name && ts.isIdentifier(named.name) ? named.name.text : '?';
  const cls = ts.isMethodDeclaration(n) && ts.isClassDeclaration(n.parent) && n.parent.name ? n.parent.name.text + '.' : '';
  return cls + name + ' in ' + n.getSourceFile().fileName.replace(/^.*?\/(src|boards)\//, '$1/');
}

/** The source of one file with every message argument replaced by ''. */
function stripFile(checker: ts.TypeChecker, sinks: Sinks, sf: ts.SourceFile, count: { edits: number }): string {
  const edits: { start: number; end: number }[] = [];
  const visit = (n: ts.Node): void => {
    const call = callOf(n);
    if (call && call.arguments) {
      const s = sinkIndexes(checker, sinks, call);
      if (s) for (const i of s) {
        const a = call.arguments[i];
        if (a && !(ts.isStringLiteral(a) && a.text === '')) edits.push({ start: a.getStart(sf), end: a.end });
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  edits.sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '', at = 0;
  for (const e of edits) {
    if (e.start < at) continue; // inside an argument already replaced
    out += sf.text.slice(at, e.start) + "''";
    at = e.end;
    count.edits++;
  }
  return out + sf.text.slice(at);
}

/** An esbuild plugin that loads our TypeScript with message text stripped. */
export function stripMessagesPlugin(report?: StripReport): Plugin {
  const program = espruinoProgram();
  const checker = program.getTypeChecker();
  const sinks = findSinks(program);
  const count = { edits: 0 };
  const done: Record<string, string> = {};
  if (report) { report.sinks = Array.from(sinks.keys()).map(sinkName).sort(); report.edits = 0; }
  return {
    name: 'strip-mqtt-error-messages',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const sf = program.getSourceFile(args.path);
        if (!sf || !isProjectFile(sf)) return undefined;
        if (sf.text !== fs.readFileSync(args.path, 'utf8')) throw new Error('strip-messages: ' + args.path + ' changed during the build');
        if (!(args.path in done)) {
          done[args.path] = stripFile(checker, sinks, sf, count);
          if (report) report.edits = count.edits;
        }
        return { contents: done[args.path], loader: 'ts' };
      });
    },
  };
}
