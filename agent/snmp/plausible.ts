/**
 * Value hygiene for SNMP readings: the "unknown" sentinels agents send instead
 * of a value, numbers sent as text, and the plausible range of every catalog
 * metric. A sentinel produces no sample; a value outside its range produces a
 * probe warning and no sample, so a rule never fires on a decoding mistake
 * (a battery runtime of 4294967295 minutes, a mains input of 2 V).
 */

/**
 * Raw values the MIBs use for "not available": -1 (UPS-MIB and most vendor
 * MIBs), 65535 (16-bit "unknown", Socomec, many fan/rpm columns), 2^31-1 and
 * -2^31 (APC PowerNet, Liebert "not available") and 2^32-1 (Gauge32 -1).
 * Counters are never checked: any counter value is a real count.
 */
export const UNKNOWN_SENTINELS: ReadonlySet<number> = new Set([-1, 65535, 2147483647, -2147483648, 4294967295]);

/** [min, max] per metric; checked after scaling, on the value that would be sent. */
const BY_METRIC: Record<string, readonly [number, number]> = {
  'ups.battery_runtime_min': [0, 10_000],
  'ups.battery_voltage_v': [0, 1_000],
  'ups.seconds_on_battery': [0, 10_000_000],
  'ups.output_load_pct': [0, 200],
  'ups.input_frequency_hz': [0, 70],
  'ups.output_frequency_hz': [0, 70],
  'ups.output_current_a': [0, 10_000],
  'ups.output_power_w': [0, 10_000_000],
  'ac.cooling_pct': [0, 100],
  'ac.fan_pct': [0, 100],
  'sensor.fan_rpm': [0, 100_000],
  'sensor.voltage_v': [-1_000, 1_000],
  'sensor.current_a': [0, 10_000],
  'sensor.power_w': [0, 10_000_000],
  'device.rtt_ms': [0, 600_000],
  'pdu.current_a': [0, 1_000],
  'pdu.power_w': [0, 1_000_000],
  'pdu.voltage_v': [0, 500],
};

/**
 * Mains voltages: 0 is real (the line is dead), but a few volts is a decoding
 * error or a missing phase reading noise; 40 V is below any mains system.
 */
const MAINS_V = /^(ups\.(input|output|bypass)_voltage_v|pdu\.voltage_v)$/;

/** Ranges by unit suffix, for every metric not listed above. */
const BY_SUFFIX: Array<[RegExp, readonly [number, number]]> = [
  [/_pct$/, [0, 100]],
  [/(^|[._])temperature_c$|_temp_c$|_setpoint_c$/, [-40, 150]],
  [/_c$/, [-40, 150]],
  [/_hz$/, [0, 1_000]],
  [/_v$/, [0, 500]],
  [/_min$/, [0, 100_000]],
  [/_(up|ok|running|open|on_battery|failed)$|^env\.(water_leak|smoke|door_open)$|\.peer_up$|\.neighbor_up$|\.tunnel_up$/, [0, 1]],
];

export type RangeVerdict = { ok: true } | { ok: false; range: readonly [number, number]; why: string };

/** Whether `value` is plausible for `metric`; `own` is the profile's range override. */
export function checkRange(metric: string, value: number, own?: readonly [number, number]): RangeVerdict {
  const range = own ?? BY_METRIC[metric] ?? BY_SUFFIX.find(([re]) => re.test(metric))?.[1];
  if (!own && MAINS_V.test(metric) && value > 0 && value < 40) {
    return { ok: false, range: [40, 500], why: `${value} V is no mains voltage (0 when the line is dead, else 40..500)` };
  }
  if (!range) return { ok: true };
  if (value < range[0] || value > range[1]) return { ok: false, range, why: `${value} is outside the plausible range ${range[0]}..${range[1]}` };
  return { ok: true };
}

/**
 * A number sent as text: "24.8", "24.8 C", "230 V", "34 %RH", or a message
 * whose value follows its last colon ("CPU Temperature-Ctlr B: 61 C 141.80F").
 * Text that does not start with a number (after the colon) is not a number.
 */
export function parseTextNumber(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const plain = Number(t);
  if (Number.isFinite(plain)) return plain;
  const colon = t.lastIndexOf(':');
  const tail = colon >= 0 ? t.slice(colon + 1) : t;
  const m = /^\s*([-+]?\d+(?:\.\d+)?)(?:\s*(?:°\s*)?[A-Za-z%][^\d]*)?(?:\s+[-+]?\d+(?:\.\d+)?\s*[A-Za-z°%]*)?\s*$/.exec(tail);
  return m ? Number(m[1]) : undefined;
}
