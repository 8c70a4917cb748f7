/**
 * One SSH connection per target on ssh2, reused across checks: opened on the
 * first command, kept alive with keepalives, and opened again on the next
 * command after it drops (sshd restarted, network blip). Commands run in
 * their own channels, at most `maxSessions` at once (sshd's MaxSessions is 10
 * by default), each with a timeout after which the remote command is killed.
 */
import { readFileSync } from 'node:fs';
import type { Client, ClientChannel, ConnectConfig } from 'ssh2';
import { Semaphore } from '../../lib/semaphore.js';
import { HostKeyMismatchError, verifyHostKey, type HostKeyPolicy } from './hostkeys.js';

/**
 * ssh2, loaded at the first connection: its WebAssembly poly1305 alone
 * reserves about 16 MB, which an agent without SSH targets should not carry
 * (issue #15, measured with process.memoryUsage().external).
 */
let ssh2Module: Promise<typeof import('ssh2')> | undefined;
const loadSsh2 = (): Promise<typeof import('ssh2')> => (ssh2Module ??= import('ssh2').then((m) => (m as { default?: typeof import('ssh2') }).default ?? m));

export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
  privateKey?: Buffer;
  /** Read at each connect, so a rotated key is picked up without a restart. */
  keyFile?: string;
  passphrase?: string;
  /** Discouraged: prefer keys. */
  password?: string;
  hostKey: HostKeyPolicy;
}

export interface SshConnectionOptions extends SshEndpoint {
  /** An optional bastion the connection is tunnelled through. */
  jump?: SshEndpoint;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  maxSessions: number;
  /** Output beyond this is cut off and the command reported as failed. */
  maxOutputBytes?: number;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal?: string;
}

export interface ExecOptions {
  input?: string;
  posix?: boolean;
  /** Hears stdout as it arrives (a chunk may end mid-line or mid-character). */
  onStdout?: (chunk: string) => void;
  /** Aborting kills the command as its timeout would: CommandTimeoutError, with what it printed. */
  signal?: AbortSignal;
}

export type SshFailure = 'timeout' | 'auth' | 'hostkey_mismatch' | 'refused' | 'error';

export class SshError extends Error {
  constructor(
    message: string,
    readonly failure: SshFailure,
  ) {
    super(message);
    this.name = 'SshError';
  }
}

const PGID_MARK = '__roomwatch_pgid';
const PGID_LINE = new RegExp(`^${PGID_MARK} \\d+\\r?\\n`);

export class CommandTimeoutError extends Error {
  /** The remote process group, when the shell reported it. */
  pgid: number | undefined;
  /** What the command printed before it was killed. */
  stdout = '';
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(`command '${command}' did not finish within ${timeoutMs} ms and was killed`);
    this.name = 'CommandTimeoutError';
  }
}

const DEFAULT_MAX_OUTPUT = 8 * 1024 * 1024;

function classify(err: Error & { level?: string; code?: string }): SshError {
  if (err instanceof HostKeyMismatchError) return new SshError(err.message, 'hostkey_mismatch');
  if (err.level === 'client-authentication') return new SshError(`authentication failed: ${err.message}`, 'auth');
  if (err.level === 'client-timeout' || /timed out/i.test(err.message)) return new SshError(err.message, 'timeout');
  if (err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH') return new SshError(err.message, 'refused');
  return new SshError(err.message, 'error');
}

export class SshConnection {
  private client: Client | undefined;
  private jumpClient: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private readonly sessions: Semaphore;
  /** Connections opened so far: 1 when every check reused the first. */
  connects = 0;
  /** The fingerprint the server presented on the last handshake. */
  fingerprint: string | undefined;

  constructor(private readonly opts: SshConnectionOptions) {
    this.sessions = new Semaphore(opts.maxSessions);
  }

  get connected(): boolean {
    return this.client !== undefined;
  }

  /** Opens the connection if it is not open; rejects with SshError. */
  async ready(): Promise<void> {
    await this.connect();
  }

  /**
   * Runs `command`; rejects with SshError (connection) or CommandTimeoutError.
   * A non-zero exit is a result, not an error. With `posix` (the default) the
   * remote shell first reports its process group, so a command that hangs is
   * killed with its children: sshd sends no SIGHUP to sessions without a
   * terminal, and not every sshd honours the channel's signal request.
   */
  async exec(command: string, timeoutMs: number, opts: ExecOptions = {}): Promise<CommandResult> {
    return this.sessions.run(async () => {
      const client = await this.connect();
      const posix = opts.posix ?? true;
      const wrapped = posix ? `echo "${PGID_MARK} $$" >&2; ${command}` : command;
      try {
        const result = await this.run(client, wrapped, timeoutMs, opts.input, command, opts);
        if (posix) result.stderr = result.stderr.replace(PGID_LINE, '');
        return result;
      } catch (err) {
        if (err instanceof CommandTimeoutError && posix && err.pgid !== undefined) await this.killGroup(client, err.pgid);
        throw err;
      }
    });
  }

  /** Kills a timed-out command's process group from a second channel. */
  private async killGroup(client: Client, pgid: number): Promise<void> {
    try {
      await this.run(client, `kill -KILL -- -${pgid} 2>/dev/null || kill -KILL ${pgid}`, 5_000, undefined, 'kill');
    } catch {
      // The connection may be gone with the command; nothing more can be done from here.
    }
  }

  private connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<Client> {
    let sock: ConnectConfig['sock'];
    if (this.opts.jump) {
      const jump = await this.handshake(this.opts.jump);
      this.jumpClient = jump;
      sock = await new Promise((resolve, reject) => jump.forwardOut('127.0.0.1', 0, this.opts.host, this.opts.port, (err, stream) => (err ? reject(classify(err)) : resolve(stream))));
    }
    const client = await this.handshake(this.opts, sock);
    this.connects++;
    const forget = () => {
      if (this.client === client) this.client = undefined;
    };
    client.on('close', forget);
    client.on('end', forget);
    client.on('error', forget);
    this.client = client;
    return client;
  }

  private async handshake(ep: SshEndpoint, sock?: ConnectConfig['sock']): Promise<Client> {
    const { Client } = await loadSsh2();
    let privateKey = ep.privateKey;
    if (privateKey === undefined && ep.keyFile !== undefined) {
      try {
        privateKey = readFileSync(ep.keyFile);
      } catch (err) {
        throw new SshError(`cannot read key_file ${ep.keyFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'auth');
      }
    }
    return new Promise((resolve, reject) => {
      const client = new Client();
      let mismatch: HostKeyMismatchError | undefined;
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        client.end();
        reject(classify(mismatch ?? err));
      };
      client.once('ready', () => {
        settled = true;
        resolve(client);
      });
      client.on('error', fail);
      client.once('close', () => fail(new Error(`connection to ${ep.host}:${ep.port} closed during the handshake`)));
      client.connect({
        host: ep.host,
        port: ep.port,
        username: ep.user,
        privateKey,
        passphrase: ep.passphrase,
        password: ep.password,
        sock,
        readyTimeout: this.opts.connectTimeoutMs,
        keepaliveInterval: this.opts.keepaliveIntervalMs,
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer) => {
          try {
            const fp = verifyHostKey(ep.hostKey, ep.host, ep.port, key);
            if (ep === this.opts) this.fingerprint = fp;
            return true;
          } catch (err) {
            if (err instanceof HostKeyMismatchError) mismatch = err;
            return false;
          }
        },
      });
    });
  }

  private run(client: Client, command: string, timeoutMs: number, input: string | undefined, label: string, watch: Pick<ExecOptions, 'onStdout' | 'signal'> = {}): Promise<CommandResult> {
    const max = this.opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    return new Promise((resolve, reject) => {
      client.exec(command, (err, stream: ClientChannel) => {
        if (err) {
          // A channel that cannot open means the connection is unusable: drop it so the next command reconnects.
          this.drop(client);
          reject(classify(err));
          return;
        }
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let size = 0;
        let done = false;
        const kill = () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          watch.signal?.removeEventListener('abort', kill);
          // Ask sshd to kill the command, then close the channel (which also hangs up its session).
          try {
            stream.signal('KILL');
          } catch {
            // Older servers do not take signals; closing the channel is then what ends it.
          }
          stream.close();
          const timeout = new CommandTimeoutError(label, timeoutMs);
          const mark = new RegExp(`^${PGID_MARK} (\\d+)`).exec(Buffer.concat(errOut).toString('utf8'));
          if (mark) timeout.pgid = Number(mark[1]);
          timeout.stdout = Buffer.concat(out).toString('utf8');
          reject(timeout);
        };
        const timer = setTimeout(kill, timeoutMs);
        // The caller's own, finer limit (a query group's) ends the command the same way as the timeout.
        if (watch.signal?.aborted) queueMicrotask(kill);
        else watch.signal?.addEventListener('abort', kill, { once: true });
        const take = (list: Buffer[]) => (chunk: Buffer) => {
          size += chunk.length;
          if (size > max) {
            if (!done) {
              done = true;
              clearTimeout(timer);
              stream.close();
              reject(new SshError(`command '${label}' printed more than ${max} bytes`, 'error'));
            }
            return;
          }
          list.push(chunk);
        };
        const keep = take(out);
        stream.on('data', (chunk: Buffer) => {
          keep(chunk);
          if (!done) watch.onStdout?.(chunk.toString('utf8'));
        });
        stream.stderr.on('data', take(errOut));
        stream.on('close', (code: number | null, signal?: string) => {
          clearTimeout(timer);
          watch.signal?.removeEventListener('abort', kill);
          if (done) return;
          done = true;
          resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8'), code: code ?? null, signal });
        });
        if (input !== undefined) stream.end(input);
      });
    });
  }

  private drop(client: Client): void {
    if (this.client === client) this.client = undefined;
    client.end();
  }

  close(): void {
    this.client?.end();
    this.jumpClient?.end();
    this.client = undefined;
    this.jumpClient = undefined;
  }
}
