/** One logger shape for the agent and the CLI (pino, the collector's logger too). */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level = process.env.ROOMWATCH_LOG_LEVEL ?? 'info', name?: string): Logger {
  return pino({ level, name, base: { pid: process.pid } });
}

/** Adapts pino to the small interface probes see: message first, details second. */
export function probeLog(logger: Logger) {
  return {
    debug: (msg: string, extra?: Record<string, unknown>) => logger.debug(extra ?? {}, msg),
    info: (msg: string, extra?: Record<string, unknown>) => logger.info(extra ?? {}, msg),
    warn: (msg: string, extra?: Record<string, unknown>) => logger.warn(extra ?? {}, msg),
    error: (msg: string, extra?: Record<string, unknown>) => logger.error(extra ?? {}, msg),
  };
}
