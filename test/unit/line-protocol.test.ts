import { describe, it, expect } from 'vitest';
import { parseLineProtocol, parsePrecision, type ParseOptions, type Precision } from '../../collector/ingest/line-protocol.js';

const NOW = 1_700_000_000_000;

type Opts = Partial<Omit<ParseOptions, 'now'>>;

function parse(body: string, opts: Opts = {}) {
  return parseLineProtocol(body, { precision: 'ns', now: NOW, ...opts });
}

/** The single sample a good line yields; fails the test with the parser's message otherwise. */
function one(line: string, opts: Opts = {}) {
  const out = parse(line, opts);
  expect(out.errors).toEqual([]);
  expect(out.samples).toHaveLength(1);
  return out.samples[0]!;
}

/** The error message for a single bad line. */
function err(line: string, opts: Opts = {}): string {
  const out = parse(line, opts);
  expect(out.samples).toEqual([]);
  expect(out.errors).toHaveLength(1);
  expect(out.errors[0]!.line).toBe(1);
  return out.errors[0]!.message;
}

/** Value of field `v` on an otherwise valid line. */
function value(raw: string): unknown {
  return one(`m,device=d v=${raw} 0`).fields.v;
}

describe('parsePrecision', () => {
  it('defaults to ns when absent or empty', () => {
    expect(parsePrecision(undefined)).toBe('ns');
    expect(parsePrecision('')).toBe('ns');
  });

  it('accepts v2 spellings', () => {
    expect(['ns', 'us', 'ms', 's'].map(parsePrecision)).toEqual(['ns', 'us', 'ms', 's']);
  });

  it('accepts v1 spellings', () => {
    expect(['n', 'u', 'ms', 's', 'm', 'h'].map(parsePrecision)).toEqual(['ns', 'us', 'ms', 's', 'm', 'h']);
  });

  it('rejects unknown spellings', () => {
    expect(parsePrecision('x')).toBeUndefined();
    expect(parsePrecision('NS')).toBeUndefined();
    expect(parsePrecision('sec')).toBeUndefined();
    expect(parsePrecision('toString')).toBeUndefined();
  });
});

describe('parseLineProtocol: basic lines', () => {
  it('parses measurement, tags, fields and timestamp', () => {
    expect(one('cpu,device=srv1,core=0 user=1.5,count=3i,ok=true,msg="hi" 1700000000123456789')).toEqual({
      measurement: 'cpu',
      tags: { device: 'srv1', core: '0' },
      fields: { user: 1.5, count: 3, ok: true, msg: 'hi' },
      ts: 1_700_000_000_123,
    });
  });

  it('uses now when the timestamp is missing', () => {
    expect(one('cpu,device=a v=1').ts).toBe(NOW);
    expect(one('cpu,device=a v=1   ').ts).toBe(NOW);
  });

  it('tolerates repeated spaces between sections and trailing spaces', () => {
    expect(one('cpu,device=a  v=1   42000000  ')).toEqual({ measurement: 'cpu', tags: { device: 'a' }, fields: { v: 1 }, ts: 42 });
  });

  it('accepts dotted and dashed names', () => {
    expect(one('disk.io,device=a,mount-point=x read_bytes=1 0')).toEqual({
      measurement: 'disk.io',
      tags: { device: 'a', 'mount-point': 'x' },
      fields: { read_bytes: 1 },
      ts: 0,
    });
  });

  it('returns nothing for an empty body', () => {
    expect(parse('')).toEqual({ samples: [], errors: [], rejected: 0 });
  });
});

describe('escaping', () => {
  it('measurement: escaped comma and space stay in the name', () => {
    // The escaped comma must not open a tag set, nor the space end the measurement.
    expect(one('my\\ meas\\,x,device=a v=1 0').measurement).toBe('my meas,x');
    expect(err('my\\ meas\\,x,device=a v=1', { names: 'strict' })).toBe('invalid measurement "my meas,x" (must match ^[A-Za-z_][A-Za-z0-9_.-]*$; or set ingest.line_protocol.names: accept)');
  });

  it('measurement: an escaped "=" unescapes, as influxd does', () => {
    expect(one('cpu\\=x,device=a v=1 0').measurement).toBe('cpu=x');
    expect(one('cpu=x,device=a v=1 0').measurement).toBe('cpu=x');
  });

  it('tag key: escaped comma, equals and space', () => {
    expect(one('cpu,device=a,my\\ k\\=e\\,y=v v=1 0').tags).toEqual({ device: 'a', 'my k=e,y': 'v' });
  });

  it('tag value: escaped comma, equals and space', () => {
    expect(one('cpu,device=rack\\ 1\\,slot\\=2,room=B v=1 0').tags).toEqual({ device: 'rack 1,slot=2', room: 'B' });
  });

  it('tag value: backslash before any other character is literal', () => {
    expect(one('cpu,device=a,path=C:\\temp v=1 0').tags).toEqual({ device: 'a', path: 'C:\\temp' });
    // A backslash pair stays as is and does not escape what follows.
    expect(one('cpu,device=a,path=C:\\\\,x=1 v=1 0').tags).toEqual({ device: 'a', path: 'C:\\\\', x: '1' });
    expect(one('cpu,device=a,path=a\\b\\ c v=1 0').tags).toEqual({ device: 'a', path: 'a\\b c' });
  });

  it('field key: escaped comma, equals and space', () => {
    expect(one('cpu,device=a my\\ f\\=x\\,y=1 0').fields).toEqual({ 'my f=x,y': 1 });
  });

  it('string field: escaped quote and backslash', () => {
    expect(value('"say \\"hi\\" C:\\\\dir"')).toBe('say "hi" C:\\dir');
  });

  it('string field: backslash before any other character is literal', () => {
    expect(value('"a\\nb\\,c"')).toBe('a\\nb\\,c');
  });

  it('string field: spaces, commas and equals signs need no escaping', () => {
    expect(one('log,device=a msg="a b, c=d",n=1 0').fields).toEqual({ msg: 'a b, c=d', n: 1 });
  });

  it('string field: empty string', () => {
    expect(value('""')).toBe('');
  });
});

describe('field values', () => {
  it('floats', () => {
    expect(value('1')).toBe(1);
    expect(value('1.5')).toBe(1.5);
    expect(value('-1.5e3')).toBe(-1500);
    expect(value('1e-3')).toBe(0.001);
    expect(value('2E+2')).toBe(200);
    expect(value('.5')).toBe(0.5);
    expect(value('1.')).toBe(1);
    expect(Object.is(value('-0'), -0)).toBe(true);
    expect(value('0')).toBe(0);
  });

  it('integers', () => {
    expect(value('1i')).toBe(1);
    expect(value('12i')).toBe(12);
    expect(value('-12i')).toBe(-12);
    expect(Object.is(value('-0i'), 0)).toBe(true);
    // Beyond 2^53 only integers the double holds exactly are kept; others are refused, never rounded.
    expect(value('9007199254740992i')).toBe(2 ** 53);
    expect(value('-9223372036854775808i')).toBe(-(2 ** 63));
    expect(err('m,device=d v=9007199254740993i')).toMatch(/^field "v": integer 9007199254740993 cannot be stored exactly/);
    expect(err('m,device=d v=9223372036854775807i')).toMatch(/cannot be stored exactly/);
  });

  it('unsigned', () => {
    expect(value('1u')).toBe(1);
    expect(value('12u')).toBe(12);
    expect(value('9223372036854775808u')).toBe(2 ** 63);
    expect(err('m,device=d v=18446744073709551615u')).toMatch(/cannot be stored exactly/);
    expect(err('m,device=d v=1u', { unsigned: false })).toMatch(/InfluxDB 2 syntax/);
  });

  it('all boolean spellings', () => {
    for (const t of ['t', 'T', 'true', 'True', 'TRUE']) expect(value(t)).toBe(true);
    for (const f of ['f', 'F', 'false', 'False', 'FALSE']) expect(value(f)).toBe(false);
  });

  it('rejects malformed numbers', () => {
    expect(err('m,device=d x=1.2.3')).toBe('field "x": invalid number "1.2.3"');
    expect(err('m,device=d x=12ii')).toBe('field "x": invalid integer "12ii"');
    expect(err('m,device=d x=1.5i')).toBe('field "x": invalid integer "1.5i"');
    expect(err('m,device=d x=-1u')).toBe('field "x": invalid unsigned "-1u"');
    expect(err('m,device=d x=1e')).toBe('field "x": invalid number "1e"');
    expect(err('m,device=d x=-')).toBe('field "x": invalid number "-"');
    expect(err('m,device=d x=0x1f')).toBe('field "x": invalid number "0x1f"');
    expect(err('m,device=d x=1e999')).toBe('field "x": number out of range "1e999"');
  });

  it('rejects integers outside 64 bits', () => {
    expect(err('m,device=d x=9223372036854775808i')).toBe('field "x": integer out of range "9223372036854775808i"');
    expect(err('m,device=d x=-9223372036854775809i')).toBe('field "x": integer out of range "-9223372036854775809i"');
    expect(err('m,device=d x=18446744073709551616u')).toBe('field "x": unsigned out of range "18446744073709551616u"');
  });

  it('rejects bare words and bad boolean spellings', () => {
    expect(err('m,device=d x=tRUE')).toBe('field "x": invalid value "tRUE" (expected number, boolean or "string")');
    expect(err('m,device=d x=yes')).toBe('field "x": invalid value "yes" (expected number, boolean or "string")');
    expect(err('m,device=d x=+1')).toBe('field "x": invalid value "+1" (expected number, boolean or "string")');
  });

  it('rejects an empty value', () => {
    expect(err('m,device=d x=')).toBe('field "x": missing value');
    expect(err('m,device=d x=,y=1')).toBe('field "x": missing value');
  });

  it('rejects unterminated strings', () => {
    expect(err('m,device=d msg="abc')).toBe('field "msg": unterminated string');
    expect(err('m,device=d msg="abc\\" 123')).toBe('field "msg": unterminated string');
  });

  it('rejects text glued to a closing quote', () => {
    expect(err('m,device=d msg="abc"x')).toBe('field "msg": unexpected text after closing quote');
  });

  it('limits strings to the contract length in characters', () => {
    expect(value(`"${'a'.repeat(1024)}"`)).toBe('a'.repeat(1024));
    expect(err(`m,device=d s="${'a'.repeat(1025)}"`)).toBe('field "s": string too long (max 1024 characters)');
    // Characters, not bytes: 1024 euro signs are 3072 bytes and still fit.
    expect(value(`"${'€'.repeat(1024)}"`)).toBe('€'.repeat(1024));
  });
});

describe('timestamps and precision', () => {
  it('ns: a 19-digit timestamp keeps exact milliseconds', () => {
    // Number('1700000000999999999') / 1e6 rounds up to ...001000; cutting digits must not.
    expect(one('m,device=d v=1 1700000000999999999').ts).toBe(1_700_000_000_999);
    expect(one('m,device=d v=1 1700000000123456789', { precision: 'ns' }).ts).toBe(1_700_000_000_123);
  });

  it('us, ms, s, m, h', () => {
    expect(one('m,device=d v=1 1700000000123999', { precision: 'us' }).ts).toBe(1_700_000_000_123);
    expect(one('m,device=d v=1 1700000000123', { precision: 'ms' }).ts).toBe(1_700_000_000_123);
    expect(one('m,device=d v=1 1700000000', { precision: 's' }).ts).toBe(1_700_000_000_000);
    expect(one('m,device=d v=1 28333333', { precision: 'm' }).ts).toBe(1_699_999_980_000);
    expect(one('m,device=d v=1 472222', { precision: 'h' }).ts).toBe(1_699_999_200_000);
  });

  it('short and negative timestamps round down', () => {
    expect(one('m,device=d v=1 999999').ts).toBe(0);
    expect(one('m,device=d v=1 0').ts).toBe(0);
    expect(Object.is(one('m,device=d v=1 -0').ts, 0)).toBe(true);
    expect(one('m,device=d v=1 -1000000').ts).toBe(-1);
    expect(one('m,device=d v=1 -1500000').ts).toBe(-2);
    expect(one('m,device=d v=1 -1', { precision: 'us' }).ts).toBe(-1);
    expect(one('m,device=d v=1 -5', { precision: 's' }).ts).toBe(-5000);
  });

  it('rejects malformed timestamps', () => {
    expect(err('m,device=d v=1 12a')).toBe('invalid timestamp "12a"');
    expect(err('m,device=d v=1 -')).toBe('invalid timestamp "-"');
    expect(err('m,device=d v=1 1.5')).toBe('invalid timestamp "1.5"');
    expect(err('m,device=d v=1 +5')).toBe('invalid timestamp "+5"');
  });

  it('rejects timestamps outside int64 or the safe ms range', () => {
    expect(err('m,device=d v=1 9223372036854775808')).toBe('timestamp out of range "9223372036854775808"');
    expect(err('m,device=d v=1 12345678901234567890')).toBe('timestamp out of range "12345678901234567890"');
    expect(err('m,device=d v=1 9223372036854775807', { precision: 's' })).toBe('timestamp out of range "9223372036854775807"');
    expect(one('m,device=d v=1 9223372036854775807').ts).toBe(9_223_372_036_854);
  });

  it('rejects trailing garbage after the timestamp', () => {
    expect(err('m,device=d v=1 1700000000000000000 extra')).toBe('unexpected text after timestamp: "extra"');
  });
});

describe('lines, comments, line endings', () => {
  it('handles CRLF line endings', () => {
    const out = parse('a,device=d v=1 1000000\r\nb,device=d v="x" 2000000\r\n');
    expect(out).toEqual({
      samples: [
        { measurement: 'a', tags: { device: 'd' }, fields: { v: 1 }, ts: 1 },
        { measurement: 'b', tags: { device: 'd' }, fields: { v: 'x' }, ts: 2 },
      ],
      errors: [],
      rejected: 0,
    });
  });

  it('skips blank lines and comments, still counting them for line numbers', () => {
    const body = ['# header', '', '   ', '  # indented comment', '\t', 'a,device=d v=1 0', 'bad'].join('\n');
    expect(parse(body)).toEqual({
      samples: [{ measurement: 'a', tags: { device: 'd' }, fields: { v: 1 }, ts: 0 }],
      errors: [{ line: 7, message: 'missing field set' }],
      rejected: 1,
    });
  });

  it('skips a comment ending in CRLF', () => {
    expect(parse('# c\r\n\r\na,device=d v=1 0\r\n').samples).toEqual([{ measurement: 'a', tags: { device: 'd' }, fields: { v: 1 }, ts: 0 }]);
  });
});

describe('device tag', () => {
  it('maps host to device and keeps host', () => {
    expect(one('cpu,host=srv7 v=1 0').tags).toEqual({ host: 'srv7', device: 'srv7' });
  });

  it('prefers an explicit device over host and defaultDevice', () => {
    expect(one('cpu,host=h,device=d v=1 0', { defaultDevice: 'x' }).tags).toEqual({ host: 'h', device: 'd' });
  });

  it('prefers host over defaultDevice', () => {
    expect(one('cpu,host=h v=1 0', { defaultDevice: 'x' }).tags).toEqual({ host: 'h', device: 'h' });
  });

  it('falls back to defaultDevice', () => {
    expect(one('cpu,core=1 v=1 0', { defaultDevice: 'agent-1' }).tags).toEqual({ core: '1', device: 'agent-1' });
    expect(one('cpu v=1 0', { defaultDevice: 'agent-1' }).tags).toEqual({ device: 'agent-1' });
  });

  it('reports a missing device', () => {
    expect(err('cpu,core=1 v=1 0')).toBe('missing device tag (add device=... or host=...)');
    expect(err('cpu v=1 0', { defaultDevice: '' })).toBe('missing device tag (add device=... or host=...)');
  });
});

describe('structure errors', () => {
  it('refuses names outside NAME_PATTERN under the strict policy', () => {
    const strict = { names: 'strict' } as const;
    const hint = '(must match ^[A-Za-z_][A-Za-z0-9_.-]*$; or set ingest.line_protocol.names: accept)';
    expect(err('1cpu,device=a v=1', strict)).toBe(`invalid measurement "1cpu" ${hint}`);
    expect(err('cpu,device=a,a:b=1 v=1', strict)).toBe(`invalid tag key "a:b" ${hint}`);
    expect(err('cpu,device=a 1x=1', strict)).toBe(`invalid field "1x" ${hint}`);
    expect(one('cpu,device=a,app.kubernetes_name=x v=1 0', strict).tags['app.kubernetes_name']).toBe('x');
  });

  it('accepts what InfluxDB accepts by default: slashes, CJK, escaped spaces, leading digits', () => {
    expect(one('温度,device=a,app.kubernetes.io/name=web 1x=1,室温=2 0')).toEqual({
      measurement: '温度',
      tags: { device: 'a', 'app.kubernetes.io/name': 'web' },
      fields: { '1x': 1, 室温: 2 },
      ts: 0,
    });
    expect(err('cpu,device=a,time=x v=1')).toBe('tag key "time" is reserved (InfluxQL\'s time column)');
    expect(err('cpu,device=a time=1')).toBe('field "time" is reserved (InfluxQL\'s time column)');
  });

  it('sanitises names on request, and says when two names become one', () => {
    const sanitise = { names: 'sanitise' } as const;
    expect(one('温度,device=a,app.kubernetes.io/name=web,Inlet\\ Temp=1 1x=1 0', sanitise)).toEqual({
      measurement: '__',
      tags: { device: 'a', 'app.kubernetes.io_name': 'web', Inlet_Temp: '1' },
      fields: { _1x: 1 },
      ts: 0,
    });
    expect(err('m,device=a,a/b=1,a_b=2 v=1', sanitise)).toBe('duplicate tag "a_b" (after sanitising names)');
  });

  it('rejects reserved and over-long names under every policy', () => {
    expect(err('cpu,device=a,__proto__=x v=1')).toBe('tag key "__proto__" is reserved');
    expect(err('cpu,device=a,x=1 v\u0001=1')).toMatch(/^field "v\\u0001" contains control character U\+0001/);
    const long = 'm'.repeat(129);
    expect(err(`${long},device=a v=1`)).toBe(`measurement "${'m'.repeat(64)}…" too long (129 chars, max 128)`);
    expect(one(`${'m'.repeat(128)},device=a v=1 0`).measurement).toBe('m'.repeat(128));
  });

  it('reports a bad name every time, not only on first sight', () => {
    expect(parse('1x,device=a v=1\n1x,device=a v=1', { names: 'strict' }).errors.map((e) => e.line)).toEqual([1, 2]);
  });

  it('rejects missing measurement and field set', () => {
    expect(err(',device=a v=1')).toBe('missing measurement');
    expect(err('cpu')).toBe('missing field set');
    expect(err('cpu,device=a')).toBe('missing field set');
    expect(err('cpu,device=a   ')).toBe('missing field set');
  });

  it('rejects malformed tags', () => {
    expect(err('cpu,device v=1')).toBe('tag "device": missing "="');
    expect(err('cpu,=a v=1')).toBe('empty tag key');
    expect(err('cpu,device=a, v=1')).toBe('empty tag key');
    expect(err('cpu,device= v=1')).toBe('tag "device": missing value');
    expect(err('cpu,device=a=b v=1')).toBe('tag "device": unescaped "=" in value');
    expect(err('cpu,device=a,device=b v=1')).toBe('duplicate tag "device"');
    expect(err(`cpu,device=${'x'.repeat(257)} v=1`)).toBe('tag "device": value too long (257 chars, max 256)');
    expect(one(`cpu,device=${'x'.repeat(256)} v=1 0`).tags.device).toBe('x'.repeat(256));
  });

  it('allows at most 32 tags, counting a device tag derived from host', () => {
    const tags = (n: number) => Array.from({ length: n }, (_, i) => `,t${i}=v`).join('');
    expect(Object.keys(one(`cpu,device=a${tags(31)} v=1 0`).tags)).toHaveLength(32);
    expect(err(`cpu,device=a${tags(32)} v=1`)).toBe('too many tags (max 32)');
    expect(err(`cpu,host=a${tags(31)} v=1`)).toBe('too many tags (max 32, including the added device tag)');
  });

  it('rejects malformed fields', () => {
    expect(err('cpu,device=a v')).toBe('field "v": missing "="');
    expect(err('cpu,device=a =1')).toBe('empty field key');
    expect(err('cpu,device=a v=1,')).toBe('empty field key');
    // As in InfluxDB, a repeated field keeps its last value.
    expect(one('cpu,device=a v=1,v=2 0').fields).toEqual({ v: 2 });
  });

  it('does not mistake inherited object keys for duplicates', () => {
    expect(one('cpu,device=a,constructor=x toString=1,hasOwnProperty=2 0')).toEqual({
      measurement: 'cpu',
      tags: { device: 'a', constructor: 'x' },
      fields: { toString: 1, hasOwnProperty: 2 },
      ts: 0,
    });
  });
});

describe('partial writes', () => {
  const body = [
    'cpu,host=a usage=1 1000000', // 1 ok
    'cpu,host=a usage=1.2.3 1000000', // 2 bad
    '', // 3 blank
    'mem,host=a used=5i,free=7u 2000000', // 4 ok
    'mem,host=a msg="oops 2000000', // 5 bad
    '# comment', // 6
    'disk,host=a x=1 12a', // 7 bad
    'net,host=a up=T', // 8 ok, no timestamp
  ].join('\n');

  it('keeps good lines and reports bad ones with their line numbers', () => {
    expect(parse(body)).toEqual({
      samples: [
        { measurement: 'cpu', tags: { host: 'a', device: 'a' }, fields: { usage: 1 }, ts: 1 },
        { measurement: 'mem', tags: { host: 'a', device: 'a' }, fields: { used: 5, free: 7 }, ts: 2 },
        { measurement: 'net', tags: { host: 'a', device: 'a' }, fields: { up: true }, ts: NOW },
      ],
      errors: [
        { line: 2, message: 'field "usage": invalid number "1.2.3"' },
        { line: 5, message: 'field "msg": unterminated string' },
        { line: 7, message: 'invalid timestamp "12a"' },
      ],
      rejected: 3,
    });
  });

  it('stops collecting errors at maxErrors but keeps parsing good lines', () => {
    const out = parse(body, { maxErrors: 2 });
    expect(out.errors).toEqual([
      { line: 2, message: 'field "usage": invalid number "1.2.3"' },
      { line: 5, message: 'field "msg": unterminated string' },
    ]);
    expect(out.samples.map((s) => s.measurement)).toEqual(['cpu', 'mem', 'net']);
  });

  it('caps errors at 100 by default', () => {
    const lines = Array.from({ length: 150 }, (_, i) => `bad${i}`);
    lines.push('ok,device=d v=1 0');
    const out = parse(lines.join('\n'));
    expect(out.errors).toHaveLength(100);
    expect(out.errors[99]).toEqual({ line: 100, message: 'missing field set' });
    expect(out.samples).toEqual([{ measurement: 'ok', tags: { device: 'd' }, fields: { v: 1 }, ts: 0 }]);
  });
});
