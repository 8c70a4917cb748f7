/**
 * Syslog messages as network devices really send them: RFC 5424, RFC 3164 and
 * the variations of Cisco (sequence numbers, `*` and `.` on unsynchronised
 * clocks, `%FAC-SEV-MNEMONIC`), Huawei and H3C (`%%01MOD/SEV/MNEMONIC(l)`, a
 * year in the timestamp), Juniper (`TAG:` and 5424 MSGIDs) and Fortinet
 * (`key=value` with no header at all).
 *
 * Parsing never fails: what cannot be read stays in `text`. Bytes that are not
 * UTF-8 are decoded as GBK (Chinese devices send it) and, when even that does
 * not make text, shown escaped and marked `binary`.
 */

export const FACILITIES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'security',
  'console',
  'solaris-cron',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
] as const;
export const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

export type Encoding = 'utf8' | 'gbk' | 'binary';

export interface SyslogMessage {
  facility: number;
  severity: number;
  /** Epoch ms from the message when it has a readable timestamp. */
  timestamp?: number;
  host?: string;
  app?: string;
  /** Vendor event id: `LINK-3-UPDOWN` (Cisco), `SHELL/4/LOGIN_FAIL` (Huawei, H3C), `SNMP_TRAP_LINK_DOWN` (Juniper), a Fortinet logid. */
  mnemonic?: string;
  /** The message after the header; the whole line when there was no header. */
  text: string;
  encoding: Encoding;
  /** True when the message had to be cut at the receiver's limit. */
  truncated: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const gbk = new TextDecoder('gbk', { fatal: true });

/** Decodes bytes as UTF-8, else GBK, else shows them escaped; never throws. */
export function decode(bytes: Uint8Array): { text: string; encoding: Encoding } {
  try {
    return clean(utf8.decode(bytes), 'utf8');
  } catch {
    // Not UTF-8: try the encoding Chinese network gear uses.
  }
  try {
    return clean(gbk.decode(bytes), 'gbk');
  } catch {
    // Not GBK either.
  }
  let text = '';
  for (const b of bytes) text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return { text, encoding: 'binary' };
}

/** NULs and other control characters are shown, not passed on to logs and terminals. */
function clean(text: string, encoding: Encoding): { text: string; encoding: Encoding } {
  // eslint-disable-next-line no-control-regex
  if (!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) return { text, encoding };
  // eslint-disable-next-line no-control-regex
  return { text: text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`), encoding: 'binary' };
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/**
 * A BSD timestamp: `Mmm dd hh:mm:ss`, optionally with `.mmm` or `:mmm`, a
 * year before or after the time, a `*`/`.` prefix (Cisco's "clock not set /
 * not synchronised") and a zone name, which is skipped (the year, when absent,
 * is the receiver's: devices rarely send it).
 */
const BSD_TIME =
  /^[*.]?(?:(?<y1>\d{4}) +)?(?<mon>[A-Z][a-z]{2}) +(?<day>\d{1,2}) +(?:(?<y2>\d{4}) +)?(?<h>\d{2}):(?<m>\d{2}):(?<s>\d{2})(?:[.:](?<frac>\d{1,6}))?(?<off>[+-]\d{2}:?\d{2})?(?: +(?<y3>\d{4}))?(?: +[A-Z]{2,5}(?:[+-]\d{1,2}(?::\d{2})?)?)?:? +/;
const ISO_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2}))\s+/;

function bsdTime(m: RegExpExecArray, now: number): number | undefined {
  const g = m.groups as Record<string, string | undefined>;
  const month = MONTHS[g.mon as string];
  if (month === undefined) return undefined;
  const given = g.y1 ?? g.y2 ?? g.y3;
  const ms = g.frac ? Number(g.frac.padEnd(3, '0').slice(0, 3)) : 0;
  const at = (year: number) => {
    if (g.off) {
      // An explicit offset (Huawei's +08:00) is honoured; without one the device's clock is taken as local time.
      const off = /^([+-])(\d{2}):?(\d{2})$/.exec(g.off) as RegExpExecArray;
      const minutes = (off[1] === '-' ? -1 : 1) * (Number(off[2]) * 60 + Number(off[3]));
      return Date.UTC(year, month, Number(g.day), Number(g.h), Number(g.m), Number(g.s), ms) - minutes * 60_000;
    }
    return new Date(year, month, Number(g.day), Number(g.h), Number(g.m), Number(g.s), ms).getTime();
  };
  const year = Number(given ?? new Date(now).getFullYear());
  const t = at(year);
  // Without a year, a December message read in January belongs to last year.
  return given || t - now < 86_400_000 ? t : at(year - 1);
}

const CISCO = /%([A-Z][A-Z0-9_]*(?:-[A-Z0-9_]+)?)-([0-7])-([A-Z0-9_]+)\s*:/;
const HUAWEI = /%%\d{2}([A-Z][A-Za-z0-9_]*)\/([0-7])\/([A-Za-z0-9_]+)(?:\([a-z]+\))?(?:\[\d+\])?\s*:/;
const JUNIPER_TAG = /^([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?::|\s)/;
const FORTINET = /^(?:date=\S+\s+time=\S+|logver=\S+|eventtime=\S+)\s.*\blogid="?(\d+)"?/;

function mnemonicOf(text: string, app: string | undefined, msgid: string | undefined): string | undefined {
  const cisco = CISCO.exec(text);
  if (cisco) return `${cisco[1]}-${cisco[2]}-${cisco[3]}`;
  const huawei = HUAWEI.exec(text);
  if (huawei) return `${huawei[1]}/${huawei[2]}/${huawei[3]}`;
  if (msgid && msgid !== '-') return msgid;
  const forti = FORTINET.exec(text);
  if (forti) return forti[1];
  const tag = JUNIPER_TAG.exec(text);
  if (tag && app) return tag[1];
  return undefined;
}

/** `<PRI>`; a message without one is user.notice (RFC 3164 §4.3.3). */
function priority(line: string): { pri: number; rest: string } {
  const m = /^<(\d{1,3})>/.exec(line);
  if (!m || Number(m[1]) > 191) return { pri: 13, rest: line };
  return { pri: Number(m[1]), rest: line.slice(m[0].length) };
}

/** RFC 5424 structured data: `-` or one or more `[id k="v" …]`, with `\]` escapes inside values. */
function skipStructuredData(s: string): string {
  if (s.startsWith('- ')) return s.slice(2);
  if (s === '-') return '';
  let i = 0;
  while (s[i] === '[') {
    let inQuote = false;
    for (i++; i < s.length; i++) {
      const c = s[i];
      if (c === '\\') i++;
      else if (c === '"') inQuote = !inQuote;
      else if (c === ']' && !inQuote) break;
    }
    i++;
  }
  return s.slice(i).replace(/^ /, '');
}

export function parseSyslog(bytes: Uint8Array, now: number, maxBytes = 8192): SyslogMessage {
  const truncated = bytes.length > maxBytes;
  const { text: decoded, encoding } = decode(truncated ? bytes.subarray(0, maxBytes) : bytes);
  const line = decoded.replace(/[\r\n]+$/, '').replace(/^\uFEFF/, '');
  const { pri, rest } = priority(line);
  const base = { facility: pri >> 3, severity: pri & 7, encoding, truncated };

  const v5424 = /^1 (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(rest);
  if (v5424) {
    const [, time, host, app, , msgid] = v5424 as unknown as string[];
    const text = skipStructuredData(rest.slice(v5424[0].length)).replace(/^\uFEFF/, '');
    const ts = time === '-' ? undefined : Date.parse(time as string);
    return { ...base, timestamp: Number.isFinite(ts) ? ts : undefined, host: host === '-' ? undefined : host, app: app === '-' ? undefined : app, mnemonic: mnemonicOf(text, app, msgid), text };
  }

  // Cisco puts a sequence number (and sometimes the host) before the time: "123: core-sw1: *Mar  1 …".
  let s = rest.replace(/^\d+: (?:[A-Za-z0-9][\w.-]*: )?/, '');
  let timestamp: number | undefined;
  const iso = ISO_TIME.exec(s);
  const bsd = iso ? undefined : BSD_TIME.exec(s);
  if (iso) {
    timestamp = Date.parse(iso[1] as string);
    s = s.slice(iso[0].length);
  } else if (bsd) {
    timestamp = bsdTime(bsd, now);
    s = s.slice(bsd[0].length);
  }
  let host: string | undefined;
  let app: string | undefined;
  if (timestamp !== undefined) {
    // After the time: HOST, unless the message starts with a tag or a vendor event ("%LINK-…", "%%01…").
    const h = /^([A-Za-z0-9][\w.:-]*) /.exec(s);
    if (h && !/^%/.test(s) && !/:$/.test(h[1] as string)) {
      host = h[1];
      s = s.slice(h[0].length);
    }
  }
  const tag = /^([A-Za-z0-9_./-]{1,48})(?:\[(\d+)\])?: /.exec(s);
  if (tag && !/^\d+$/.test(tag[1] as string)) {
    app = tag[1];
    s = s.slice(tag[0].length);
  }
  const text = s.replace(/^: /, '');
  if (FORTINET.test(text)) {
    // FortiGate sends no header: the device and the time are fields of the message.
    host ??= /\bdevname="?([^"\s]+)"?/.exec(text)?.[1];
    const dt = /^date=(\d{4})-(\d{2})-(\d{2}) time=(\d{2}):(\d{2}):(\d{2})/.exec(text);
    if (timestamp === undefined && dt) timestamp = new Date(Number(dt[1]), Number(dt[2]) - 1, Number(dt[3]), Number(dt[4]), Number(dt[5]), Number(dt[6])).getTime();
  }
  return {
    ...base,
    ...(timestamp !== undefined && Number.isFinite(timestamp) ? { timestamp } : {}),
    ...(host ? { host } : {}),
    ...(app ? { app } : {}),
    mnemonic: mnemonicOf(text, app, undefined),
    text,
  };
}
