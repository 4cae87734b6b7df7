// Which property names terser may rename in the Espruino upload files (mangle.properties with an
// explicit regex). On Espruino every property name is stored as text in every object that has it,
// and long names (remainingLength, payloadStart, connectTimeout...) are a large part of the file.
//
//   candidates  members (fields, methods, accessors, parameter properties) declared on our classes
//   kept        any candidate that must keep its name because something outside the bundle uses it:
//     - the public API: every member reachable from the exports of src/index.ts, the app
//       (src/apps/*) and boards/espruino-main.ts (ClientOptions, Will, MessageInfo, stats,
//       TempSensorConfig, the MQTT_CONFIG / Storage JSON fields ...), private/protected excepted
//     - every name declared by the engine or the language (types/espruino.d.ts: socket, E,
//       OneWire, Wifi, Storage; the ES lib: length, subarray, set, buffer, push, indexOf ...)
//     - every name read or written on a value the checker cannot trace to our own declarations
//       (any/unknown, engine objects, JSON)
//     - every name that also occurs as a string literal (it may be used as obj[name])
// A name in both sets is kept. Renaming is consistent across the bundle, so a name shared by an
// internal class and an internal interface or object literal is renamed everywhere together.
import ts from 'typescript';
import { espruinoProgram, isProjectFile, projectFiles } from './ts-program.js';
import path from 'node:path';
import { root } from './paths.js';

export const PUBLIC_MODULES = ['src/index.ts', 'src/lite/client.ts', 'src/lite/types.ts', 'src/apps/temp-sensor.ts', 'src/apps/sensor.ts', 'boards/espruino-main.ts'];

export interface MangleSet { mangle: string[]; kept: Record<string, string> }

function isPrivate(d: ts.Declaration): boolean {
  const mods = ts.canHaveModifiers(d) ? ts.getModifiers(d) : undefined;
  if (mods && mods.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword)) return true;
  return !!(d as ts.NamedDeclaration).name && ts.isPrivateIdentifier((d as ts.NamedDeclaration).name as ts.Node);
}

function memberName(m: ts.Node): string | null {
  const n = (m as ts.NamedDeclaration).name;
  if (!n) return null;
  if (ts.isIdentifier(n) || ts.isStringLiteral(n)) return n.text;
  return null;
}

export function mangleSet(): MangleSet {
  const program = espruinoProgram();
  const checker = program.getTypeChecker();
  // Prototype-free: 'toString' or 'constructor' must not be found on Object.prototype.
  const candidates: Record<string, true> = Object.create(null) as Record<string, true>;
  const kept: Record<string, string> = Object.create(null) as Record<string, string>;
  const keep = (name: string, why: string): void => { if (!(name in kept)) kept[name] = why; };

  // Candidates: class members.
  for (const sf of projectFiles(program)) {
    const visit = (n: ts.Node): void => {
      if (ts.isClassDeclaration(n) || ts.isClassExpression(n)) {
        for (const m of n.members) {
          const name = memberName(m);
          if (name && !ts.isConstructorDeclaration(m)) candidates[name] = true;
          // SWC defines accessors with Object.defineProperty(proto, "name", ...): a string terser
          // does not rename, so the accessor would vanish under its mangled name.
          if (name && (ts.isGetAccessor(m) || ts.isSetAccessor(m))) keep(name, 'accessor (defined by a string key)');
          if (ts.isConstructorDeclaration(m)) {
            for (const p of m.parameters) if (ts.canHaveModifiers(p) && ts.getModifiers(p) && ts.isIdentifier(p.name)) candidates[p.name.text] = true;
          }
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }

  // Kept: the public API, walked through types from the public modules' exports.
  const seen = new Set<ts.Type>();
  const isLibType = (t: ts.Type): boolean => {
    const s = t.getSymbol();
    return !!(s && s.declarations && s.declarations.length > 0 && s.declarations.every((d) => !isProjectFile(d.getSourceFile())));
  };
  const walkSignature = (sig: ts.Signature): void => {
    for (const p of sig.getParameters()) walkType(checker.getTypeOfSymbol(p));
    walkType(sig.getReturnType());
  };
  const walkType = (t: ts.Type): void => {
    if (seen.has(t)) return;
    seen.add(t);
    if (t.isUnionOrIntersection()) { for (const u of t.types) walkType(u); return; }
    if (isLibType(t)) {
      if (checker.isArrayType(t) || checker.isTupleType(t)) for (const a of checker.getTypeArguments(t as ts.TypeReference)) walkType(a);
      return;
    }
    for (const p of checker.getPropertiesOfType(t)) {
      const decls = p.declarations || [];
      // `_name` members are public to TypeScript only so the client's closures can reach them;
      // the client.ts "internals" section is not API.
      if (decls.length > 0 && decls.every(isPrivate)) continue;
      if (p.getName().charAt(0) === '_') continue;
      keep(p.getName(), 'public API');
      walkType(checker.getTypeOfSymbol(p));
    }
    for (const s of t.getCallSignatures()) walkSignature(s);
    for (const s of t.getConstructSignatures()) walkSignature(s);
  };
  for (const rel of PUBLIC_MODULES) {
    const sf = program.getSourceFile(path.join(root, rel));
    if (!sf) throw new Error('mangle-names: ' + rel + ' is not in the program');
    const mod = checker.getSymbolAtLocation(sf);
    if (!mod) continue;
    for (let e of checker.getExportsOfModule(mod)) {
      if (e.flags & ts.SymbolFlags.Alias) e = checker.getAliasedSymbol(e);
      if (e.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) walkType(checker.getDeclaredTypeOfSymbol(e));
      if (e.flags & ts.SymbolFlags.Value) walkType(checker.getTypeOfSymbol(e));
    }
  }

  // Kept: everything the engine and the language declare.
  for (const sf of program.getSourceFiles()) {
    if (isProjectFile(sf)) continue;
    const visit = (n: ts.Node): void => {
      if (ts.isPropertySignature(n) || ts.isMethodSignature(n) || ts.isPropertyDeclaration(n) || ts.isMethodDeclaration(n) ||
          ts.isGetAccessor(n) || ts.isSetAccessor(n)) {
        const name = memberName(n);
        if (name) keep(name, path.basename(sf.fileName));
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }

  // Kept: names used on values not traced to our declarations; names that are also string literals.
  for (const sf of projectFiles(program)) {
    const visit = (n: ts.Node): void => {
      if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.name)) {
        const sym = checker.getSymbolAtLocation(n.name);
        const decls = sym && sym.declarations ? sym.declarations : [];
        if (decls.length === 0) keep(n.name.text, 'untyped access in ' + path.basename(sf.fileName));
        else if (decls.some((d) => !isProjectFile(d.getSourceFile()))) keep(n.name.text, 'engine/lib access in ' + path.basename(sf.fileName));
      }
      if ((ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) && candidates[n.text]) keep(n.text, 'string literal in ' + path.basename(sf.fileName));
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }

  const mangle = Object.keys(candidates).filter((n) => !(n in kept) && /^[A-Za-z_$][\w$]*$/.test(n)).sort();
  const keptCandidates: Record<string, string> = {};
  for (const n of Object.keys(candidates).sort()) if (n in kept) keptCandidates[n] = kept[n];
  return { mangle: mangle, kept: keptCandidates };
}

export function mangleRegex(names: string[]): RegExp {
  return new RegExp('^(?:' + names.join('|') + ')$');
}
