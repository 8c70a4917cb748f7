/**
 * A real OpenLDAP slapd for the sign-in tests (Debian: slapd, ldap-utils):
 * its own slapd.conf and MDB directory in a temp dir, seeded with slapadd,
 * listening on 127.0.0.1 on a free port, in the foreground (-d 0).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort, tempDir } from '../helpers.js';

export const SUFFIX = 'dc=example,dc=org';
export const ROOT_DN = `cn=admin,${SUFFIX}`;
export const ROOT_PW = 'slapd-root-secret';

export interface Slapd {
  url: string;
  /** Runs ldapmodify as the root DN with this LDIF. */
  modify(ldif: string): void;
  stop(): Promise<void>;
}

const conf = (dir: string) => `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile ${dir}/slapd.pid
database mdb
maxsize 10485760
suffix "${SUFFIX}"
rootdn "${ROOT_DN}"
rootpw ${ROOT_PW}
directory ${dir}/db
access to attrs=userPassword by anonymous auth by self write by * none
access to * by * read
`;

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

export async function startSlapd(ldif: string): Promise<Slapd> {
  const tmp = tempDir('roomwatch-slapd-');
  mkdirSync(join(tmp.dir, 'db'));
  const confFile = join(tmp.dir, 'slapd.conf');
  writeFileSync(confFile, conf(tmp.dir));
  writeFileSync(join(tmp.dir, 'seed.ldif'), ldif);
  execFileSync('slapadd', ['-f', confFile, '-l', join(tmp.dir, 'seed.ldif')], { stdio: 'pipe' });
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('slapd', ['-f', confFile, '-h', `${url}/`, '-d', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  for (let i = 0; i < 100 && !(await listening(port)); i++) {
    if (child.exitCode !== null) throw new Error(`slapd exited ${child.exitCode}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    modify: (text) => void execFileSync('ldapmodify', ['-x', '-H', url, '-D', ROOT_DN, '-w', ROOT_PW], { input: text, stdio: ['pipe', 'pipe', 'pipe'] }),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      tmp.cleanup();
    },
  };
}
