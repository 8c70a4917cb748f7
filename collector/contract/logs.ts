/**
 * Raw syslog lines from agents to the collector (issue #18): the agent's
 * syslog receiver forwards every admitted line, batched and spooled like
 * samples, to `POST /api/v1/logs/ingest`; the collector keeps them for a
 * bounded retention and serves them at `GET /api/v1/logs`.
 */
import Type, { type Static } from 'typebox';

export const LOGS_INGEST_PATH = '/api/v1/logs/ingest';
export const LOGS_PATH = '/api/v1/logs';
/** A line longer than this is cut by the agent (the receiver's max_message is larger only for matching). */
export const LOG_TEXT_MAX = 8_192;
export const LOG_BATCH_MAX = 5_000;

export const LogLine = Type.Object(
  {
    /** The device the line is about: the sender's name from the syslog target's `devices`, else its address. */
    device: Type.String({ minLength: 1, maxLength: 256 }),
    /** Epoch ms from the message's own timestamp, else when the agent received it. */
    ts: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    received_at: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    /** The sender's address. */
    source: Type.String({ maxLength: 256 }),
    facility: Type.Integer({ minimum: 0, maximum: 23 }),
    severity: Type.Integer({ minimum: 0, maximum: 7 }),
    host: Type.Optional(Type.String({ maxLength: 256 })),
    app: Type.Optional(Type.String({ maxLength: 256 })),
    mnemonic: Type.Optional(Type.String({ maxLength: 256 })),
    text: Type.String({ maxLength: LOG_TEXT_MAX }),
    /** utf8, gbk or escaped (bytes that were neither). */
    encoding: Type.Optional(Type.String({ maxLength: 16 })),
    /** The patterns the agent matched, if any. */
    patterns: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 64 })),
  },
  { additionalProperties: false },
);
export type LogLine = Static<typeof LogLine>;

export const LogBatch = Type.Object(
  {
    agent: Type.String({ minLength: 1, maxLength: 128 }),
    batch_id: Type.String({ minLength: 8, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' }),
    lines: Type.Array(LogLine, { maxItems: LOG_BATCH_MAX }),
  },
  { additionalProperties: false },
);
export type LogBatch = Static<typeof LogBatch>;

export const LogBatchReply = Type.Object({
  ok: Type.Boolean(),
  batch_id: Type.String(),
  duplicate: Type.Boolean(),
  accepted: Type.Integer(),
});
