/**
 * The explicit probe registry: the only place that knows every probe kind.
 * Adding a kind means one import and one entry here; nothing else branches on kind.
 */
import { execProbe } from './exec.js';
import { hostProbe } from './host.js';
import { httpProbe } from './http.js';
import { oracleProbe } from './oracle.js';
import { pingProbe } from './ping.js';
import { snmpProbe } from './snmp.js';
import { sshProbe } from './ssh.js';
import { syslogProbe } from './syslog.js';
import { tcpProbe } from './tcp.js';
import type { ProbeKind } from './types.js';

const KINDS: ReadonlyArray<ProbeKind<never>> = [
  hostProbe as ProbeKind<never>,
  snmpProbe as ProbeKind<never>,
  sshProbe as ProbeKind<never>,
  oracleProbe as ProbeKind<never>,
  pingProbe as ProbeKind<never>,
  tcpProbe as ProbeKind<never>,
  httpProbe as ProbeKind<never>,
  execProbe as ProbeKind<never>,
  syslogProbe as ProbeKind<never>,
];

export function probeKinds(): Map<string, ProbeKind<unknown>> {
  return new Map(KINDS.map((k) => [k.kind, k as ProbeKind<unknown>]));
}
