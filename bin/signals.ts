import type { Logger } from '../lib/log.js';

/** Resolves on the first SIGINT/SIGTERM; a second one exits at once. */
export function untilSignal(log: Logger): Promise<string> {
  return new Promise((resolveSignal) => {
    const onSignal = (sig: string) => {
      log.info({ signal: sig }, 'stopping (press Ctrl-C again to exit at once)');
      process.once('SIGINT', () => process.exit(130));
      resolveSignal(sig);
    };
    process.once('SIGINT', () => onSignal('SIGINT'));
    process.once('SIGTERM', () => onSignal('SIGTERM'));
  });
}
