/**
 * The notification channel types: the only place that knows every type of
 * channel collector.yaml can name under `notify.channels`. Each entry is the
 * type's options schema and how to build the channel from them; adding a
 * channel type is its class (beside this file) and one entry here.
 */
import Type, { type Static, type TObject } from 'typebox';
import { EmailChannel, EmailToSmsChannel, type SmtpOptions } from './email.js';
import { HttpSmsChannel, WebhookChannel, type WebhookFormat } from './http.js';
import { readSecret } from './secret.js';
import { compileSafeRegex } from '../../../lib/safe-regex.js';
import type { Channel, Lang } from '../types.js';

/** What building a channel may use besides its own options. */
export interface ChannelContext {
  /** The environment secrets are read from (`*_env`). */
  vars: NodeJS.ProcessEnv;
  /** The channel's `timeout`, already parsed. */
  timeoutMs?: number;
}

export interface ChannelType<S extends TObject = TObject> {
  /** The `type:` value in collector.yaml. */
  type: string;
  schema: S;
  create(config: Static<S>, ctx: ChannelContext): Channel;
}

function channelType<S extends TObject>(t: ChannelType<S>): ChannelType<S> {
  return t;
}

const LangOption = Type.Optional(Type.Enum(['zh-CN', 'en']));
const Timeout = Type.Optional(Type.Union([Type.String(), Type.Number()]));
const Name = Type.String({ minLength: 1 });
const Smtp = {
  host: Type.String({ minLength: 1 }),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  secure: Type.Optional(Type.Boolean()),
  require_tls: Type.Optional(Type.Boolean()),
  user: Type.Optional(Type.String()),
  password: Type.Optional(Type.String()),
  password_env: Type.Optional(Type.String()),
  password_file: Type.Optional(Type.String()),
  from: Type.String({ minLength: 3 }),
  timeout: Timeout,
  lang: LangOption,
};

const EmailSchema = Type.Object({ name: Name, type: Type.Literal('email'), ...Smtp }, { additionalProperties: false });
const EmailSmsSchema = Type.Object({ name: Name, type: Type.Literal('email_sms'), ...Smtp, address: Type.String({ pattern: '\\{\\{phone\\}\\}@' }) }, { additionalProperties: false });
export type EmailChannelConfig = Static<typeof EmailSchema> | Static<typeof EmailSmsSchema>;

/** The SMTP settings of an email channel; the daily report mails through the same server. */
export function smtpOptionsOf(c: EmailChannelConfig, ctx: ChannelContext): SmtpOptions & { lang?: Lang } {
  return {
    host: c.host,
    port: c.port,
    secure: c.secure,
    requireTls: c.require_tls,
    user: c.user,
    password: readSecret(c.password, c.password_env, c.password_file, ctx.vars),
    from: c.from,
    timeoutMs: ctx.timeoutMs,
    lang: c.lang as Lang | undefined,
  };
}

const email = channelType({ type: 'email', schema: EmailSchema, create: (c, ctx) => new EmailChannel(c.name, smtpOptionsOf(c, ctx)) });

const emailSms = channelType({
  type: 'email_sms',
  schema: EmailSmsSchema,
  create: (c, ctx) => new EmailToSmsChannel(c.name, { ...smtpOptionsOf(c, ctx), addressTemplate: c.address }),
});

const smsHttp = channelType({
  type: 'sms_http',
  schema: Type.Object(
    {
      name: Name,
      type: Type.Literal('sms_http'),
      method: Type.Enum(['GET', 'POST']),
      url: Type.String({ pattern: '^https?://' }),
      headers: Type.Optional(Type.Record(Type.String(), Type.String())),
      body: Type.Optional(Type.String()),
      signing: Type.Optional(
        Type.Object(
          {
            algorithm: Type.Enum(['hmac-sha256', 'md5']),
            input: Type.String(),
            encoding: Type.Optional(Type.Enum(['hex', 'base64'])),
            secret: Type.Optional(Type.String()),
            secret_env: Type.Optional(Type.String()),
            secret_file: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
      ),
      success_match: Type.Optional(Type.String()),
      timeout: Timeout,
      lang: LangOption,
    },
    { additionalProperties: false },
  ),
  create(c, ctx) {
    // Refused at load, naming the channel, rather than at the first page.
    if (c.success_match) compileSafeRegex(c.success_match);
    const s = c.signing;
    const signing = s
      ? {
          algorithm: s.algorithm as 'hmac-sha256' | 'md5',
          input: s.input,
          encoding: s.encoding as 'hex' | 'base64' | undefined,
          secret: readSecret(s.secret, s.secret_env, s.secret_file, ctx.vars) ?? '',
        }
      : undefined;
    return new HttpSmsChannel(c.name, {
      method: c.method as 'GET' | 'POST',
      url: c.url,
      headers: c.headers,
      body: c.body,
      signing,
      successMatch: c.success_match,
      timeoutMs: ctx.timeoutMs,
      lang: c.lang as Lang | undefined,
    });
  },
});

const webhook = channelType({
  type: 'webhook',
  schema: Type.Object(
    {
      name: Name,
      type: Type.Literal('webhook'),
      url: Type.String({ pattern: '^https?://' }),
      format: Type.Enum(['json', 'wecom', 'dingtalk', 'feishu']),
      secret: Type.Optional(Type.String()),
      secret_env: Type.Optional(Type.String()),
      secret_file: Type.Optional(Type.String()),
      timeout: Timeout,
      lang: LangOption,
    },
    { additionalProperties: false },
  ),
  create: (c, ctx) =>
    new WebhookChannel(c.name, {
      url: c.url,
      format: c.format as WebhookFormat,
      secret: readSecret(c.secret, c.secret_env, c.secret_file, ctx.vars),
      timeoutMs: ctx.timeoutMs,
      lang: c.lang as Lang | undefined,
    }),
});

/** Every channel type; a new type is one more entry in both lists. */
export const ChannelSchema = Type.Union([email.schema, emailSms.schema, smsHttp.schema, webhook.schema]);
export type ChannelConfig = Static<typeof ChannelSchema>;

// Each entry's create() takes its own options; the map erases that, and
// buildChannels hands each config only to the type its `type:` names.
const BY_TYPE = new Map<string, ChannelType>([email, emailSms, smsHttp, webhook].map((t) => [t.type, t as unknown as ChannelType]));

/** The definition of a channel type named in collector.yaml. */
export function channelTypeOf(type: string): ChannelType | undefined {
  return BY_TYPE.get(type);
}
