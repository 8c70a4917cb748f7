/**
 * What the tcp and http probes report about a TLS peer: the days left on the
 * leaf certificate and whether the chain verified against the trusted CAs.
 * Connections are made with verification *recorded*, not enforced, so an
 * expired or self-signed certificate is still measured and reported as data.
 */
import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import Type, { type Static } from 'typebox';
import type { Sample } from '../../collector/contract/index.js';
import { TLS } from './net-metrics.js';
import type { OptionProblem } from './types.js';

export const TlsOptionsSchema = Type.Object(
  {
    /** SNI and the name the certificate must carry (default: the host). */
    server_name: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    ca_file: Type.Optional(Type.String({ minLength: 1 })),
    cert_file: Type.Optional(Type.String({ minLength: 1 })),
    key_file: Type.Optional(Type.String({ minLength: 1 })),
    /** Count a chain that does not verify as down (default true); false only reports tls.chain_valid=0. */
    verify: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type TlsOptions = Static<typeof TlsOptionsSchema>;

export interface CompiledTls {
  serverName?: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  verify: boolean;
}

/** Reads the files once at load; a missing file is an option problem, not a failing check. */
export function compileTls(o: TlsOptions | undefined, path: (string | number)[], problems: OptionProblem[]): CompiledTls {
  const read = (file: string | undefined, key: string): Buffer | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      problems.push({ path: [...path, key], message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      return undefined;
    }
  };
  if ((o?.cert_file === undefined) !== (o?.key_file === undefined))
    problems.push({ path: [...path, o?.cert_file ? 'key_file' : 'cert_file'], message: 'a client certificate needs both cert_file and key_file' });
  return { serverName: o?.server_name, ca: read(o?.ca_file, 'ca_file'), cert: read(o?.cert_file, 'cert_file'), key: read(o?.key_file, 'key_file'), verify: o?.verify ?? true };
}

export interface PeerCertificate {
  daysLeft: number;
  chainValid: boolean;
  /** Why the chain did not verify (CERT_HAS_EXPIRED, SELF_SIGNED_CERT_IN_CHAIN …). */
  error?: string;
}

const DAY_MS = 86_400_000;

/** Reads the peer's leaf certificate; undefined when the socket carries none. */
export function peerCertificate(socket: TLSSocket, now: number): PeerCertificate | undefined {
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.valid_to) return undefined;
  const daysLeft = Math.round(((Date.parse(cert.valid_to) - now) / DAY_MS) * 100) / 100;
  const authError = socket.authorizationError;
  return { daysLeft, chainValid: socket.authorized, ...(authError ? { error: String(authError) } : {}) };
}

export function tlsSample(device: string, host: string, cert: PeerCertificate, ts: number): Sample {
  return { measurement: TLS.measurement, tags: { device, [TLS.tagHost]: host }, fields: { [TLS.certDaysLeft]: cert.daysLeft, [TLS.chainValid]: cert.chainValid ? 1 : 0 }, ts };
}
