/**
 * The YAML shape of a device profile (agent/profiles/*.yaml). The README's
 * "Adding a vendor" section documents every key; this schema is the contract.
 */
import Type, { type Static } from 'typebox';
import { DEVICE_CLASSES } from '../../collector/contract/index.js';

const OID = Type.String({ pattern: '^\\.?[0-9]+(\\.[0-9]+)+$' });
/** One OID, or several tried in order (a 64-bit HC column first, its 32-bit twin next). */
const Oids = Type.Union([OID, Type.Array(OID, { minItems: 1, maxItems: 8 })]);
const MetricName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_-]*\\.[A-Za-z_][A-Za-z0-9_.-]*$' });
const TagName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$' });

export const MetricSpecSchema = Type.Object(
  {
    metric: MetricName,
    oid: Type.Optional(Oids),
    expr: Type.Optional(Type.String({ minLength: 1 })),
    /** Enum states to numbers; null drops the reading quietly (a state that means "no data"). */
    map: Type.Optional(Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()]))),
    map_default: Type.Optional(Type.Number()),
    counter: Type.Optional(Type.Boolean()),
    scale: Type.Optional(Type.Number()),
    divisor: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    aggregate: Type.Optional(Type.Union([Type.Literal('sum'), Type.Literal('avg'), Type.Literal('min'), Type.Literal('max'), Type.Literal('count')])),
    tags: Type.Optional(Type.Record(TagName, Type.String({ maxLength: 256 }))),
    /** Raw values the MIB names as "unknown" for this object, besides the usual sentinels (-1, 65535, 2^31-1, -2^31, 2^32-1). */
    unknown: Type.Optional(Type.Array(Type.Number(), { maxItems: 16 })),
    /** The raw sentinels mean real values for this object (a temperature that may read -1): only `unknown` applies. */
    sentinels: Type.Optional(Type.Boolean()),
    /** The plausible range of the final value, overriding the catalog's (agent/snmp/plausible.ts). */
    range: Type.Optional(Type.Tuple([Type.Number(), Type.Number()])),
  },
  { additionalProperties: false },
);

export const TableSpecSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    /** Row tags: a column OID (or several tried in order), `index`, or a template with {index} and {column}. */
    tags: Type.Optional(Type.Record(TagName, Type.Union([Oids, Type.String({ minLength: 1 })]))),
    /** Named columns that computed fields and `where` read without emitting them. */
    columns: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Oids)),
    where: Type.Optional(Type.String({ minLength: 1 })),
    max_rows: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    /** A table many devices legitimately lack (fans on a fanless box): its absence is not reported. */
    optional: Type.Optional(Type.Boolean()),
    metrics: Type.Array(MetricSpecSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export const MatchSchema = Type.Object(
  {
    sys_object_id: Type.Optional(OID),
    sys_descr: Type.Optional(Type.String({ minLength: 1 })),
    oid_exists: Type.Optional(OID),
  },
  { additionalProperties: false, minProperties: 1 },
);

const DeviceField = Type.Union([Type.String({ maxLength: 256 }), Type.Object({ oid: OID }, { additionalProperties: false })]);

export const TrapSpecSchema = Type.Object(
  {
    /** The notification's snmpTrapOID (v2c), or enterprise.0.specific for v1 traps. */
    oid: OID,
    event: Type.String({ pattern: '^[a-z][a-z0-9_]*$' }),
    /** The event's value (1 by default); 0 for a trap that reports the problem went away. */
    value: Type.Optional(Type.Number()),
    /**
     * The event's value from a varbind, for traps that carry the new state (Brocade
     * swFCPortScn): the first varbind under `oid`, through `map`; an unmapped or null
     * state ignores the trap. A 0 ends the event at once, like a clearing trap.
     */
    value_from: Type.Optional(Type.Object({ oid: OID, map: Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()])) }, { additionalProperties: false })),
    /** Events this trap ends at once (linkUp ends link_down for the same tags). */
    clears: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_]*$' }))),
    /** Tags from varbinds: the varbind's OID prefix (its value is the tag), `index:OID` (the varbind's index), or text. */
    tags: Type.Optional(Type.Record(TagName, Type.String({ minLength: 1 }))),
    summary: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);

/**
 * A standard module's anchors: if a GETNEXT on any anchor lands inside it, the
 * device implements the module and every device's poll plan gains it, whatever
 * vendor profile matched. `evidence` ranks what the module says about the
 * device's class (agent/snmp/detect.ts holds the one precedence list).
 */
export const DetectSchema = Type.Object(
  {
    anchors: Type.Array(OID, { minItems: 1, maxItems: 16 }),
    evidence: Type.Optional(Type.Enum(['ups', 'tape', 'fc', 'precision_ac', 'environment', 'security', 'bmc', 'host', 'bridging', 'none'])),
    class: Type.Optional(Type.Enum([...DEVICE_CLASSES])),
    /** The class from the first row of a column the GETNEXT also reads (FC-MGMT connUnitType: switch → san). */
    class_from: Type.Optional(Type.Object({ oid: OID, map: Type.Record(Type.String(), Type.Enum([...DEVICE_CLASSES])) }, { additionalProperties: false })),
    /** Modules this one rules out (a BMC's HOST-RESOURCES describe the controller, not the server). */
    excludes: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  },
  { additionalProperties: false },
);

export const ProfileFileSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]*$' }),
    description: Type.Optional(Type.String()),
    extends: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** Detected modules this vendor profile leaves out of its devices' plans. */
    excludes: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    detect: Type.Optional(DetectSchema),
    match: Type.Optional(Type.Array(MatchSchema)),
    device: Type.Optional(
      Type.Object(
        {
          class: Type.Optional(Type.Enum([...DEVICE_CLASSES])),
          vendor: Type.Optional(Type.String({ maxLength: 128 })),
          model: Type.Optional(DeviceField),
          os: Type.Optional(DeviceField),
          serial: Type.Optional(DeviceField),
        },
        { additionalProperties: false },
      ),
    ),
    scalars: Type.Optional(Type.Array(MetricSpecSchema)),
    tables: Type.Optional(Type.Array(TableSpecSchema)),
    traps: Type.Optional(Type.Array(TrapSpecSchema)),
  },
  { additionalProperties: false },
);

export type MetricSpec = Static<typeof MetricSpecSchema>;
export type TableSpec = Static<typeof TableSpecSchema>;
export type MatchSpec = Static<typeof MatchSchema>;
export type TrapSpec = Static<typeof TrapSpecSchema>;
export type ProfileFile = Static<typeof ProfileFileSchema>;
export type DetectSpec = Static<typeof DetectSchema>;
