/**
 * The wire contract between agents and the collector (docs/architecture.md §2). The agent
 * imports nothing else from collector/, so everything both sides must agree on
 * lives here.
 */
import Type, { type Static } from 'typebox';

/** Measurement, field and tag names: what InfluxDB and Grafana handle without quoting. */
export const NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_.-]*$';

export const DEVICE_CLASSES = [
  'server',
  'minicomputer',
  'storage',
  'san',
  'tape',
  'network',
  'security',
  'database',
  'ups',
  'precision_ac',
  'environment',
  /** Nothing identified the device (SNMP detection lists the evidence it looked at). */
  'unknown',
] as const;
export type DeviceClass = (typeof DEVICE_CLASSES)[number];

/** Epoch milliseconds after 2000-01-01: anything earlier is a broken clock, not data. */
export const MIN_TS_MS = 946_684_800_000;

/** String field values are for states and short messages, not logs. */
export const MAX_STRING_FIELD_CHARS = 1024;

export const FieldValue = Type.Union([Type.Number(), Type.Boolean(), Type.String({ maxLength: MAX_STRING_FIELD_CHARS })]);

export const Sample = Type.Object(
  {
    measurement: Type.String({ minLength: 1, maxLength: 128, pattern: NAME_PATTERN }),
    tags: Type.Object(
      { device: Type.String({ minLength: 1, maxLength: 256 }) },
      {
        additionalProperties: Type.String({ maxLength: 256 }),
        propertyNames: { pattern: NAME_PATTERN, maxLength: 128 },
        maxProperties: 32,
      },
    ),
    fields: Type.Record(Type.String({ pattern: NAME_PATTERN }), FieldValue, {
      minProperties: 1,
      maxProperties: 256,
      propertyNames: { pattern: NAME_PATTERN, maxLength: 128 },
      additionalProperties: false,
    }),
    ts: Type.Integer({ minimum: MIN_TS_MS }),
  },
  { additionalProperties: false },
);
/**
 * Static<> cannot see that `tags` admits further string-valued keys
 * (additionalProperties), so the index signature is added here.
 */
export type SampleTags = { device: string } & Record<string, string>;
export type Sample = Omit<Static<typeof Sample>, 'tags'> & { tags: SampleTags };

export const DeviceMeta = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    class: Type.Enum([...DEVICE_CLASSES]),
    vendor: Type.Optional(Type.String({ maxLength: 128 })),
    model: Type.Optional(Type.String({ maxLength: 256 })),
    os: Type.Optional(Type.String({ maxLength: 256 })),
    serial: Type.Optional(Type.String({ maxLength: 128 })),
    address: Type.Optional(Type.String({ maxLength: 256 })),
    site: Type.Optional(Type.String({ maxLength: 128 })),
    room: Type.Optional(Type.String({ maxLength: 128 })),
    parent: Type.Optional(Type.String({ maxLength: 256 })),
    labels: Type.Optional(
      Type.Record(Type.String({ pattern: NAME_PATTERN }), Type.String({ maxLength: 256 }), {
        maxProperties: 32,
        additionalProperties: false,
      }),
    ),
  },
  { additionalProperties: false },
);
export type DeviceMeta = Static<typeof DeviceMeta>;

export const IngestBatch = Type.Object(
  {
    agent: Type.String({ minLength: 1, maxLength: 128 }),
    // A safe integer: `seq: 1e308` was accepted and shown for ever.
    seq: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    batch_id: Type.String({ minLength: 8, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' }),
    sent_at: Type.Optional(Type.Integer({ minimum: 0 })),
    devices: Type.Optional(Type.Array(DeviceMeta, { maxItems: 10_000 })),
    samples: Type.Array(Sample),
  },
  { additionalProperties: false },
);
export type IngestBatch = Omit<Static<typeof IngestBatch>, 'samples'> & { samples: Sample[] };

export const IngestReply = Type.Object({
  ok: Type.Boolean(),
  batch_id: Type.String(),
  /** True when the batch had been applied before: acknowledged, not applied again. */
  duplicate: Type.Boolean(),
  accepted: Type.Integer(),
  /** The collector's clock when it answered, so agents can estimate their offset. */
  server_time: Type.Integer(),
  /** What the collector applied differently from what was sent, e.g. a parent link that would loop. */
  warnings: Type.Optional(Type.Array(Type.String())),
});
export type IngestReply = Static<typeof IngestReply>;

export const ErrorReply = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String(),
  /** RW_DEVICE_NOT_OWNED: every device refused, so an agent can set exactly those aside and send the rest. */
  devices: Type.Optional(Type.Array(Type.String())),
});
export type ErrorReply = Static<typeof ErrorReply>;

export const INGEST_PATH = '/api/v1/ingest';
