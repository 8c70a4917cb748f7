/**
 * The console's live feed: incident and alert changes fan out to every open
 * event stream. Publishing never blocks or throws into the pipeline that
 * produced the change; a subscriber that fails is dropped.
 */
import type { AlertState } from '../rules/events.js';
import type { BoardRow } from './board.js';

export interface AlertEventData {
  type: string;
  at: number;
  identity: string;
  ruleId: string;
  device: string;
  state: AlertState['state'];
  priority: AlertState['priority'];
  muted: boolean;
  summary: string;
}

export type ConsoleEvent = { type: 'incident'; data: BoardRow } | { type: 'alert'; data: AlertEventData };
export type ConsoleEventListener = (event: ConsoleEvent) => void;

export class EventBus {
  private readonly listeners = new Set<ConsoleEventListener>();

  get size(): number {
    return this.listeners.size;
  }

  subscribe(listener: ConsoleEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(event: ConsoleEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        this.listeners.delete(l);
      }
    }
  }
}
