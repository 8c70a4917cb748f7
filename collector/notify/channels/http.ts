/**
 * HTTP channels: an SMS gateway with a configurable request template and
 * signature, and chat robots (WeCom, DingTalk, Feishu) or a plain JSON
 * webhook. They share one POST-and-classify path: network errors, timeouts,
 * 429 and 5xx are retryable; other 4xx, or a 2xx whose body says it failed,
 * are not.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { dingtalkMessage, feishuMessage, wecomMessage } from '../cards.js';
import { renderSms } from '../templates.js';
import type { Channel, Lang, NotificationContent, Recipient, SendResult } from '../types.js';
import { compileSafeRegex, type SafeRegex } from '../../../lib/safe-regex.js';

export interface HttpCall {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** Sends a request and decides: ok, retryable or final. `accept` checks a 2xx body. */
export async function callHttp(call: HttpCall, timeoutMs: number, signal: AbortSignal, accept?: (body: string) => string | undefined): Promise<SendResult> {
  let res: Response;
  try {
    res = await fetch(call.url, { method: call.method, headers: call.headers, body: call.body, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { ok: false, retryable: true, error: `${e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : e.message}${e.cause?.code ? ` (${e.cause.code})` : ''}` };
  }
  const text = (await res.text().catch(() => '')).slice(0, 300);
  if (res.status === 429 || res.status >= 500) return { ok: false, retryable: true, error: `HTTP ${res.status}: ${text}` };
  if (res.status < 200 || res.status > 299) return { ok: false, retryable: false, error: `HTTP ${res.status}: ${text}` };
  const refusal = accept?.(text);
  return refusal ? { ok: false, retryable: false, error: refusal } : { ok: true, detail: text };
}

/** `{{name}}` placeholders; unknown names are left as they are so a typo shows in the request. */
export function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (m, name: string) => vars[name] ?? m);
}

export interface SmsGatewayOptions {
  method: 'GET' | 'POST';
  /** e.g. `https://sms.example.net/send?to={{phone}}&text={{text}}`: values in the URL are URL-encoded. */
  url: string;
  headers?: Record<string, string>;
  /** e.g. `{"to":"{{phone}}","text":{{text_json}},"ts":{{timestamp}},"sign":"{{signature}}"}` */
  body?: string;
  signing?: { algorithm: 'hmac-sha256' | 'md5'; secret: string; input: string; encoding?: 'hex' | 'base64' };
  /** A regular expression a 2xx body must match, e.g. `"code"\s*:\s*0`. */
  successMatch?: string;
  timeoutMs?: number;
  lang?: Lang;
}

export class HttpSmsChannel implements Channel {
  readonly kind = 'sms' as const;
  private readonly success: SafeRegex | undefined;

  constructor(
    readonly name: string,
    private readonly opts: SmsGatewayOptions,
  ) {
    this.success = opts.successMatch ? compileSafeRegex(opts.successMatch) : undefined;
  }

  canReach(r: Recipient): boolean {
    return Boolean(r.phone);
  }

  /** The request for one message; exported through the class for tests and `roomwatch notify test`. */
  request(content: NotificationContent, r: Recipient, now = Date.now()): HttpCall {
    const text = renderSms(content, r.lang ?? this.opts.lang ?? 'en').text;
    const vars: Record<string, string> = {
      phone: r.phone ?? '',
      text,
      text_urlencoded: encodeURIComponent(text),
      text_json: JSON.stringify(text),
      timestamp: String(Math.floor(now / 1000)),
      nonce: randomBytes(8).toString('hex'),
    };
    const s = this.opts.signing;
    if (s) {
      const input = fill(s.input, vars);
      const digest = s.algorithm === 'md5' ? createHash('md5').update(input + s.secret) : createHmac('sha256', s.secret).update(input);
      vars.signature = digest.digest(s.encoding ?? 'hex');
    }
    const headers = Object.fromEntries(Object.entries(this.opts.headers ?? {}).map(([k, v]) => [k, fill(v, vars)]));
    // Values placed in the URL are URL-encoded (a `+` in a phone number is not a space); `*_urlencoded` already are.
    const urlVars = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, k.endsWith('_urlencoded') ? v : encodeURIComponent(v)]));
    return { method: this.opts.method, url: fill(this.opts.url, urlVars), headers, body: this.opts.body ? fill(this.opts.body, vars) : undefined };
  }

  async send(content: NotificationContent, r: Recipient, signal: AbortSignal): Promise<SendResult> {
    if (!r.phone) return { ok: false, retryable: false, error: `contact ${r.name} has no phone number` };
    return callHttp(this.request(content, r), this.opts.timeoutMs ?? 10_000, signal, (body) => (this.success && !this.success.test(body) ? `gateway refused the message: ${body}` : undefined));
  }
}

export type WebhookFormat = 'json' | 'wecom' | 'dingtalk' | 'feishu';

export interface WebhookOptions {
  url: string;
  format: WebhookFormat;
  /** DingTalk and Feishu robots' "signature" security setting. */
  secret?: string;
  timeoutMs?: number;
  lang?: Lang;
}

/** The robots answer 200 with an error code in the body: 0 is success. */
function robotRefusal(body: string): string | undefined {
  try {
    const b = JSON.parse(body) as { errcode?: number; code?: number; StatusCode?: number; errmsg?: string; msg?: string };
    const code = b.errcode ?? b.code ?? b.StatusCode ?? 0;
    return code === 0 ? undefined : `robot refused the message: ${code} ${b.errmsg ?? b.msg ?? ''}`.trim();
  } catch {
    return undefined;
  }
}

export class WebhookChannel implements Channel {
  readonly kind = 'webhook' as const;

  constructor(
    readonly name: string,
    private readonly opts: WebhookOptions,
  ) {}

  /** Robots and webhooks need no contact details: they post to a group. */
  canReach(): boolean {
    return true;
  }

  request(content: NotificationContent, now = Date.now()): HttpCall {
    const lang = this.opts.lang ?? 'en';
    const json = { 'content-type': 'application/json' };
    switch (this.opts.format) {
      case 'wecom':
        return { method: 'POST', url: this.opts.url, headers: json, body: JSON.stringify(wecomMessage(content, lang)) };
      case 'dingtalk': {
        // DingTalk custom robot signing: HmacSHA256(key = secret, message = timestamp_ms + "\n" + secret), base64, URL-encoded.
        let url = this.opts.url;
        if (this.opts.secret) {
          const sign = createHmac('sha256', this.opts.secret).update(`${now}\n${this.opts.secret}`).digest('base64');
          url += `${url.includes('?') ? '&' : '?'}timestamp=${now}&sign=${encodeURIComponent(sign)}`;
        }
        return { method: 'POST', url, headers: json, body: JSON.stringify(dingtalkMessage(content, lang)) };
      }
      case 'feishu': {
        // Feishu/Lark custom bot signing: HmacSHA256(key = timestamp_s + "\n" + secret, message = empty), base64.
        const ts = Math.floor(now / 1000);
        const signed = this.opts.secret ? { timestamp: String(ts), sign: createHmac('sha256', `${ts}\n${this.opts.secret}`).update('').digest('base64') } : {};
        return { method: 'POST', url: this.opts.url, headers: json, body: JSON.stringify({ ...signed, ...feishuMessage(content, lang) }) };
      }
      default:
        return { method: 'POST', url: this.opts.url, headers: json, body: JSON.stringify({ ...content, text: renderSms(content, lang).text }) };
    }
  }

  async send(content: NotificationContent, _r: Recipient, signal: AbortSignal): Promise<SendResult> {
    return callHttp(this.request(content), this.opts.timeoutMs ?? 10_000, signal, this.opts.format === 'json' ? undefined : robotRefusal);
  }
}
