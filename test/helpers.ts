import type { FastifyInstance, InjectOptions } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COLLECTOR_DEFAULTS, type CollectorConfig } from '../collector/config.js';
import { sha256Hex } from '../collector/ingest/auth.js';
import type { Sample } from '../collector/contract/index.js';

export const TOKEN = 'rw_test_token_0123456789';
export const AGENT = 'test-agent';

/** Static operator tokens every test collector accepts (auth.tokens): one per role, acting as test-<role>. */
export const ROLE_TOKENS = {
  viewer: 'rw_test_viewer_token_0123456789',
  operator: 'rw_test_operator_token_0123456789',
  admin: 'rw_test_admin_token_0123456789',
} as const;
export type TestRole = keyof typeof ROLE_TOKENS;

/** Headers that authenticate a request to a test collector as `test-<role>` (default admin). */
export function authHeaders(role: TestRole = 'admin'): { authorization: string } {
  return { authorization: `Bearer ${ROLE_TOKENS[role]}` };
}

/** The user name a role's test token acts as: the `by` of what it does. */
export const actorFor = (role: TestRole = 'admin') => `test-${role}`;

export function tempDir(prefix = 'roomwatch-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function testCollectorConfig(dataDir: string, overrides: Partial<CollectorConfig['ingest']> = {}): CollectorConfig {
  return {
    ...structuredClone(COLLECTOR_DEFAULTS),
    listen: { host: '127.0.0.1', port: 0 },
    dataDir,
    logLevel: 'silent',
    agents: [{ name: AGENT, tokenSha256: sha256Hex(TOKEN) }],
    // Event-loop lag shedding off: a CI machine running suites in parallel lags for reasons of its own.
    ingest: { ...COLLECTOR_DEFAULTS.ingest, maxLagMs: 3_600_000, ...overrides },
    rules: { ...COLLECTOR_DEFAULTS.rules, paths: [] },
    auth: {
      ...COLLECTOR_DEFAULTS.auth,
      tokens: (Object.keys(ROLE_TOKENS) as TestRole[]).map((role) => ({ name: actorFor(role), role, tokenSha256: sha256Hex(ROLE_TOKENS[role]), teams: [], sites: [] })),
    },
  };
}

/** Realistic server samples: cpu, mem and one disk per mount, for `devices` devices. */
export function serverSamples(ts: number, devices = 1, mounts = ['/', '/u01']): Sample[] {
  const out: Sample[] = [];
  for (let d = 0; d < devices; d++) {
    const device = `db${String(d).padStart(2, '0')}`;
    out.push({ measurement: 'cpu', tags: { device }, fields: { usage_pct: 12.5 + d, iowait_pct: 0.4 }, ts });
    out.push({ measurement: 'mem', tags: { device }, fields: { used_pct: 61.2, available_bytes: 12_884_901_888 }, ts });
    for (const mount of mounts) {
      out.push({ measurement: 'disk', tags: { device, mount }, fields: { used_pct: 91.2, free_bytes: 5.2e9, inodes_used_pct: 3.1 }, ts });
    }
  }
  return out;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no free port'))));
    });
  });
}

type InjectArg = InjectOptions;

/** app.inject as `test-<role>` (default admin); headers the caller gives (an agent token) win. */
export function authed(app: FastifyInstance, request: InjectArg | string, role: TestRole = 'admin') {
  const o: InjectOptions = typeof request === 'string' ? { url: request } : request;
  return app.inject({ ...o, headers: { ...authHeaders(role), ...(o.headers as Record<string, string> | undefined) } });
}
