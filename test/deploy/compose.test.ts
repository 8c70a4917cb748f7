/**
 * The docker compose deployment (docker-compose.yml, .env.example, deploy/):
 * `docker-compose config` accepts it, every service has a healthcheck, data
 * lives in named volumes, secrets only come from .env, and the roomwatch
 * configuration files name the compose hosts. No Docker engine is needed:
 * `config` only parses, interpolates and validates.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Value from 'typebox/value';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadAgentConfig } from '../../agent/config.js';
import { CollectorFileSchema, loadCollectorConfig } from '../../collector/config.js';
import { sha256Hex } from '../../collector/ingest/auth.js';
import { packageRoot } from '../../lib/paths.js';
import { tempDir } from '../helpers.js';
import { peerAvailable } from '../peers.js';

const root = packageRoot();
const composeFile = join(root, 'docker-compose.yml');
const envExample = join(root, '.env.example');
const SERVICES = ['influxdb', 'grafana', 'collector', 'agent'] as const;
const VOLUMES = ['influxdb-data', 'influxdb-config', 'grafana-data', 'collector-data', 'agent-spool'];
const SECRET_KEY = /(TOKEN|PASSWORD|SECRET)/i;

type Env = Record<string, string>;
interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Env;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  volumes?: Array<string | { source?: string; target?: string }>;
  depends_on?: Record<string, { condition?: string }> | string[];
  ports?: unknown[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** KEY=value lines of .env.example, with whether a comment line precedes each. */
function readEnvExample(): { values: Env; commented: Record<string, boolean> } {
  const values: Env = {};
  const commented: Record<string, boolean> = {};
  let previous = '';
  for (const raw of readFileSync(envExample, 'utf8').split('\n')) {
    const line = raw.trim();
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) {
      values[m[1] as string] = m[2] as string;
      commented[m[1] as string] = previous.startsWith('#');
    }
    previous = line;
  }
  return { values, commented };
}

function rawCompose(): Compose {
  return parse(readFileSync(composeFile, 'utf8')) as Compose;
}

/** `${VAR}`, `${VAR:-x}`, `${VAR:?msg}` references in every string of a parsed document (comments excluded). */
function variableRefs(node: unknown, out = new Set<string>()): Set<string> {
  if (typeof node === 'string') {
    for (const m of node.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)) out.add(m[1] as string);
  } else if (Array.isArray(node)) {
    for (const v of node) variableRefs(v, out);
  } else if (node && typeof node === 'object') {
    for (const v of Object.values(node)) variableRefs(v, out);
  }
  return out;
}

function volumeTargets(service: Service): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of service.volumes ?? []) {
    if (typeof v === 'string') {
      const [source, target] = v.split(':');
      if (source && target) out.set(target, source);
    } else if (v.source && v.target) {
      out.set(v.target, v.source);
    }
  }
  return out;
}

const hasCompose = peerAvailable('docker-compose', 'docker-compose');

describe.skipIf(!hasCompose)('docker-compose config', () => {
  // Only PATH from the environment: a variable set in the shell would override .env.example.
  const run = (args: string[]) =>
    execFileSync('docker-compose', ['--env-file', envExample, '-f', composeFile, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  // describe.skipIf still runs this body to collect its tests: docker-compose only runs in beforeAll.
  let config: Compose = { services: {} };
  const { values } = readEnvExample();
  beforeAll(() => {
    config = parse(run(['config'])) as Compose;
  });

  it('validates with .env.example and resolves the four services', () => {
    expect(Object.keys(config.services).sort()).toEqual([...SERVICES].sort());
    expect(config.services.influxdb?.image).toBe('influxdb:2.7');
    expect(config.services.grafana?.image).toMatch(/^grafana\/grafana-oss:1[01]\.\d+\.\d+$/);
    for (const name of ['collector', 'agent']) {
      const s = config.services[name] as Service;
      expect(s.build, name).toBeDefined();
      expect(s.image, name).toBe(config.services.collector?.image);
    }
    expect(config.services.collector?.command).toEqual(['collector', '--config', '/etc/roomwatch/collector.yaml']);
    expect(config.services.agent?.command).toEqual(['agent', '--config', '/etc/roomwatch/agent.yaml']);
  });

  it('fails without the .env values instead of starting with empty secrets', () => {
    const tmp = tempDir('roomwatch-compose-');
    const emptyEnv = join(tmp.dir, 'empty.env');
    writeFileSync(emptyEnv, '# nothing set\n');
    let failed = false;
    try {
      execFileSync('docker-compose', ['--env-file', emptyEnv, '-f', composeFile, 'config', '-q'], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      failed = true;
      expect(String((err as { stderr?: unknown }).stderr)).toMatch(/Missing mandatory value.*set [A-Z_]+ in \.env/);
    } finally {
      tmp.cleanup();
    }
    expect(failed).toBe(true);
  });

  it('gives every service a healthcheck', () => {
    for (const name of SERVICES) {
      const hc = config.services[name]?.healthcheck;
      expect(hc, name).toBeDefined();
      expect(hc?.disable, name).not.toBe(true);
      expect(Array.isArray(hc?.test) ? hc.test.length : String(hc?.test ?? '').length, name).toBeGreaterThan(1);
    }
  });

  it('starts in order: InfluxDB healthy, then collector and Grafana, then the agent', () => {
    const cond = (svc: string, dep: string) => (config.services[svc]?.depends_on as Record<string, { condition?: string }>)[dep]?.condition;
    expect(cond('grafana', 'influxdb')).toBe('service_healthy');
    expect(cond('collector', 'influxdb')).toBe('service_healthy');
    expect(cond('agent', 'collector')).toBe('service_healthy');
  });

  it('keeps state in named volumes', () => {
    expect(Object.keys(config.volumes ?? {}).sort()).toEqual([...VOLUMES].sort());
    expect(volumeTargets(config.services.influxdb as Service).get('/var/lib/influxdb2')).toBe('influxdb-data');
    expect(volumeTargets(config.services.influxdb as Service).get('/etc/influxdb2')).toBe('influxdb-config');
    expect(volumeTargets(config.services.grafana as Service).get('/var/lib/grafana')).toBe('grafana-data');
    expect(volumeTargets(config.services.collector as Service).get('/var/lib/roomwatch')).toBe('collector-data');
    expect(volumeTargets(config.services.agent as Service).get('/var/lib/roomwatch')).toBe('agent-spool');
  });

  it('mounts the configuration, the DBRP init script and the dashboards', () => {
    const targets = (s: string) => volumeTargets(config.services[s] as Service);
    expect(targets('influxdb').get('/docker-entrypoint-initdb.d')).toBe(join(root, 'deploy/influxdb'));
    expect(targets('collector').get('/etc/roomwatch/collector.yaml')).toBe(join(root, 'deploy/collector.yaml'));
    expect(targets('agent').get('/etc/roomwatch/agent.yaml')).toBe(join(root, 'deploy/agent.yaml'));
    expect(targets('grafana').get('/etc/grafana/provisioning')).toBe(join(root, 'dashboards/provisioning'));
    expect(targets('grafana').get('/var/lib/grafana/dashboards/roomwatch')).toBe(join(root, 'dashboards/json'));
    expect(config.services.grafana?.environment?.INFLUX_URL).toBe('http://influxdb:8086');
  });

  it('takes every secret from .env: no token or password is written in the compose file', () => {
    const raw = rawCompose();
    let secrets = 0;
    for (const name of SERVICES) {
      for (const [key, value] of Object.entries(raw.services[name]?.environment ?? {})) {
        if (!SECRET_KEY.test(key)) continue;
        secrets++;
        // ${VAR:?message}: mandatory, and no default that could become a real password.
        const m = /^\$\{([A-Z][A-Z0-9_]*):\?[^}]*\}$/.exec(String(value));
        expect(m, `${name}.environment.${key} = ${String(value)}`).not.toBeNull();
        const variable = (m as RegExpExecArray)[1] as string;
        expect(values[variable], `${variable} in .env.example`).toBeDefined();
        expect(config.services[name]?.environment?.[key], `${name}.${key} resolved`).toBe(values[variable]);
      }
    }
    expect(secrets).toBeGreaterThanOrEqual(6);
    // The placeholder secrets of .env.example appear nowhere in the compose file itself.
    const composeText = readFileSync(composeFile, 'utf8');
    for (const [key, value] of Object.entries(values)) {
      if (SECRET_KEY.test(key)) expect(composeText.includes(value), key).toBe(false);
    }
    // The resolved config carries exactly the tokens the services need.
    expect(config.services.collector?.environment?.INFLUX_TOKEN).toBe(values.INFLUX_TOKEN);
    expect(config.services.grafana?.environment?.INFLUX_TOKEN).toBe(values.INFLUX_TOKEN);
    expect(config.services.influxdb?.environment?.DOCKER_INFLUXDB_INIT_ADMIN_TOKEN).toBe(values.INFLUX_TOKEN);
    expect(config.services.agent?.environment?.ROOMWATCH_AGENT_TOKEN).toBe(values.ROOMWATCH_AGENT_TOKEN);
    expect(config.services.agent?.environment?.INFLUX_TOKEN).toBeUndefined();
  });
});

describe('.env.example', () => {
  const { values, commented } = readEnvExample();

  it('defines, with a comment each, every variable the compose file uses', () => {
    const used = variableRefs(rawCompose());
    expect(used.size).toBeGreaterThan(5);
    for (const v of used) expect(values[v], `${v} is used by docker-compose.yml`).toBeDefined();
    for (const v of Object.keys(values)) expect(commented[v], `${v} has a comment`).toBe(true);
  });

  it('has placeholders, not secrets, and matches deploy/collector.yaml', () => {
    for (const [key, value] of Object.entries(values)) {
      if (SECRET_KEY.test(key)) expect(value, key).toMatch(/^change-me/);
    }
    const collector = parse(readFileSync(join(root, 'deploy/collector.yaml'), 'utf8')) as { store: { influxdb: { org: string; bucket: string } } };
    expect(collector.store.influxdb.org).toBe(values.INFLUX_ORG);
    expect(collector.store.influxdb.bucket).toBe(values.INFLUX_BUCKET);
  });

  it('is the only env file: no .env is kept in the repository', () => {
    expect(existsSync(join(root, '.env'))).toBe(false);
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['.env', 'node_modules', 'dist', 'data', '.git']) expect(ignored, entry).toContain(entry);
  });
});

describe('deploy/ configuration files', () => {
  const collectorPath = join(root, 'deploy/collector.yaml');
  const agentPath = join(root, 'deploy/agent.yaml');
  const collector = parse(readFileSync(collectorPath, 'utf8')) as {
    listen: { host: string; port: number };
    data_dir: string;
    store: { kind: string; local_retention: string; influxdb: Record<string, string> };
    agents: Array<{ name: string; token_env?: string; token_sha256?: string }>;
  };
  const agent = parse(readFileSync(agentPath, 'utf8')) as {
    agent: { name: string };
    collector: { url: string; token_env: string };
    spool: { dir: string };
    targets: Array<{ probe: string }>;
  };

  it('collector.yaml listens for the compose network and writes to the influxdb service', () => {
    expect(collector.listen).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(collector.data_dir).toBe('/var/lib/roomwatch');
    expect(collector.store.kind).toBe('influxdb');
    const influx = collector.store.influxdb;
    expect(new URL(influx.url as string).host).toBe('influxdb:8086');
    expect(influx.api).toBe('v2');
    expect(influx.token_env).toBe('INFLUX_TOKEN');
    expect(influx.database).toBe('roomwatch');
    expect(influx).not.toHaveProperty('token');
  });

  it('collector.yaml knows the compose agent by name, by the same token variable the agent sends', () => {
    expect(collector.agents.map((a) => a.name)).toEqual([agent.agent.name]);
    expect(collector.agents[0]?.token_env).toBe(agent.collector.token_env);
    expect(collector.agents[0]).not.toHaveProperty('token_sha256');
  });

  // No skip: the configuration loader accepts the InfluxDB store, so a schema that refuses it is a failure.
  it('collector.yaml loads with the collector configuration loader', () => {
    expect(Value.Check(CollectorFileSchema, { store: { kind: 'influxdb' } })).toBe(true);
    const saved = process.env.INFLUX_TOKEN;
    const savedAgent = process.env.ROOMWATCH_AGENT_TOKEN;
    process.env.INFLUX_TOKEN = 'test-token';
    process.env.ROOMWATCH_AGENT_TOKEN = 'agent-token';
    try {
      const config = loadCollectorConfig(collectorPath);
      expect(config.store.kind).toBe('influxdb');
      expect(config.agents).toEqual([{ name: 'compose-agent', tokenSha256: sha256Hex('agent-token') }]);
      expect(config.listen.port).toBe(8080);
      expect(config.dataDir).toBe('/var/lib/roomwatch');
    } finally {
      if (saved === undefined) delete process.env.INFLUX_TOKEN;
      else process.env.INFLUX_TOKEN = saved;
      if (savedAgent === undefined) delete process.env.ROOMWATCH_AGENT_TOKEN;
      else process.env.ROOMWATCH_AGENT_TOKEN = savedAgent;
    }
  });

  it('agent.yaml sends to the collector service and validates with the agent loader', () => {
    const url = new URL(agent.collector.url);
    expect(url.hostname).toBe('collector');
    expect(url.port).toBe('8080');
    expect(agent.collector.token_env).toBe('ROOMWATCH_AGENT_TOKEN');
    expect(agent.spool.dir.startsWith('/var/lib/roomwatch/')).toBe(true);
    expect(agent.targets.map((t) => t.probe)).toContain('host');
    const config = loadAgentConfig(agentPath, { ROOMWATCH_AGENT_TOKEN: 'test-token' });
    expect(config.name).toBe('compose-agent');
    expect(config.collector.url).toBe('http://collector:8080');
    expect(config.collector.token).toBe('test-token');
  });

  it('the agent service healthcheck watches the spool cursor of agent.yaml', () => {
    const hc = rawCompose().services.agent?.healthcheck?.test;
    expect(JSON.stringify(hc)).toContain(`${agent.spool.dir}/cursor.json`);
  });

  // The dashboard provider must read where compose mounts the JSON; a missing provider directory fails here.
  const providers = join(root, 'dashboards/provisioning/dashboards');
  it('Grafana reads the dashboards where docker-compose.yml mounts them', () => {
    expect(existsSync(providers), providers).toBe(true);
    const paths = readdirSync(providers)
      .filter((f) => /\.ya?ml$/.test(f))
      .flatMap((f) => (parse(readFileSync(join(providers, f), 'utf8')) as { providers?: Array<{ options?: { path?: string } }> }).providers ?? [])
      .map((p) => p.options?.path);
    expect(paths).toContain('/var/lib/grafana/dashboards/roomwatch');
    expect(volumeTargets(rawCompose().services.grafana as Service).get('/var/lib/grafana/dashboards/roomwatch')).toBe('./dashboards/json');
  });

  it('the InfluxDB init script is executable and creates the DBRP mapping', () => {
    const script = join(root, 'deploy/influxdb/10-roomwatch-dbrp.sh');
    accessSync(script, constants.X_OK);
    expect(statSync(script).mode & 0o005).toBe(0o005); // readable and executable whoever owns the checkout
    const text = readFileSync(script, 'utf8');
    expect(text.startsWith('#!/bin/bash\n')).toBe(true);
    expect(text).toMatch(/influx v1 dbrp create/);
    expect(text).toContain(`db="\${ROOMWATCH_INFLUX_DATABASE:-${collector.store.influxdb.database}}"`);
    execFileSync('bash', ['-n', script]);
  });

  it('the Dockerfile builds on bookworm and runs one non-root image for collector and agent', () => {
    const text = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(text).toMatch(/^FROM node:\$\{NODE_MAJOR\}-bookworm AS build$/m);
    expect(text).toMatch(/^FROM node:\$\{NODE_MAJOR\}-bookworm-slim AS runtime$/m);
    expect(text).toMatch(/^ARG NODE_MAJOR=20$/m);
    expect(text).toMatch(/^USER roomwatch/m);
    expect(text).toMatch(/^EXPOSE 8080$/m);
    expect(text).toMatch(/^HEALTHCHECK .*\n\s+CMD \["node", "-e", ".*\/healthz/m);
    expect(text).toContain('ENTRYPOINT ["node", "dist/bin/roomwatch.js"]');
    for (const path of ['rules', 'agent/profiles', 'agent/ssh/platforms.yaml', 'examples', 'dist', 'node_modules', 'package.json']) {
      expect(text, path).toContain(`COPY --from=build /src/${path} ./${path}`);
    }
  });
});
