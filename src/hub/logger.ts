/** Log levels, least to most severe. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** Writes structured log entries. */
export interface Logger {
  log(level: Exclude<LogLevel, 'silent'>, event: string, fields?: Record<string, unknown>): void;
}

/**
 * A logger that writes one JSON line per entry at or above `level` (default `info`).
 * @example jsonLogger('warn', (line) => process.stderr.write(line + '\n'))
 */
export function jsonLogger(level: LogLevel = 'info', write: (line: string) => void = (line) => console.log(line)): Logger {
  const threshold = ORDER[level];
  return {
    log(entryLevel, event, fields = {}) {
      if (ORDER[entryLevel] < threshold) return;
      write(JSON.stringify({ time: new Date().toISOString(), level: entryLevel, event, ...fields }));
    },
  };
}

/** A logger that drops everything (the default of an embedded hub). */
export const silentLogger: Logger = { log() {} };
