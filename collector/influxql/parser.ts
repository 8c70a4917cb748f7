/**
 * A recursive-descent parser for the InfluxQL subset the shipped dashboards
 * and Grafana's InfluxDB datasource send. Errors read like influxd's own
 * ("found X, expected Y at line 1, char N"), so a Grafana user recognises them.
 */
import type { BinaryOp, Expr, Fill, SelectField, SelectStatement, Statement } from './ast.js';
import { InfluxQLError } from './ast.js';
import { Lexer, type Token } from './lexer.js';

/** Every statement of a `q` parameter, separated by `;`. */
export function parseQuery(text: string): Statement[] {
  const lx = new Lexer(text);
  const out: Statement[] = [];
  for (;;) {
    while (isPunct(lx.peek(), ';')) lx.next();
    if (lx.peek().kind === 'eof') break;
    out.push(statement(lx));
    const t = lx.peek();
    if (t.kind !== 'eof' && !isPunct(t, ';')) throw lx.error(';');
  }
  if (out.length === 0) throw new InfluxQLError('found EOF, expected SELECT, SHOW, CREATE at line 1, char 1');
  return out;
}

function isPunct(t: Token, p: string): boolean {
  return t.kind === 'punct' && t.text === p;
}

function isKeyword(t: Token, k: string): boolean {
  return t.kind === 'keyword' && t.text === k;
}

function expectKeyword(lx: Lexer, k: string): void {
  if (!isKeyword(lx.peek(), k)) throw lx.error(k);
  lx.next();
}

function expectPunct(lx: Lexer, p: string): void {
  if (!isPunct(lx.peek(), p)) throw lx.error(p);
  lx.next();
}

function ident(lx: Lexer, what = 'identifier'): string {
  const t = lx.peek();
  // Keywords are identifiers where nothing else fits (`"key"` needs no quotes in `SHOW TAG KEYS`).
  if (t.kind !== 'ident') throw lx.error(what);
  lx.next();
  return t.text;
}

function integer(lx: Lexer, what: string): number {
  const t = lx.peek();
  if (t.kind !== 'number' || !t.integer) throw lx.error(what);
  lx.next();
  return t.value as number;
}

function statement(lx: Lexer): Statement {
  const t = lx.peek();
  if (isKeyword(t, 'SELECT')) return select(lx);
  if (isKeyword(t, 'SHOW')) return show(lx);
  if (isKeyword(t, 'CREATE')) {
    lx.next();
    expectKeyword(lx, 'DATABASE');
    return { kind: 'create-database', name: ident(lx, 'database name') };
  }
  throw lx.error('SELECT, SHOW, CREATE');
}

function select(lx: Lexer): SelectStatement {
  expectKeyword(lx, 'SELECT');
  const fields: SelectField[] = [];
  do {
    if (fields.length > 0) lx.next();
    const expr = expression(lx);
    let alias: string | undefined;
    if (isKeyword(lx.peek(), 'AS')) {
      lx.next();
      alias = ident(lx, 'alias');
    }
    fields.push({ expr, ...(alias !== undefined ? { alias } : {}) });
  } while (isPunct(lx.peek(), ','));
  expectKeyword(lx, 'FROM');
  let from: SelectStatement['from'];
  if (isPunct(lx.peek(), '(')) {
    lx.next();
    from = { subquery: select(lx) };
    expectPunct(lx, ')');
  } else {
    from = { measurement: measurementName(lx) };
  }
  const stmt: SelectStatement = { kind: 'select', fields, from, groupBy: { tags: [], allTags: false }, fill: { kind: 'null' }, descending: false };
  if (isKeyword(lx.peek(), 'WHERE')) {
    lx.next();
    stmt.where = expression(lx);
  }
  if (isKeyword(lx.peek(), 'GROUP')) {
    lx.next();
    expectKeyword(lx, 'BY');
    do {
      if (isPunct(lx.peek(), ',')) lx.next();
      groupByTerm(lx, stmt);
    } while (isPunct(lx.peek(), ','));
  }
  if (isKeyword(lx.peek(), 'FILL')) stmt.fill = fill(lx);
  if (isKeyword(lx.peek(), 'ORDER')) {
    lx.next();
    expectKeyword(lx, 'BY');
    if (ident(lx, 'time') !== 'time') throw new InfluxQLError('only ORDER BY time [ASC|DESC] is supported');
    if (isKeyword(lx.peek(), 'DESC') || isKeyword(lx.peek(), 'ASC')) stmt.descending = lx.next().text === 'DESC';
  }
  for (const [k, key] of [
    ['LIMIT', 'limit'],
    ['OFFSET', 'offset'],
    ['SLIMIT', 'slimit'],
    ['SOFFSET', 'soffset'],
  ] as const) {
    if (isKeyword(lx.peek(), k)) {
      lx.next();
      stmt[key] = integer(lx, 'integer');
    }
  }
  if (isKeyword(lx.peek(), 'TZ')) throw new InfluxQLError("tz() is not supported: roomwatch answers in UTC; remove the tz('…') clause");
  return stmt;
}

/** `"m"`, `m`, or `db.rp.m` / `rp.m`, of which only the measurement matters: there is one store. */
function measurementName(lx: Lexer): string {
  let name = ident(lx, 'measurement');
  while (isPunct(lx.peek(), '.')) {
    lx.next();
    if (isPunct(lx.peek(), '.')) continue; // db..m
    name = ident(lx, 'measurement');
  }
  return name;
}

function groupByTerm(lx: Lexer, stmt: SelectStatement): void {
  const t = lx.peek();
  if (t.kind === 'op' && t.text === '*') {
    lx.next();
    stmt.groupBy.allTags = true;
    return;
  }
  if (t.kind === 'ident' && t.text === 'time' && !lx.text.startsWith('"', t.at)) {
    lx.next();
    if (!isPunct(lx.peek(), '(')) throw lx.error('(');
    lx.next();
    stmt.groupBy.intervalMs = duration(lx);
    if (isPunct(lx.peek(), ',')) {
      lx.next();
      const neg = lx.peek().kind === 'op' && lx.peek().text === '-';
      if (neg) lx.next();
      stmt.groupBy.offsetMs = (neg ? -1 : 1) * duration(lx);
    }
    expectPunct(lx, ')');
    return;
  }
  stmt.groupBy.tags.push(ident(lx, 'tag key or time(interval)'));
}

function duration(lx: Lexer): number {
  const t = lx.peek();
  if (t.kind !== 'duration') throw lx.error('duration');
  lx.next();
  if (!((t.value as number) >= 1)) throw new InfluxQLError(`group by interval ${t.text} is below one millisecond, the store's resolution`);
  return t.value as number;
}

function fill(lx: Lexer): Fill {
  lx.next();
  expectPunct(lx, '(');
  const t = lx.next();
  let f: Fill;
  if (t.kind === 'number') f = { kind: 'value', value: t.value as number };
  else if (t.kind === 'op' && t.text === '-' && lx.peek().kind === 'number') f = { kind: 'value', value: -(lx.next().value as number) };
  else if (t.kind === 'ident' && ['null', 'none', 'previous', 'linear'].includes(t.text.toLowerCase())) f = { kind: t.text.toLowerCase() as 'null' };
  else throw new InfluxQLError(`fill(${t.text}) is not one of null, none, previous, linear or a number`);
  expectPunct(lx, ')');
  return f;
}

function show(lx: Lexer): Statement {
  lx.next();
  const t = lx.next();
  if (isKeyword(t, 'MEASUREMENTS')) return { kind: 'show-measurements', ...showTail(lx, false) };
  if (isKeyword(t, 'DATABASES')) return { kind: 'show-databases' };
  if (isKeyword(t, 'RETENTION')) {
    expectKeyword(lx, 'POLICIES');
    if (isKeyword(lx.peek(), 'ON')) {
      lx.next();
      ident(lx, 'database');
    }
    return { kind: 'show-retention-policies' };
  }
  if (isKeyword(t, 'FIELD')) {
    expectKeyword(lx, 'KEYS');
    return { kind: 'show-field-keys', ...showTail(lx, true) };
  }
  if (isKeyword(t, 'TAG')) {
    const k = lx.next();
    if (isKeyword(k, 'KEYS')) return { kind: 'show-tag-keys', ...showTail(lx, true) };
    if (!isKeyword(k, 'VALUES')) throw new InfluxQLError(`found ${k.text || 'EOF'}, expected KEYS, VALUES after SHOW TAG`);
    const from = optionalFrom(lx);
    expectKeyword(lx, 'WITH');
    expectKeyword(lx, 'KEY');
    const op = lx.next();
    let keys: { op: '=' | '!=' | '=~' | '!~' | 'IN'; values: string[]; regex?: RegExp };
    if (isKeyword(op, 'IN')) {
      expectPunct(lx, '(');
      const values = [ident(lx, 'tag key')];
      while (isPunct(lx.peek(), ',')) {
        lx.next();
        values.push(ident(lx, 'tag key'));
      }
      expectPunct(lx, ')');
      keys = { op: 'IN', values };
    } else if (op.kind === 'op' && (op.text === '=~' || op.text === '!~')) {
      const r = lx.regex();
      keys = { op: op.text, values: [], regex: compileRegex(r.source) };
    } else if (op.kind === 'op' && (op.text === '=' || op.text === '!=')) {
      keys = { op: op.text, values: [ident(lx, 'tag key')] };
    } else throw new InfluxQLError(`found ${op.text || 'EOF'}, expected =, !=, =~, !~, IN after WITH KEY`);
    const tail = showTail(lx, false);
    return { kind: 'show-tag-values', ...(from ? { from } : {}), keys, ...tail };
  }
  throw new InfluxQLError(`SHOW ${t.text || 'EOF'} is not supported; roomwatch answers SHOW MEASUREMENTS, TAG KEYS, TAG VALUES, FIELD KEYS, DATABASES, RETENTION POLICIES`);
}

function optionalFrom(lx: Lexer): string[] | undefined {
  if (!isKeyword(lx.peek(), 'FROM')) return undefined;
  lx.next();
  const names = [measurementName(lx)];
  while (isPunct(lx.peek(), ',')) {
    lx.next();
    names.push(measurementName(lx));
  }
  return names;
}

function showTail(lx: Lexer, allowFrom: boolean): { from?: string[]; where?: Expr; limit?: number } {
  const out: { from?: string[]; where?: Expr; limit?: number } = {};
  if (allowFrom) {
    const from = optionalFrom(lx);
    if (from) out.from = from;
  }
  if (isKeyword(lx.peek(), 'ON')) {
    lx.next();
    ident(lx, 'database');
  }
  if (isKeyword(lx.peek(), 'WHERE')) {
    lx.next();
    out.where = expression(lx);
  }
  if (isKeyword(lx.peek(), 'LIMIT')) {
    lx.next();
    out.limit = integer(lx, 'integer');
  }
  if (isKeyword(lx.peek(), 'OFFSET')) throw new InfluxQLError('OFFSET is not supported on SHOW');
  return out;
}

export function compileRegex(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (err) {
    throw new InfluxQLError(`invalid regex /${source}/: ${(err as Error).message}`);
  }
}

/* ----------------------------------------------------------- expressions */

const PRECEDENCE: Record<string, number> = { OR: 1, AND: 2, '=': 3, '!=': 3, '<>': 3, '<': 3, '<=': 3, '>': 3, '>=': 3, '=~': 3, '!~': 3, '+': 4, '-': 4, '*': 5, '/': 5 };

function binaryOp(t: Token): BinaryOp | undefined {
  if (t.kind === 'op' && t.text in PRECEDENCE) return t.text as BinaryOp;
  if (t.kind === 'keyword' && (t.text === 'AND' || t.text === 'OR')) return t.text;
  return undefined;
}

function expression(lx: Lexer, minPrecedence = 1): Expr {
  let left = unary(lx);
  for (;;) {
    const op = binaryOp(lx.peek());
    if (!op || (PRECEDENCE[op] as number) < minPrecedence) return left;
    lx.next();
    const right = op === '=~' || op === '!~' ? regexLiteral(lx) : expression(lx, (PRECEDENCE[op] as number) + 1);
    left = { kind: 'binary', op, left, right };
  }
}

function regexLiteral(lx: Lexer): Expr {
  const r = lx.regex();
  return { kind: 'regex', source: r.source, regex: compileRegex(r.source) };
}

function unary(lx: Lexer): Expr {
  const t = lx.peek();
  if (t.kind === 'op' && t.text === '-') {
    lx.next();
    const inner = unary(lx);
    if (inner.kind === 'number') return { ...inner, value: -inner.value };
    if (inner.kind === 'duration') return { ...inner, ms: -inner.ms };
    return { kind: 'binary', op: '*', left: { kind: 'number', value: -1, integer: true }, right: inner };
  }
  return primary(lx);
}

function primary(lx: Lexer): Expr {
  const t = lx.next();
  switch (t.kind) {
    case 'number':
      return { kind: 'number', value: t.value as number, integer: t.integer === true };
    case 'duration':
      return { kind: 'duration', ms: t.value as number };
    case 'string':
      return { kind: 'string', value: t.text };
    case 'keyword':
      if (t.text === 'TRUE' || t.text === 'FALSE') return { kind: 'bool', value: t.text === 'TRUE' };
      break;
    case 'op':
      if (t.text === '*') return { kind: 'wildcard' };
      break;
    case 'punct':
      if (t.text === '(') {
        const e = expression(lx);
        expectPunct(lx, ')');
        return e;
      }
      break;
    case 'ident': {
      // A quoted "mean" is a name, not a call: only bare identifiers call.
      if (isPunct(lx.peek(), '(') && !lx.text.startsWith('"', t.at)) {
        lx.next();
        const args: Expr[] = [];
        if (!isPunct(lx.peek(), ')')) {
          args.push(expression(lx));
          while (isPunct(lx.peek(), ',')) {
            lx.next();
            args.push(expression(lx));
          }
        }
        expectPunct(lx, ')');
        return { kind: 'call', name: t.text.toLowerCase(), args };
      }
      return { kind: 'ref', name: t.text };
    }
    default:
      break;
  }
  const found = t.kind === 'eof' ? 'EOF' : lx.text.slice(t.at, t.at + Math.max(1, t.text.length));
  throw new InfluxQLError(`found ${found}, expected identifier, string, number, bool at ${positionOf(lx, t.at)}`);
}

function positionOf(lx: Lexer, at: number): string {
  const before = lx.text.slice(0, at);
  return `line ${before.split('\n').length}, char ${at - before.lastIndexOf('\n')}`;
}
