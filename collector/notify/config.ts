/**
 * The `notify.channels` list of collector.yaml: one entry per channel, each
 * with its type's options (channels/registry.ts). Secrets come from the
 * environment or a file (`password_env`, `password_file`, `secret_env`,
 * `secret_file`), never logged.
 */
import { parseDuration } from '../../lib/units.js';
import { channelTypeOf, smtpOptionsOf as smtpOf, type ChannelConfig, type EmailChannelConfig } from './channels/registry.js';
import type { SmtpOptions } from './channels/email.js';
import type { Channel, Lang } from './types.js';

export { ChannelSchema, type ChannelConfig, type EmailChannelConfig } from './channels/registry.js';

/** The SMTP settings of an email channel; the daily report mails through the same server. */
export function smtpOptionsOf(c: EmailChannelConfig, vars: NodeJS.ProcessEnv = process.env, timeoutMs = c.timeout !== undefined ? parseDuration(c.timeout) : undefined): SmtpOptions & { lang?: Lang } {
  return smtpOf(c, { vars, timeoutMs });
}

/** The channels of `notify.channels`, and problems beyond the schema (duplicate names, unreadable secrets, bad patterns); paths are below `notify.channels`. */
export function buildChannels(list: ChannelConfig[], vars: NodeJS.ProcessEnv = process.env): { channels: Map<string, Channel>; problems: Array<{ path: (string | number)[]; message: string }> } {
  const channels = new Map<string, Channel>();
  const problems: Array<{ path: (string | number)[]; message: string }> = [];
  list.forEach((c, i) => {
    if (channels.has(c.name)) problems.push({ path: [i, 'name'], message: `channel '${c.name}' is defined twice` });
    const timeoutMs = c.timeout !== undefined ? parseDuration(c.timeout) : undefined;
    if (c.timeout !== undefined && timeoutMs === undefined) problems.push({ path: [i, 'timeout'], message: `'${c.timeout}' is not a duration` });
    const type = channelTypeOf(c.type);
    if (!type) {
      problems.push({ path: [i, 'type'], message: `no channel type is named '${c.type}'` });
      return;
    }
    try {
      channels.set(c.name, type.create(c, { vars, timeoutMs }));
    } catch (err) {
      problems.push({ path: [i], message: `channel '${c.name}': ${(err as Error).message}` });
    }
  });
  return { channels, problems };
}
