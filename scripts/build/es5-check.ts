// What Espruino cannot run, found in an upload file: it must parse as ES5, and must not name
// the globals and members Espruino lacks. Used by the build (to report) and the build test.
import * as acorn from 'acorn';

export const FORBIDDEN_GLOBALS = ['Map', 'Set', 'WeakMap', 'WeakSet', 'Symbol', 'Reflect', 'Proxy', 'TextEncoder', 'TextDecoder'];
// object.member pairs; Promise is allowed (Espruino has it).
export const FORBIDDEN_MEMBERS = ['Array.from', 'Uint8Array.from', 'Object.fromEntries', 'String.raw'];

export interface Finding { what: string; at: number; context: string }

type Node = acorn.Node & Record<string, unknown>;

/** Throws (acorn's SyntaxError, with the position) when `code` is not ES5. */
export function parseEs5(code: string): acorn.Node {
  return acorn.parse(code, { ecmaVersion: 5, sourceType: 'script' });
}

/**
 * Every reference to a forbidden global (an identifier in expression position that is not a
 * property name or a declared local), every forbidden `Object.member` access, and every regex
 * literal with a group or an alternation (Espruino's regex engine mishandles nested groups and
 * `|`; character classes, `^`, `$`, `.` and quantifiers are fine).
 */
export function findForbidden(code: string): Finding[] {
  const ast = parseEs5(code) as Node;
  const found: Finding[] = [];
  const declared: Record<string, boolean> = {};
  const note = (what: string, n: Node): void => {
    found.push({ what: what, at: n.start, context: code.slice(Math.max(0, n.start - 30), n.end + 30) });
  };
  // First pass: names declared anywhere (a minifier may well call a local `Set`); those are not the global.
  const collect = (n: unknown): void => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) { for (const x of n) collect(x); return; }
    const node = n as Node;
    if (node.type === 'VariableDeclarator' || node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression') {
      const id = node.id as Node | null;
      if (id && id.type === 'Identifier') declared[id.name as string] = true;
    }
    if (node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression') {
      for (const p of node.params as Node[]) if (p.type === 'Identifier') declared[p.name as string] = true;
    }
    if (node.type === 'CatchClause' && node.param) declared[(node.param as Node).name as string] = true;
    for (const k of Object.keys(node)) if (k !== 'type' && k !== 'start' && k !== 'end') collect(node[k]);
  };
  collect(ast);
  const visit = (n: unknown, parent: Node | null, key: string): void => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) { for (const x of n) visit(x, parent, key); return; }
    const node = n as Node;
    if (node.type === 'Identifier') {
      const name = node.name as string;
      const isPropertyName = parent !== null &&
        ((parent.type === 'MemberExpression' && key === 'property' && !parent.computed) ||
         (parent.type === 'Property' && key === 'key'));
      if (!isPropertyName && FORBIDDEN_GLOBALS.indexOf(name) >= 0 && !declared[name]) note(name, node);
    }
    const regex = node.type === 'Literal' ? (node.regex as { pattern: string } | undefined) : undefined;
    if (regex && /[(|]/.test(regex.pattern.replace(/\\./g, '').replace(/\[[^\]]*\]/g, ''))) note('RegExp group or alternation', node);
    if (node.type === 'MemberExpression') {
      const obj = node.object as Node, prop = node.property as Node;
      const propName = node.computed ? (prop.type === 'Literal' ? String(prop.value) : '') : (prop.name as string);
      if (obj.type === 'Identifier' && FORBIDDEN_MEMBERS.indexOf(obj.name + '.' + propName) >= 0) note(obj.name + '.' + propName, node);
    }
    for (const k of Object.keys(node)) if (k !== 'type' && k !== 'start' && k !== 'end') visit(node[k], node, k);
  };
  visit(ast, null, '');
  return found;
}
