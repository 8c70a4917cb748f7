/**
 * The `notify.channels` list of collector.yaml: one entry per channel, each
 * with its type's options. Secrets come from the environment or a file
 * (`password_env`, `password_file`, `secret_env`, `secret_file`), never logged.
 */
import { readFileSync } from 'node:fs';
import Type, { type Static } from 'typebox';
import { parseDuration } from '../../lib/units.js';
import { EmailChannel, EmailToSmsChannel, type SmtpOptions } from './channels/email.js';
import { HttpSmsChannel, WebhookChannel } from './channels/http.js';
import type { Channel, Lang } from './types.js';
import { compileSafeRegex } from '../../lib/safe-regex.js';

const Lang = Type.Optional(Type.Enum(['zh-CN', 'en']));
const Secret = { password: Type.Optional(Type.String()), password_env: Type.Optional(Type.String()), password_file: Type.Optional(Type.String()) };
const Smtp = {
  host: Type.String({ minLength: 1 }),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  secure: Type.Optional(Type.Boolean()),
  require_tls: Type.Optional(Type.Boolean()),
  user: Type.Optional(Type.String()),
  ...Secret,
  from: Type.String({ minLength: 3 }),
  timeout: Type.Optional(Type.Union([Type.String(), Type.Number()])),
  lang: Lang,
};

export const ChannelSchema = Type.Union([
  Type.Object({ name: Type.String({ minLength: 1 }), type: Type.Literal('email'), ...Smtp }, { additionalProperties: false }),
  Type.Object({ name: Type.String({ minLength: 1 }), type: Type.Literal('email_sms'), ...Smtp, address: Type.String({ pattern: '\\{\\{phone\\}\\}@' }) }, { additionalProperties: false }),
  Type.Object(
    {
      name: Type.String({ minLength: 1 }),
      type: Type.Literal('sms_http'),
      method: Type.Enum(['GET', 'POST']),
      url: Type.String({ pattern: '^https?://' }),
      headers: Type.Optional(Type.Record(Type.String(), Type.String())),
      body: Type.Optional(Type.String()),
      signing: Type.Optional(
        Type.Object(
          { algorithm: Type.Enum(['hmac-sha256', 'md5']), input: Type.String(), encoding: Type.Optional(Type.Enum(['hex', 'base64'])), secret: Type.Optional(Type.String()), secret_env: Type.Optional(Type.String()), secret_file: Type.Optional(Type.String()) },
          { additionalProperties: false },
        ),
      ),
      success_match: Type.Optional(Type.String()),
      timeout: Type.Optional(Type.Union([Type.String(), Type.Number()])),
      lang: Lang,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      name: Type.String({ minLength: 1 }),
      type: Type.Literal('webhook'),
      url: Type.String({ pattern: '^https?://' }),
      format: Type.Enum(['json', 'wecom', 'dingtalk', 'feishu']),
      secret: Type.Optional(Type.String()),
      secret_env: Type.Optional(Type.String()),
      secret_file: Type.Optional(Type.String()),
      timeout: Type.Optional(Type.Union([Type.String(), Type.Number()])),
      lang: Lang,
    },
    { additionalProperties: false },
  ),
]);
export type ChannelConfig = Static<typeof ChannelSchema>;

/** A secret from inline text, an environment variable or a file; throws naming the source. */
function secret(inline: string | undefined, env: string | undefined, file: string | undefined, vars: NodeJS.ProcessEnv): string | undefined {
  if (inline !== undefined) return inline;
  if (env !== undefined) {
    const v = vars[env];
    if (!v) throw new Error(`environment variable ${env} is not set`);
    return v;
  }
  if (file !== undefined) return readFileSync(file, 'utf8').trim();
  return undefined;
}

/** Problems beyond the schema: duplicate names, unreadable secrets, bad patterns. Paths are below `notify.channels`. */
type EmailChannelConfig = Extract<ChannelConfig, { type: 'email' | 'email_sms' }>;

/** The SMTP settings of an email channel; the daily report mails through the same server. */
export function smtpOptionsOf(c: EmailChannelConfig, vars: NodeJS.ProcessEnv = process.env, timeoutMs = c.timeout !== undefined ? parseDuration(c.timeout) : undefined): SmtpOptions & { lang?: Lang } {
  return {
    host: c.host,
    port: c.port,
    secure: c.secure,
    requireTls: c.require_tls,
    user: c.user,
    password: secret(c.password, c.password_env, c.password_file, vars),
    from: c.from,
    timeoutMs,
    lang: c.lang as Lang | undefined,
  };
}

export function buildChannels(list: ChannelConfig[], vars: NodeJS.ProcessEnv = process.env): { channels: Map<string, Channel>; problems: Array<{ path: (string | number)[]; message: string }> } {
  const channels = new Map<string, Channel>();
  const problems: Array<{ path: (string | number)[]; message: string }> = [];
  list.forEach((c, i) => {
    if (channels.has(c.name)) problems.push({ path: [i, 'name'], message: `channel '${c.name}' is defined twice` });
    const timeoutMs = c.timeout !== undefined ? parseDuration(c.timeout) : undefined;
    if (c.timeout !== undefined && timeoutMs === undefined) problems.push({ path: [i, 'timeout'], message: `'${c.timeout}' is not a duration` });
    try {
      switch (c.type) {
        case 'email':
        case 'email_sms': {
          const smtp = smtpOptionsOf(c, vars, timeoutMs);
          channels.set(c.name, c.type === 'email' ? new EmailChannel(c.name, smtp) : new EmailToSmsChannel(c.name, { ...smtp, addressTemplate: c.address }));
          break;
        }
        case 'sms_http': {
          if (c.success_match) compileSafeRegex(c.success_match);
          const s = c.signing;
          const signing = s ? { algorithm: s.algorithm as 'hmac-sha256' | 'md5', input: s.input, encoding: s.encoding as 'hex' | 'base64' | undefined, secret: secret(s.secret, s.secret_env, s.secret_file, vars) ?? '' } : undefined;
          channels.set(c.name, new HttpSmsChannel(c.name, { method: c.method as 'GET' | 'POST', url: c.url, headers: c.headers, body: c.body, signing, successMatch: c.success_match, timeoutMs, lang: c.lang as Lang | undefined }));
          break;
        }
        case 'webhook':
          channels.set(c.name, new WebhookChannel(c.name, { url: c.url, format: c.format as 'json' | 'wecom' | 'dingtalk' | 'feishu', secret: secret(c.secret, c.secret_env, c.secret_file, vars), timeoutMs, lang: c.lang as Lang | undefined }));
          break;
      }
    } catch (err) {
      problems.push({ path: [i], message: `channel '${c.name}': ${(err as Error).message}` });
    }
  });
  return { channels, problems };
}
