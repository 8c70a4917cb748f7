/**
 * What the InfluxDB HTTP API lets clients do that our own API does not:
 * credentials in the v1 ways (`?u=&p=`, Basic auth, `Authorization: Token`),
 * and InfluxDB-shaped answers, so Telegraf and Grafana work unchanged.
 */
import type { FastifyRequest } from 'fastify';
import { DEVICE_CLASSES, type Sample } from '../contract/index.js';
import type { DeviceHint } from '../registry/devices.js';
import { tokenFromHeader } from './auth.js';

/**
 * The token a request presents. `Bearer` and `Token` headers everywhere; on the
 * InfluxDB v1 endpoints (`v1`) also Basic auth and `?p=`, with the agent token
 * as the password and any user name, as InfluxDB 1.x clients send them.
 */
export function presentedToken(request: FastifyRequest, v1: boolean): string | undefined {
  const header = request.headers.authorization;
  const bearer = tokenFromHeader(header);
  if (bearer) return bearer;
  if (!v1) return undefined;
  const basic = header ? /^Basic\s+(\S+)\s*$/i.exec(header) : null;
  if (basic) {
    const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) || undefined : undefined;
  }
  const p = (request.query as Record<string, unknown> | undefined)?.p;
  return typeof p === 'string' && p !== '' ? p : undefined;
}

const CLASSES = new Set<string>(DEVICE_CLASSES);

/**
 * Registry attributes a body's lines carry: a valid `class` tag (else the
 * inventory's class), `site` and `room`. Telegraf-fed devices have no agent to
 * send metadata, and without a class the class-scoped rule packs skip them.
 */
export function deviceHints(samples: readonly Sample[], inventoryClass: (device: string) => string | undefined): DeviceHint[] {
  const byDevice = new Map<string, DeviceHint>();
  for (const s of samples) {
    const name = s.tags.device;
    let h = byDevice.get(name);
    if (!h) {
      h = { name };
      const fromInventory = inventoryClass(name);
      if (fromInventory) h.class = fromInventory;
      byDevice.set(name, h);
    }
    const cls = s.tags.class;
    if (h.class === undefined && cls !== undefined && CLASSES.has(cls)) h.class = cls;
    if (h.site === undefined && s.tags.site) h.site = s.tags.site;
    if (h.room === undefined && s.tags.room) h.room = s.tags.room;
  }
  return [...byDevice.values()].filter((h) => h.class !== undefined || h.site !== undefined || h.room !== undefined);
}

/** Paths answered with InfluxDB's error shape, `{"error": "..."}`, which Telegraf and Grafana read. */
export function influxShaped(url: string): boolean {
  return url.startsWith('/write') || url.startsWith('/query');
}
