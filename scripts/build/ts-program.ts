// One TypeScript program over what the Espruino upload files bundle, with the Espruino type
// environment (tsconfig.espruino.json: ES2020 lib, types/espruino.d.ts, no DOM, no Node), so the
// checker resolves engine calls to the engine's declarations.
import ts from 'typescript';
import path from 'node:path';
import { root } from './paths.js';

export const ESPRUINO_ROOTS = [
  'types/espruino.d.ts', 'src/index.ts', 'src/apps/temp-sensor.ts', 'src/platform/espruino.ts',
  'boards/espruino-esp8266.ts', 'boards/espruino-esp32.ts',
];

let cached: ts.Program | null = null;

export function espruinoProgram(): ts.Program {
  if (cached) return cached;
  cached = ts.createProgram(ESPRUINO_ROOTS.map((f) => path.join(root, f)), {
    target: ts.ScriptTarget.ES2020, lib: ['lib.es2020.d.ts'], module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler, strict: true, noEmit: true, types: [],
    allowImportingTsExtensions: true, skipLibCheck: true,
  });
  return cached;
}

/** Our own TypeScript (src/, boards/), as opposed to the engine's and the language's declarations. */
export function isProjectFile(sf: ts.SourceFile): boolean {
  const rel = path.relative(root, sf.fileName).split(path.sep).join('/');
  return !sf.isDeclarationFile && (rel.startsWith('src/') || rel.startsWith('boards/'));
}

export function projectFiles(program: ts.Program): ts.SourceFile[] {
  return program.getSourceFiles().filter(isProjectFile);
}

/** The declaration a call's callee names (through imports), or undefined. */
export function calleeDeclaration(checker: ts.TypeChecker, callee: ts.Expression): ts.Declaration | undefined {
  const at = ts.isPropertyAccessExpression(callee) ? callee.name : callee;
  let sym = checker.getSymbolAtLocation(at);
  if (sym && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
  return sym && sym.valueDeclaration ? sym.valueDeclaration : (sym && sym.declarations ? sym.declarations[0] : undefined);
}
