import { describe, expect, it } from 'vitest';
import { ExprError, tokenize } from '../../collector/rules/lexer.js';
import { locateInText, parseCondition, parseDerivedCondition, parseExpr } from '../../collector/rules/parser.js';
import type { Expr } from '../../collector/rules/types.js';

const sel = (measurement: string, field: string, matchers: object[] = []) => ({ measurement, field, matchers });
const num = (value: number) => ({ kind: 'number', value });
const metric = (measurement: string, field: string, matchers: object[] = []) => ({ kind: 'selector', selector: sel(measurement, field, matchers) });
const cmp = (op: string, left: object, right: object) => ({ kind: 'compare', op, left, right });

function errorOf(fn: () => unknown): { column: number; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof ExprError) return { column: err.column, message: err.message };
    throw err;
  }
  throw new Error('expected an ExprError');
}

describe('expressions that parse', () => {
  const cases: Array<[string, object]> = [
    ['ups.on_battery == 1', cmp('==', metric('ups', 'on_battery'), num(1))],
    ['cpu.usage_pct>90', cmp('>', metric('cpu', 'usage_pct'), num(90))],
    ['time.offset_s < -0.5', cmp('<', metric('time', 'offset_s'), num(-0.5))],
    ['90 <= cpu.usage_pct', cmp('<=', num(90), metric('cpu', 'usage_pct'))],
    ['ups.output_source != 3', cmp('!=', metric('ups', 'output_source'), num(3))],
    ['ac.return_temp_c >= ac.temp_setpoint_c', cmp('>=', metric('ac', 'return_temp_c'), metric('ac', 'temp_setpoint_c'))],
    ['disk.used_pct{mount!~"/boot.*"} > 90', cmp('>', metric('disk', 'used_pct', [{ name: 'mount', op: '!~', value: '/boot.*' }]), num(90))],
    [
      `disk.used_pct{ mount="/u01", device!='db9', fs=~"ext[34]|xfs", } > 90`,
      cmp(
        '>',
        metric('disk', 'used_pct', [
          { name: 'mount', op: '=', value: '/u01' },
          { name: 'device', op: '!=', value: 'db9' },
          { name: 'fs', op: '=~', value: 'ext[34]|xfs' },
        ]),
        num(90),
      ),
    ],
    ['if.oper_up{ifname="Gi0/1"} == 0', cmp('==', metric('if', 'oper_up', [{ name: 'ifname', op: '=', value: 'Gi0/1' }]), num(0))],
    ['avg(cpu.usage_pct, 5m) > 90', cmp('>', { kind: 'call', fn: 'avg', selector: sel('cpu', 'usage_pct'), windowMs: 300_000 }, num(90))],
    ['min(ups.battery_charge_pct, 1h30m) < 50', cmp('<', { kind: 'call', fn: 'min', windowMs: 5_400_000 }, num(50))],
    ['max(sensor.temperature_c{sensor="inlet"}, 10m) > 35', cmp('>', { kind: 'call', fn: 'max', windowMs: 600_000 }, num(35))],
    ['rate(agent.dropped_samples, 10m) > 0', cmp('>', { kind: 'call', fn: 'rate', windowMs: 600_000 }, num(0))],
    ['delta(ups.battery_charge_pct, 10m) < -20', cmp('<', { kind: 'call', fn: 'delta', windowMs: 600_000 }, num(-20))],
    ['last(ups.on_battery) == 1', cmp('==', { kind: 'call', fn: 'last', selector: sel('ups', 'on_battery'), windowMs: 0 }, num(1))],
    ['last(ups.on_battery, 2m) == 1', cmp('==', { kind: 'call', fn: 'last', windowMs: 120_000 }, num(1))],
    ['last(ups.on_battery, 0s) == 1', cmp('==', { kind: 'call', fn: 'last', windowMs: 0 }, num(1))],
    ['absent(agent.heartbeat, 3m)', { kind: 'absent', selector: sel('agent', 'heartbeat'), windowMs: 180_000 }],
    ['predict(disk.used_pct, 6h) >= 100 within 3d', { kind: 'predict', selector: sel('disk', 'used_pct'), windowMs: 21_600_000, op: '>=', threshold: 100, withinMs: 259_200_000 }],
    ['predict(time.offset_s, 1h) < -500ms within 1d', { kind: 'predict', op: '<', threshold: -0.5, withinMs: 86_400_000 }],
    ['(cpu.usage_pct) > 90', cmp('>', metric('cpu', 'usage_pct'), num(90))],
    ['((ups.on_battery == 1))', cmp('==', metric('ups', 'on_battery'), num(1))],
    ['device.up == 0', cmp('==', metric('device', 'up'), num(0))],
  ];
  it.each(cases)('%s', (text, shape) => {
    expect(parseCondition(text)).toMatchObject(shape);
  });

  it('compiles regex matchers anchored, and keeps backslashes other than escapes', () => {
    const e = parseCondition(String.raw`disk.used_pct{mount=~"/u0\d+", label="say \"hi\" \\ ok"} > 1`) as Extract<Expr, { kind: 'compare' }>;
    const s = (e.left as Extract<Expr, { kind: 'selector' }>).selector;
    expect(s.matchers[0]?.value).toBe(String.raw`/u0\d+`);
    expect(s.matchers[0]?.regex?.test('/u012')).toBe(true);
    expect(s.matchers[0]?.regex?.test('/u01/x')).toBe(false);
    expect(s.matchers[1]?.value).toBe(String.raw`say "hi" \ ok`);
  });

  it('parses a value when asked for one (parseExpr)', () => {
    expect(parseExpr('avg(cpu.usage_pct, 5m)')).toMatchObject({ kind: 'call', fn: 'avg' });
  });
});

describe('units', () => {
  const value = (unit: string) => (parseCondition(`x.y > ${unit}`) as Extract<Expr, { kind: 'compare' }>).right;
  it.each([
    ['90', 90],
    ['90%', 90],
    ['12.5%', 12.5],
    ['1B', 1],
    ['1KB', 1000],
    ['1MB', 1e6],
    ['1GB', 1e9],
    ['1.5TB', 1.5e12],
    ['1KiB', 1024],
    ['1MiB', 1024 ** 2],
    ['1GiB', 1024 ** 3],
    ['2TiB', 2 * 1024 ** 4],
    ['500ms', 0.5],
    ['30s', 30],
    ['5m', 300],
    ['2h', 7200],
    ['1d', 86_400],
    ['1w', 604_800],
    ['1h30m', 5400],
    ['-5m', -300],
  ])('comparison value %s is %d', (text, expected) => {
    expect(value(text)).toMatchObject({ kind: 'number', value: expected });
  });

  it('converts windows and within to milliseconds', () => {
    expect(parseCondition('avg(x.y, 90s) > 1')).toMatchObject({ left: { windowMs: 90_000 } });
    expect(parseCondition('avg(x.y, 250ms) > 1')).toMatchObject({ left: { windowMs: 250 } });
    expect(parseCondition('predict(x.y, 1d) > 1GB within 2w')).toMatchObject({ windowMs: 86_400_000, threshold: 1e9, withinMs: 1_209_600_000 });
  });

  it('compares duration metrics in seconds (oracle.dg_apply_lag_s > 5m is > 300)', () => {
    expect(parseCondition('oracle.dg_apply_lag_s > 5m')).toMatchObject(cmp('>', metric('oracle', 'dg_apply_lag_s'), num(300)));
  });

  it('keeps the unit with its number in the tokens', () => {
    expect(tokenize('1GB 5m 90%').map((t) => t.kind === 'number' && t.quantity)).toEqual([{ kind: 'size', value: 1e9 }, { kind: 'duration', value: 300_000 }, { kind: 'pct', value: 90 }, false]);
  });
});

describe('precedence of or, and, not', () => {
  const a = cmp('>', metric('a', 'x'), num(1));
  const b = cmp('>', metric('b', 'x'), num(2));
  const c = cmp('>', metric('c', 'x'), num(3));
  it.each<[string, object]>([
    ['a.x > 1 or b.x > 2 and c.x > 3', { kind: 'or', left: a, right: { kind: 'and', left: b, right: c } }],
    ['a.x > 1 and b.x > 2 or c.x > 3', { kind: 'or', left: { kind: 'and', left: a, right: b }, right: c }],
    ['a.x > 1 and b.x > 2 and c.x > 3', { kind: 'and', left: { kind: 'and', left: a, right: b }, right: c }],
    ['(a.x > 1 or b.x > 2) and c.x > 3', { kind: 'and', left: { kind: 'or', left: a, right: b }, right: c }],
    ['not a.x > 1 and b.x > 2', { kind: 'and', left: { kind: 'not', expr: a }, right: b }],
    ['not (a.x > 1 and b.x > 2)', { kind: 'not', expr: { kind: 'and', left: a, right: b } }],
    ['not not a.x > 1', { kind: 'not', expr: { kind: 'not', expr: a } }],
    ['absent(a.x, 1m) or not absent(b.x, 1m)', { kind: 'or', left: { kind: 'absent' }, right: { kind: 'not', expr: { kind: 'absent' } } }],
  ])('%s', (text, shape) => {
    expect(parseCondition(text)).toMatchObject(shape);
  });
});

describe('positions', () => {
  it('puts leaves at their first character and operators at the operator', () => {
    const e = parseCondition('not avg(cpu.usage_pct, 5m) > 90 and  x.y == -1', locateInText('r.yaml')) as Extract<Expr, { kind: 'and' | 'or' }>;
    expect(e.pos).toEqual({ file: 'r.yaml', line: 1, col: 33 });
    const not = e.left as Extract<Expr, { kind: 'not' }>;
    expect(not.pos.col).toBe(1);
    const left = not.expr as Extract<Expr, { kind: 'compare' }>;
    expect([left.pos.col, left.left.pos.col, left.right.pos.col]).toEqual([28, 5, 30]);
    const right = e.right as Extract<Expr, { kind: 'compare' }>;
    expect([right.left.pos.col, right.pos.col, right.right.pos.col]).toEqual([38, 42, 45]);
  });

  it('uses the locator for every node', () => {
    const locate = (offset: number) => ({ file: 'f', line: 7, col: 11 + offset });
    expect(parseCondition('predict(x.y, 1h) > 1 within 1d', locate).pos).toEqual({ file: 'f', line: 7, col: 11 });
  });
});

describe('short forms of clear and escalate', () => {
  const when = parseCondition('disk.used_pct{mount!~"/boot.*"} > 90 and disk.free_bytes < 1GB');
  const whenCmp = when as Extract<Expr, { kind: 'and' | 'or' }>;

  it('compares the left side of the first comparison in when', () => {
    const clear = parseDerivedCondition(' < 85', when, 'clear') as Extract<Expr, { kind: 'compare' }>;
    expect(clear).toMatchObject(cmp('<', { kind: 'selector', selector: { measurement: 'disk', field: 'used_pct' } }, num(85)));
    expect(clear.left).toBe((whenCmp.left as Extract<Expr, { kind: 'compare' }>).left);
    expect(clear.pos.col).toBe(2);
  });

  it('accepts units and full conditions', () => {
    expect(parseDerivedCondition('>= 97%', when, 'when')).toMatchObject({ op: '>=', right: num(97) });
    expect(parseDerivedCondition('disk.used_pct < 80', when, 'clear')).toMatchObject(cmp('<', metric('disk', 'used_pct'), num(80)));
  });

  it('is refused when when has no comparison, or a number on its left', () => {
    expect(errorOf(() => parseDerivedCondition('< 85', parseCondition('absent(x.y, 1m)'), 'clear'))).toEqual({
      column: 1,
      message: 'the short form clear: "< 85" reuses the left side of the first comparison in when, but when has no comparison; write a full condition, e.g. clear: x.y < 85',
    });
    expect(errorOf(() => parseDerivedCondition('< 85', parseCondition('90 < x.y'), 'clear')).message).toMatch(/which is a number here/);
  });
});

describe('errors', () => {
  const cases: Array<[string, number, string]> = [
    ['', 1, 'empty expression; write a condition, e.g. cpu.usage_pct > 90'],
    ['cpu.usage_pct', 1, "a condition needs a comparison, e.g. cpu.usage_pct > 90; found only the value 'cpu.usage_pct'"],
    ['90', 1, "a condition needs a comparison, e.g. cpu.usage_pct > 90; found only the value '90'"],
    ['avg(cpu.usage_pct, 5m)', 1, "a condition needs a comparison, e.g. cpu.usage_pct > 90; found only the value 'avg(cpu.usage_pct, 5m)'"],
    ['cpu.usage_pct >', 16, "expected a value after '>' (a number like 90, 5m or 1GB, a metric like cpu.usage_pct, or a function like avg(cpu.usage_pct, 5m)), found the end of the expression"],
    ['a.b > 1 and 5', 13, "'and' needs a condition on each side, found the value '5'; write a comparison, e.g. cpu.usage_pct > 90"],
    ['x.y or a.b > 1', 1, "'or' needs a condition on each side, found the value 'x.y'; write a comparison, e.g. cpu.usage_pct > 90"],
    ['not a.b', 5, "'not' needs a condition, found the value 'a.b'; write a comparison, e.g. cpu.usage_pct > 90"],
    ['median(x.y, 5m) > 1', 1, "unknown function 'median'; valid functions: last, avg, min, max, rate, delta, resets, absent, predict"],
    ['cpu > 90', 1, "metric 'cpu' needs a field: write measurement.field, e.g. cpu.usage_pct"],
    ['x.y.z > 1', 4, "a metric has exactly one dot (measurement.field); found more after 'x.y'"],
    ['disk. used_pct > 1', 1, 'write the metric without spaces: disk.used_pct'],
    ['disk.used_pct{mount=~"["} > 1', 22, 'invalid regular expression "[" for tag \'mount\': missing closing ]: `[`'],
    ['a.b{x=1} > 2', 7, "the value for tag 'x' must be quoted, e.g. x=\"/u01\", found '1'"],
    ['a.b{x=="1"} > 2', 6, "expected one of = != =~ !~ after tag 'x', found '=='"],
    ['a.b{x="1" > 2', 11, "expected ',' or '}' after the matcher for tag 'x', found '>'"],
    ['a.b{x="1", > 2', 12, `expected a tag name inside { }, e.g. {mount="/u01"}, found '>'`],
    ['a.b{x="1"', 10, "missing '}' to close the tag matchers opened at column 4"],
    ['a.b{x="1} > 2', 7, 'unterminated string: add the closing "'],
    ['rate(if.in_errors_ps) > 1', 21, 'rate needs a window: rate(if.in_errors_ps, 5m)'],
    ['absent(agent.heartbeat)', 23, 'absent needs a window: absent(agent.heartbeat, 5m)'],
    ['avg(x.y, 0s) > 1', 10, 'the window of avg must be longer than 0, e.g. 5m'],
    ['avg(x.y, 5) > 1', 10, "the window of avg must be a duration like 30s, 5m or 1h, found '5' (add a unit: 5m or 5s)"],
    ['avg(x.y, 5GB) > 1', 10, "the window of avg must be a duration like 30s, 5m or 1h, found '5GB'"],
    ['avg(5m, x.y) > 1', 5, "the first argument of avg must be a metric, e.g. avg(cpu.usage_pct, 5m); found '5m'"],
    ['avg(rate(a.b, 1m), 5m) > 1', 5, "the first argument of avg must be a metric, e.g. avg(cpu.usage_pct, 5m); found 'rate'"],
    ['last(a.b, 1m, 2m) > 1', 13, 'last takes a metric and a window, e.g. last(a.b, 5m); remove the extra argument'],
    ['avg(a.b, 1m > 1', 13, "missing ')' to close avg( ; found '>'"],
    [
      'absent(a.b, 1m) == 1',
      1,
      "absent(...) is already a condition (true when the metric has no sample in the window) and cannot be compared with '=='; use it alone, e.g. absent(agent.heartbeat, 3m)",
    ],
    ['(a.b > 1) == 1', 1, "'==' compares two values, but '(a.b > 1)' is a condition (true or false)"],
    [
      'predict(a.b, 1h)',
      17,
      'predict must be compared with a number, found the end of the expression; write predict(metric, window) OP number within duration, e.g. predict(disk.used_pct, 6h) >= 100 within 3d',
    ],
    [
      'predict(a.b, 1h) > 5',
      21,
      "predict needs 'within' and a duration after the threshold, found the end of the expression; write predict(metric, window) OP number within duration, e.g. predict(disk.used_pct, 6h) >= 100 within 3d",
    ],
    ['predict(a.b, 1h) > c.d within 1d', 20, "predict compares with a number, found 'c'; write predict(metric, window) OP number within duration, e.g. predict(disk.used_pct, 6h) >= 100 within 3d"],
    [
      '1 < predict(a.b, 1h)',
      5,
      'predict is a whole condition and cannot be used inside another; write predict(metric, window) OP number within duration, e.g. predict(disk.used_pct, 6h) >= 100 within 3d',
    ],
    ['predict(a.b, 1h) > 5 within 0s', 29, "'within' must be longer than 0, e.g. 5m"],
    ['predict(a.b) > 5 within 1d', 12, 'predict needs a window: predict(a.b, 5m)'],
    ['a.b > 1 within 2d', 9, "'within' belongs to predict: predict(metric, window) OP number within duration, e.g. predict(disk.used_pct, 6h) >= 100 within 3d"],
    ['a.b > 5minutes', 8, "unknown unit 'minutes' in '5minutes'; valid units: % (percent), ms s m h d w (durations), B KB MB GB TB KiB MiB GiB TiB (sizes)"],
    ['a.b > 1Mb', 8, "unknown unit 'Mb' in '1Mb'; valid units: % (percent), ms s m h d w (durations), B KB MB GB TB KiB MiB GiB TiB (sizes)"],
    ['a.b > 1h30', 11, "'1h30' needs a unit after 30 (ms, s, m, h, d or w)"],
    ['a.b = 1', 5, "'=' is not a comparison; write == to test equality, e.g. ups.on_battery == 1"],
    ['a.b =~ "x"', 5, `'=~' matches tags inside { }, e.g. disk.used_pct{mount=~"/u0.*"}; to compare values use > >= < <= == !=`],
    ['a.b > 1 AND c.d < 2', 9, "write 'and' in lowercase"],
    ['a.b > 1 && c.d > 1', 9, "'&&' is not part of the rule language; write 'and'"],
    ['a.b > 1 || c.d > 1', 9, "'||' is not part of the rule language; write 'or'"],
    ['!a.b', 1, "'!' alone is not an operator; write 'not' to negate a condition, or != to compare"],
    ['a.b > 1 $', 9, "unexpected character '$'"],
    ['1 < a.b < 5', 9, "comparisons cannot be chained; join them with 'and', e.g. cpu.usage_pct > 50 and cpu.usage_pct < 90"],
    ['(a.b > 1', 9, "missing ')' to close the '(' at column 1; found the end of the expression"],
    ['a.b > 1)', 8, "')' has no matching '('"],
    ['a.b > 1 GB', 7, 'write the unit right after the number, without a space: 1GB'],
    ['a.b >\n  1\n  c.d', 13, "unexpected 'c' after 'a.b > 1'; expected 'and', 'or' or the end of the expression"],
    ['a.b 5', 5, "unexpected '5' after 'a.b'; expected a comparison (> >= < <= == !=) or the end of the expression"],
    ['a.b > 1 c.d > 2', 9, "unexpected 'c' after 'a.b > 1'; expected 'and', 'or' or the end of the expression"],
    ['a.b > and', 7, "expected a value after '>' (a number like 90, 5m or 1GB, a metric like cpu.usage_pct, or a function like avg(cpu.usage_pct, 5m)), found 'and'"],
  ];
  it.each(cases)('%j → column %d', (text, column, message) => {
    expect(errorOf(() => parseCondition(text))).toEqual({ column, message });
  });
});
