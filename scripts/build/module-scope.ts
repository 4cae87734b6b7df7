// What Moddable's linker (xsl) warns about in a preloaded module, and the fix for the part the
// bundler causes. xsl freezes preloaded modules into flash; whatever stays mutable is copied to
// RAM on the chip, and it says so: "no const" for each module-level binding a function can still
// reassign (`var`, `let`), "not frozen" for each reachable object or array that is not frozen.
//
// esbuild turns every top-level `const`, `let` and `class` of a bundle into `var` (it avoids the
// temporal dead zone checks), so the bundle warns for all of them. constify() gives each
// top-level `var` back the strictest keyword it can have: `const` unless the file assigns to
// that name somewhere (by name only, ignoring scopes: a local of the same name makes it `let`,
// which is safe, only not as small).
import ts from 'typescript';

function topVars(sf: ts.SourceFile): ts.VariableStatement[] {
  return sf.statements.filter((s): s is ts.VariableStatement =>
    ts.isVariableStatement(s) && (s.declarationList.flags & ts.NodeFlags.BlockScoped) === 0);
}

function bindingNames(name: ts.BindingName, out: string[]): void {
  if (ts.isIdentifier(name)) out.push(name.text);
  else for (const e of name.elements) if (!ts.isOmittedExpression(e)) bindingNames(e.name, out);
}

// Identifiers written by an assignment target (`x = …`, `[x, y] = …`, `({ x } = …)`).
function targets(e: ts.Expression, out: Set<string>): void {
  if (ts.isIdentifier(e)) out.add(e.text);
  else if (ts.isParenthesizedExpression(e)) targets(e.expression, out);
  else if (ts.isArrayLiteralExpression(e)) for (const x of e.elements) targets(ts.isSpreadElement(x) ? x.expression : x, out);
  else if (ts.isObjectLiteralExpression(e)) {
    for (const p of e.properties) {
      if (ts.isShorthandPropertyAssignment(p)) out.add(p.name.text);
      else if (ts.isPropertyAssignment(p)) targets(p.initializer, out);
      else if (ts.isSpreadAssignment(p)) targets(p.expression, out);
    }
  } else if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken) targets(e.left, out); // a default
}

/** Every name the code assigns to anywhere, in any scope. */
function assignedNames(sf: ts.SourceFile): Set<string> {
  const out = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
      n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) targets(n.left, out);
    else if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) &&
      (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) targets(n.operand, out);
    else if ((ts.isForInStatement(n) || ts.isForOfStatement(n)) && !ts.isVariableDeclarationList(n.initializer)) targets(n.initializer, out);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** The bundle with every top-level `var` made `const`, or `let` where the name is assigned. */
export function constify(code: string): string {
  const sf = ts.createSourceFile('bundle.js', code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const assigned = assignedNames(sf);
  const edits: [number, string][] = [];
  for (const s of topVars(sf)) {
    const names: string[] = [];
    let uninitialised = false;
    for (const d of s.declarationList.declarations) {
      bindingNames(d.name, names);
      if (!d.initializer) uninitialised = true;
    }
    const keyword = uninitialised || names.some((n) => assigned.has(n)) ? 'let' : 'const';
    edits.push([s.declarationList.getStart(sf), keyword]);
  }
  let out = code;
  for (let i = edits.length - 1; i >= 0; i--) {
    const at = edits[i][0];
    if (out.slice(at, at + 3) !== 'var') throw new Error('constify: no `var` at offset ' + at);
    out = out.slice(0, at) + edits[i][1] + out.slice(at + 3);
  }
  return out;
}

// ---- string literals --------------------------------------------------------------------------
// In a preloaded module, XS evaluates a string literal inside a function by copying it into a new
// chunk every time (xsl turns literals into references to flash only in modules that are not
// preloaded: xs/tools/xslBase.c fxMapCode). Measured in mcsim: `return "sent"` from a preloaded
// function allocates 24 B per call, and `typeof payload === "string"` made every publish allocate.
// A module-level constant is evaluated once, at preload, and lives in flash. hoistStrings() gives
// every string literal used inside a function such a constant.

function insideFunction(n: ts.Node): boolean {
  for (let p = n.parent; p; p = p.parent) if (ts.isFunctionLike(p) || ts.isClassStaticBlockDeclaration(p) || ts.isPropertyDeclaration(p)) return true;
  return false;
}

// Literals that are not evaluated as a value (keys, module names, directives) or that XS turns
// into a property key at compile time (o["x"]).
function isValuePosition(n: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral): boolean {
  const p = n.parent;
  if ((ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isMethodDeclaration(p) || ts.isGetAccessor(p) ||
    ts.isSetAccessor(p) || ts.isPropertySignature(p) || ts.isEnumMember(p)) && p.name === n) return false;
  if (ts.isElementAccessExpression(p) && p.argumentExpression === n) return false;
  if (ts.isImportDeclaration(p) || ts.isExportDeclaration(p) || ts.isExternalModuleReference(p) || ts.isImportTypeNode(p)) return false;
  if (ts.isCallExpression(p) && p.expression.kind === ts.SyntaxKind.ImportKeyword) return false;
  if (ts.isExpressionStatement(p)) return false; // a directive such as "use strict"
  if (ts.isTaggedTemplateExpression(p)) return false;
  if (ts.isLiteralTypeNode(p)) return false;
  return true;
}

// Text of a message (words with spaces, a part of a concatenation, an argument of `new`, a throw):
// evaluated on an error path or to build a new string anyway, so a constant would only cost code
// (each one is about 30 bytes of bytecode).
function isMessagePart(n: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral): boolean {
  if (n.text.indexOf(' ') >= 0) return true;
  for (let c: ts.Node = n, p = n.parent; p && !ts.isFunctionLike(p); c = p, p = p.parent) {
    if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.PlusToken) return true;
    if (ts.isNewExpression(p) && p.arguments && p.arguments.indexOf(c as ts.Expression) >= 0) return true;
    if (ts.isThrowStatement(p) || ts.isTemplateSpan(p)) return true;
    if (!ts.isParenthesizedExpression(p) && !ts.isConditionalExpression(p)) return false;
  }
  return false;
}

function constName(value: string, taken: Set<string>): string {
  const base = 'str_' + (value === '' ? 'empty' : value.replace(/[^A-Za-z0-9_]+/g, '_').slice(0, 24));
  let name = base;
  for (let i = 2; taken.has(name); i++) name = base + '_' + i;
  taken.add(name);
  return name;
}

/** The module with each string literal inside a function replaced by a module-level constant. */
export function hoistStrings(code: string): string {
  const sf = ts.createSourceFile('module.js', code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const taken = new Set<string>();
  const found: (ts.StringLiteral | ts.NoSubstitutionTemplateLiteral)[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n) || ts.isPrivateIdentifier(n)) taken.add(n.text);
    else if ((ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) && isValuePosition(n) && insideFunction(n) && !isMessagePart(n)) found.push(n);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  if (found.length === 0) return code;
  const names = new Map<string, string>();
  for (const n of found) if (!names.has(n.text)) names.set(n.text, constName(n.text, taken));
  let out = code;
  for (let i = found.length - 1; i >= 0; i--) {
    const n = found[i];
    out = out.slice(0, n.getStart(sf)) + names.get(n.text)! + out.slice(n.getEnd());
  }
  // first, before any code that could run (imports are hoisted wherever they stand)
  const decls = Array.from(names, ([value, name]) => 'const ' + name + ' = ' + JSON.stringify(value) + ';').join('\n');
  return '// string literals used inside functions (scripts/build/module-scope.ts)\n' + decls + '\n\n' + out;
}

function isFreezeCall(e: ts.Expression): boolean {
  return ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) &&
    ts.isIdentifier(e.expression.expression) && e.expression.expression.text === 'Object' && e.expression.name.text === 'freeze';
}

/**
 * What xsl would warn about, found in the source text alone (no SDK): module-level `var` or
 * `let` ("no const"), and module-level `const`s holding an object or array literal or a `new`
 * instance that is not frozen ("not frozen"). xsl sees more (objects reachable through other
 * objects, property writes at load time), so the real check is mcconfig's own output
 * (test/moddable-sdk.ts); this one catches what the bundle itself does.
 */
export function moduleScopeProblems(code: string): string[] {
  const sf = ts.createSourceFile('module.js', code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const out: string[] = [];
  for (const s of sf.statements) {
    if (!ts.isVariableStatement(s)) continue;
    const list = s.declarationList;
    const line = sf.getLineAndCharacterOfPosition(s.getStart(sf)).line + 1;
    for (const d of list.declarations) {
      const names: string[] = [];
      bindingNames(d.name, names);
      if ((list.flags & ts.NodeFlags.Const) === 0) {
        out.push('line ' + line + ': ' + names.join(', ') + ': no const (' + ((list.flags & ts.NodeFlags.Let) ? 'let' : 'var') + ')');
        continue;
      }
      let v = d.initializer;
      while (v && (ts.isParenthesizedExpression(v) || ts.isAsExpression(v))) v = v.expression;
      if (v && (ts.isObjectLiteralExpression(v) || ts.isArrayLiteralExpression(v) || ts.isNewExpression(v)) && !isFreezeCall(v)) {
        out.push('line ' + line + ': ' + names.join(', ') + ': not frozen');
      }
    }
  }
  return out;
}
