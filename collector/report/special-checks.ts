/**
 * The checklist's special checks: reachability, memory with swap, firewall
 * sessions and HA, Oracle alert-log errors, UPS battery and on-battery time,
 * precision AC and room sensors — the ones that read several series at once.
 */
import type { CheckRow, Message, Priority, SeriesStats, Status } from './types.js';
import { type CheckContext, type CheckDef, type RowParts, aggregate, cond, fact, firstOf, groupByTag, judgeLevels, m, row, seriesOf, trendOf, worst } from './check-kinds.js';

// ---------- special checks ----------

/** Minutes of down time beyond which the device counts as down for the day (and in completeness). */
export const DOWN_MINUTES_FAIL = 60;

export function reachableCheck(rules: string[], priority: Priority): CheckDef {
  return {
    id: 'reachable',
    rules,
    priority,
    run(ctx) {
      const d = ctx.device;
      const up = firstOf(d, 'device.up');
      const downAtEnd = up !== undefined && up.day.last < 0.5;
      const mostlyDown = up !== undefined && up.day.avg < 0.5;
      const value: Message[] = [d.downMinutes > 0 ? m('reachDown', { min: d.downMinutes }) : m('reachUp')];
      const parts = up ? { hourly: up.hourly } : {};
      if (d.downMinutes >= DOWN_MINUTES_FAIL || downAtEnd || mostlyDown) {
        const detail = downAtEnd ? [m('reachDownAtEnd')] : [m('reachLongOutage', { min: d.downMinutes, t: DOWN_MINUTES_FAIL })];
        return [row(ctx, { check: 'reachable', status: 'fail', value, detail, ...parts })];
      }
      if (d.receivedSamples === 0) {
        return [row(ctx, { check: 'reachable', status: 'warn', value: [m('reachNoData')], detail: [m('reachNoDataDetail')] })];
      }
      // One missed poll is noise; the reachability rules wait a minute (for: 1m) too.
      if (d.downMinutes > 1) return [row(ctx, { check: 'reachable', status: 'warn', value, detail: [m('reachOutage')], ...parts })];
      return [row(ctx, { check: 'reachable', status: 'pass', value, ...parts })];
    },
  };
}

export const memoryCheck: CheckDef = {
  id: 'mem',
  rules: ['host/Memory exhausted', 'host/Swap heavily used'],
  priority: 'P2',
  run(ctx) {
    const mem = firstOf(ctx.device, 'mem.used_pct');
    const swap = firstOf(ctx.device, 'swap.used_pct');
    if (!mem) return [];
    const value = [fact('max', mem.day.max, 'pct'), fact('avg', mem.day.avg, 'pct')];
    let status: Status = 'pass';
    const detail: Message[] = [];
    if (swap) {
      value.push(m('factOf', { what: 'swap.used_pct', agg: 'max', v: swap.day.max, unit: 'pct' }));
      // host/Memory exhausted (mem > 95 and swap > 50, P2) held for a whole hour: thrashing.
      const thrashing = mem.hourly.some((v, i) => v !== null && v > 95 && (swap.hourly[i] ?? 0) > 50);
      if (thrashing) {
        status = 'fail';
        detail.push(m('memThrashing'));
      } else if (swap.day.max > 80) {
        status = 'warn';
        detail.push(m('condOf', { what: 'swap.used_pct', agg: 'max', v: swap.day.max, op: '>', t: 80, unit: 'pct' }));
      }
    }
    const parts: RowParts = { check: 'mem', status, value, detail, hourly: mem.hourly };
    const trend = trendOf(mem);
    if (trend !== undefined) parts.trend = trend;
    return [row(ctx, parts)];
  },
};

/** Share of the rated session capacity: no rule has a number; 80 % leaves room for a burst, 95 % is one away from refusing sessions. */
export const SESSIONS_WARN_PCT = 80;
export const SESSIONS_FAIL_PCT = 95;
/** security/Firewall session table filling: new sessions per second. */
export const SESSION_RATE_PS = 20_000;

export const firewallSessionsCheck: CheckDef = {
  id: 'fw.sessions',
  rules: ['security/Firewall session table filling'],
  priority: 'P3',
  run(ctx) {
    const s = firstOf(ctx.device, 'fw.sessions');
    if (!s) return [];
    const limit = ctx.device.limits?.['fw.sessions'];
    const value: Message[] = [];
    const detail: Message[] = [];
    let status: Status = 'pass';
    if (limit && limit > 0) {
      const pct = (s.day.max / limit) * 100;
      value.push(m('fwSessions', { n: Math.round(s.day.max), p: pct, limit }));
      if (pct >= SESSIONS_FAIL_PCT) status = 'fail';
      else if (pct >= SESSIONS_WARN_PCT) status = 'warn';
      if (status !== 'pass') detail.push(m('fwSessionsNear', { p: pct, t: status === 'fail' ? SESSIONS_FAIL_PCT : SESSIONS_WARN_PCT }));
    } else {
      value.push(m('fwSessionsNoLimit', { n: Math.round(s.day.max) }));
    }
    const rate = firstOf(ctx.device, 'fw.session_rate_ps');
    if (rate) {
      const peakHour = aggregate(rate, 'hourMax');
      value.push(m('factOf', { what: 'fw.session_rate_ps', agg: 'hourMax', v: peakHour, unit: 'ps' }));
      if (peakHour > SESSION_RATE_PS) {
        status = worst(status, 'warn');
        detail.push(m('condOf', { what: 'fw.session_rate_ps', agg: 'hourMax', v: peakHour, op: '>', t: SESSION_RATE_PS, unit: 'ps' }));
      }
    }
    const parts: RowParts = { check: 'fw.sessions', status, value, detail, hourly: s.hourly };
    const trend = trendOf(s);
    if (trend !== undefined) parts.trend = trend;
    return [row(ctx, parts)];
  },
};

export const firewallHaCheck: CheckDef = {
  id: 'fw.ha',
  rules: ['security/Firewall HA state changed'],
  priority: 'P2',
  run(ctx) {
    const s = firstOf(ctx.device, 'fw.ha_state');
    if (!s) return [];
    // A failover happened today: warn; the state now may be healthy again.
    const changed = s.day.min !== s.day.max;
    return [row(ctx, { check: 'fw.ha', status: changed ? 'warn' : 'pass', value: [m(changed ? 'fwHaChanged' : 'fwHaStable', { s: s.day.last })] })];
  },
};

export const oraErrorsCheck: CheckDef = {
  id: 'ora.errors',
  rules: ['oracle/ORA- errors in the alert log'],
  priority: 'P2',
  run(ctx) {
    const list = seriesOf(ctx.device, 'oracle.alert_errors');
    if (list.length === 0) return [];
    // Each sample counts new ORA- lines since the previous read, so the day's total is avg × count.
    const byCode = list
      .map((s) => ({ code: s.tags.code ?? 'ORA-?', total: Math.round(s.day.avg * s.day.count), max: s.day.max }))
      .filter((e) => e.total > 0)
      .sort((a, b) => b.total - a.total || a.code.localeCompare(b.code));
    if (byCode.length === 0) return [row(ctx, { check: 'ora.errors', status: 'pass', value: [m('oraErrorsNone')] })];
    const total = byCode.reduce((a, e) => a + e.total, 0);
    const value = [m('oraErrors', { n: total, list: byCode.map((e) => `${e.code} × ${e.total}`).join(', ') })];
    // The rule escalates to P2 above 10 in one read; internal errors always need a vendor case.
    const internal = byCode.filter((e) => /ORA-0*(600|7445)\b/.test(e.code));
    if (internal.length > 0) return [row(ctx, { check: 'ora.errors', status: 'fail', value, detail: [m('oraInternal', { list: internal.map((e) => e.code).join(', ') })] })];
    const burst = byCode.find((e) => e.max > 10);
    if (burst) return [row(ctx, { check: 'ora.errors', status: 'fail', value, detail: [m('oraBurst', { code: burst.code, v: burst.max })] })];
    return [row(ctx, { check: 'ora.errors', status: 'warn', value, detail: [m('oraRead')] })];
  },
};

export const upsBatteryCheck: CheckDef = {
  id: 'ups.battery',
  rules: ['ups/UPS battery low or depleted'],
  priority: 'P1',
  run(ctx) {
    const s = firstOf(ctx.device, 'ups.battery_status');
    if (!s) return [];
    // RFC 1628 upsBatteryStatus: 1 unknown, 2 normal, 3 low, 4 depleted.
    const value = [m('upsBatteryStatus', { s: Math.round(s.day.last) })];
    if (s.day.last >= 3) return [row(ctx, { check: 'ups.battery', status: 'fail', value, detail: [m('upsBatteryBad')] })];
    if (s.day.max >= 3) return [row(ctx, { check: 'ups.battery', status: 'warn', value, detail: [m('upsBatteryWasLow')] })];
    return [row(ctx, { check: 'ups.battery', status: 'pass', value })];
  },
};

export const upsOnBatteryCheck: CheckDef = {
  id: 'ups.onbattery',
  rules: ['ups/UPS on battery'],
  priority: 'P1',
  run(ctx) {
    const s = firstOf(ctx.device, 'ups.on_battery');
    if (!s) return [];
    if (s.day.max < 0.5) return [row(ctx, { check: 'ups.onbattery', status: 'pass', value: [m('upsOnBatteryNone')], hourly: s.hourly })];
    // The day's average of a 0/1 series is the share of the day on battery.
    const minutes = Math.max(1, Math.round((s.day.avg * (ctx.to - ctx.from)) / 60_000));
    return [row(ctx, { check: 'ups.onbattery', status: 'fail', value: [m('upsOnBattery', { min: minutes })], detail: [m('upsOnBatteryDetail', { min: minutes })], hourly: s.hourly })];
  },
};

/** precision-ac/Return air too hot; the ±3 °C band around the set point is the unit's usual control band. */
export const AC_RETURN_MAX_C = 27;
export const AC_RETURN_CRIT_C = 32;
export const AC_SETPOINT_BAND_C = 3;
export const AC_SUPPLY_MAX_C = 22;

export const acTemperatureCheck: CheckDef = {
  id: 'ac.temp',
  rules: ['precision-ac/Return air too hot', 'precision-ac/Supply air too hot'],
  priority: 'P2',
  run(ctx) {
    const r = firstOf(ctx.device, 'ac.return_temp_c');
    if (!r) return [];
    const sp = firstOf(ctx.device, 'ac.temp_setpoint_c')?.day.last;
    const supply = firstOf(ctx.device, 'ac.supply_temp_c');
    const value: Message[] = [m('range', { lo: r.day.min, hi: r.day.max, unit: 'c' })];
    if (sp !== undefined) value.push(m('setpoint', { v: sp, unit: 'c' }));
    if (supply) value.push(m('factOf', { what: 'ac.supply_temp_c', agg: 'max', v: supply.day.max, unit: 'c' }));
    const detail: Message[] = [];
    let status: Status = 'pass';
    const hourMax = aggregate(r, 'hourMax');
    if (hourMax > AC_RETURN_MAX_C || r.day.max > AC_RETURN_CRIT_C) {
      status = 'fail';
      detail.push(
        r.day.max > AC_RETURN_CRIT_C
          ? cond('max', r.day.max, { agg: 'max', op: '>', value: AC_RETURN_CRIT_C }, 'c')
          : cond('hourMax', hourMax, { agg: 'hourMax', op: '>', value: AC_RETURN_MAX_C }, 'c'),
      );
    } else if (r.day.max > AC_RETURN_MAX_C) {
      status = 'warn';
      detail.push(cond('max', r.day.max, { agg: 'max', op: '>', value: AC_RETURN_MAX_C }, 'c'));
    }
    if (sp !== undefined && (r.day.max > sp + AC_SETPOINT_BAND_C || r.day.min < sp - AC_SETPOINT_BAND_C)) {
      status = worst(status, 'warn');
      detail.push(m('offSetpoint', { d: AC_SETPOINT_BAND_C, unit: 'c' }));
    }
    if (supply && supply.day.max > AC_SUPPLY_MAX_C) {
      status = worst(status, 'warn');
      detail.push(m('condOf', { what: 'ac.supply_temp_c', agg: 'max', v: supply.day.max, op: '>', t: AC_SUPPLY_MAX_C, unit: 'c' }));
    }
    const parts: RowParts = { check: 'ac.temp', status, value, detail, hourly: r.hourly };
    const trend = trendOf(r);
    if (trend !== undefined) parts.trend = trend;
    return [row(ctx, parts)];
  },
};

/**
 * Humidity: warn outside 20–70 %RH (the rules, ASHRAE allowable) or more than
 * 10 %RH from the unit's set point (a humidifier or dehumidifier not keeping
 * up); fail outside 10–80 %RH, where condensation or static damage is
 * imminent (no rule number; chosen as the ASHRAE A1 allowable extremes).
 */
export const HUMIDITY = { warnLo: 20, warnHi: 70, failLo: 10, failHi: 80, band: 10 };

export function humidityRow(ctx: CheckContext, check: string, s: SeriesStats, setpoint: number | undefined): CheckRow {
  const value: Message[] = [m('range', { lo: s.day.min, hi: s.day.max, unit: 'rh' })];
  if (setpoint !== undefined) value.push(m('setpoint', { v: setpoint, unit: 'rh' }));
  let { status, detail } = judgeLevels(
    s,
    'rh',
    [
      { agg: 'max', op: '>', value: HUMIDITY.warnHi },
      { agg: 'min', op: '<', value: HUMIDITY.warnLo },
    ],
    [
      { agg: 'max', op: '>', value: HUMIDITY.failHi },
      { agg: 'min', op: '<', value: HUMIDITY.failLo },
    ],
  );
  if (setpoint !== undefined && (s.day.max > setpoint + HUMIDITY.band || s.day.min < setpoint - HUMIDITY.band)) {
    status = worst(status, 'warn');
    detail = [...detail, m('offSetpoint', { d: HUMIDITY.band, unit: 'rh' })];
  }
  const parts: RowParts = { check, status, value, detail, hourly: s.hourly };
  const trend = trendOf(s);
  if (trend !== undefined) parts.trend = trend;
  return row(ctx, parts);
}

export const acHumidityCheck: CheckDef = {
  id: 'ac.humidity',
  rules: ['precision-ac/Humidity out of range'],
  priority: 'P3',
  run(ctx) {
    const s = firstOf(ctx.device, 'ac.return_humidity_pct');
    return s ? [humidityRow(ctx, 'ac.humidity', s, firstOf(ctx.device, 'ac.humidity_setpoint_pct')?.day.last)] : [];
  },
};

export const envHumidityCheck: CheckDef = {
  id: 'env.humidity',
  rules: ['environment/Room humidity out of range'],
  priority: 'P3',
  run(ctx) {
    return [...groupByTag(seriesOf(ctx.device, 'env.humidity_pct'), 'sensor')].map(([k, s]) => humidityRow(ctx, `env.humidity:${k}`, s, undefined));
  },
};

export const acAlarmsCheck: CheckDef = {
  id: 'ac.alarms',
  rules: ['precision-ac/Precision AC alarms', 'precision-ac/Precision AC stopped'],
  priority: 'P1',
  run(ctx) {
    const alarms = firstOf(ctx.device, 'ac.alarms');
    const running = firstOf(ctx.device, 'ac.running');
    if (!alarms && !running) return [];
    const names = seriesOf(ctx.device, 'ac.alarm')
      .filter((s) => s.day.last >= 0.5)
      .map((s) => s.tags.name ?? '?');
    const value: Message[] = [];
    let status: Status = 'pass';
    if (running) {
      value.push(m(running.day.last < 0.5 ? 'acStopped' : 'acRunning'));
      if (running.day.last < 0.5) status = 'fail';
      else if (running.day.min < 0.5) status = worst(status, 'warn');
    }
    if (alarms) {
      if (alarms.day.last > 0) {
        value.push(m('acAlarmsNow', { n: Math.round(alarms.day.last), list: names.join(', ') }));
        status = 'fail';
      } else if (alarms.day.max > 0) {
        value.push(m('acAlarmsEarlier', { n: Math.round(alarms.day.max) }));
        status = worst(status, 'warn');
      } else {
        value.push(m('acAlarmsNone'));
      }
    }
    return [row(ctx, { check: 'ac.alarms', status, value })];
  },
};

export const envSafetyCheck: CheckDef = {
  id: 'env.safety',
  rules: ['environment/Water leak detected', 'environment/Smoke detected', 'environment/Door open'],
  priority: 'P1',
  run(ctx) {
    const leak = firstOf(ctx.device, 'env.water_leak');
    const smoke = firstOf(ctx.device, 'env.smoke');
    const door = firstOf(ctx.device, 'env.door_open');
    if (!leak && !smoke && !door) return [];
    const value: Message[] = [];
    let status: Status = 'pass';
    if (leak) {
      value.push(m(leak.day.max >= 0.5 ? 'envLeak' : 'envNoLeak'));
      if (leak.day.max >= 0.5) status = 'fail';
    }
    if (smoke) {
      value.push(m(smoke.day.max >= 0.5 ? 'envSmoke' : 'envNoSmoke'));
      if (smoke.day.max >= 0.5) status = 'fail';
    }
    if (door) {
      const minutes = Math.round((door.day.avg * (ctx.to - ctx.from)) / 60_000);
      value.push(m(minutes > 0 ? 'envDoorOpen' : 'envDoorClosed', { min: minutes }));
      // environment/Door open: 10 minutes (P4, advisory).
      if (minutes > 10 || door.day.last >= 0.5) status = worst(status, 'warn');
    }
    return [row(ctx, { check: 'env.safety', status, value })];
  },
};

/**
 * ups/UPS on bypass (P2) and ups/UPS on battery: RFC 1628 upsOutputSource
 * 3 normal, 4 bypass, 5 battery, 2 none. Anything but the inverter now is a
 * failed check: the load is unprotected (bypass) or the clock is running
 * (battery). Off the inverter earlier in the day and back: warn.
 */
export const upsOutputCheck: CheckDef = {
  id: 'ups.output',
  rules: ['ups/UPS on bypass', 'ups/UPS on battery'],
  priority: 'P2',
  run(ctx) {
    const s = firstOf(ctx.device, 'ups.output_source');
    if (!s) return [];
    const code = Math.round(s.day.last);
    const value = [m([2, 3, 4, 5].includes(code) ? `ups.source.${code}` : 'ups.source.other', { s: code })];
    if (code !== 3) return [row(ctx, { check: 'ups.output', status: 'fail', value, hourly: s.hourly })];
    if (Math.round(s.day.min) !== 3 || Math.round(s.day.max) !== 3) return [row(ctx, { check: 'ups.output', status: 'warn', value, detail: [m('ups.source.earlier')], hourly: s.hourly })];
    return [row(ctx, { check: 'ups.output', status: 'pass', value })];
  },
};

/** ups/UPS alarms present (upsAlarmsPresent > 0). */
export const upsAlarmsCheck: CheckDef = {
  id: 'ups.alarms',
  rules: ['ups/UPS alarms present'],
  priority: 'P3',
  run(ctx) {
    const s = firstOf(ctx.device, 'ups.alarms');
    if (!s) return [];
    if (s.day.last > 0) return [row(ctx, { check: 'ups.alarms', status: 'fail', value: [m('ups.alarms.now', { n: Math.round(s.day.last) })], hourly: s.hourly })];
    if (s.day.max > 0) return [row(ctx, { check: 'ups.alarms', status: 'warn', value: [m('ups.alarms.earlier', { n: Math.round(s.day.max) })], hourly: s.hourly })];
    return [row(ctx, { check: 'ups.alarms', status: 'pass', value: [m('ups.alarms.none')] })];
  },
};
