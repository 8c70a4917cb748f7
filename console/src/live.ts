/**
 * The one event stream of the page (GET /api/v1/events). Views subscribe to
 * `incident` and `alert`; `resync` tells them to read everything again,
 * because events missed while disconnected are not replayed.
 */
import { get } from './api.js';

export type LiveEvent = 'incident' | 'alert' | 'resync' | 'status';
type Handler = (data: unknown) => void;

const handlers = new Map<LiveEvent, Set<Handler>>();
let source: EventSource | undefined;
let retry: ReturnType<typeof setTimeout> | undefined;
export let connected = false;
/** Set after the first greeting: a later one is a reconnect, after which views read everything again. */
let greeted = false;

function emit(type: LiveEvent, data: unknown): void {
  for (const h of handlers.get(type) ?? []) h(data);
}

export function on(type: LiveEvent, handler: Handler): () => void {
  if (!handlers.has(type)) handlers.set(type, new Set());
  handlers.get(type)!.add(handler);
  return () => handlers.get(type)?.delete(handler);
}

export function startLive(): void {
  if (source) return;
  clearTimeout(retry);
  source = new EventSource('/api/v1/events');
  source.addEventListener('hello', () => {
    connected = true;
    emit('status', true);
    if (greeted) emit('resync', null);
    greeted = true;
  });
  for (const type of ['incident', 'alert'] as const) source.addEventListener(type, (e) => emit(type, JSON.parse((e as MessageEvent<string>).data)));
  source.addEventListener('error', () => {
    connected = false;
    emit('status', false);
    if (source?.readyState !== EventSource.CLOSED) return; // the browser reconnects by itself
    // Closed for good (e.g. 401): ask who we are; a lost session ends at sign-in (api.ts), anything else retries.
    source = undefined;
    get('/api/v1/auth/me')
      .then(() => (retry = setTimeout(startLive, 5000)))
      .catch(() => undefined);
  });
}

export function stopLive(): void {
  source?.close();
  source = undefined;
  connected = false;
}
