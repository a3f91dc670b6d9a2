/**
 * A small namespaced logger. Modules receive a {@link Logger} in their options
 * (no global logger, no `console.*` elsewhere); the CLI builds the root one.
 *
 * Lines look like `warning: …` / `error: …` for users, and
 * `f2d:<area> …` for debug output, so `--verbose` logs can be grepped by area.
 * Every line passes through `redactUrl`: a camera URL's password never reaches a log.
 */
import { redactUrl } from './redact.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/** Where finished lines go (stderr in the CLI, an array in tests). */
export type LogSink = (line: string, level: Exclude<LogLevel, 'silent'>) => void;

export interface Logger {
  readonly area: string;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** A logger for a sub-area (`restore` → `restore:video`) sharing level and sink. */
  child(area: string): Logger;
  /** Whether `level` would be written (to skip building expensive messages). */
  enabled(level: Exclude<LogLevel, 'silent'>): boolean;
}

/** Writes each line to stderr. */
export const stderrSink: LogSink = (line) => {
  process.stderr.write(`${line}\n`);
};

/**
 * Builds a logger.
 *
 * @param area - namespace shown on debug lines (`f2d:<area>`)
 * @param level - lowest level written
 * @param sink - where lines go
 * @example
 * ```ts
 * const log = createLogger('restore', 'info', stderrSink);
 * log.warn('input damaged at frame 49');   // "warning: input damaged at frame 49"
 * ```
 */
export function createLogger(area: string, level: LogLevel, sink: LogSink): Logger {
  const min = RANK[level];
  const write = (lvl: Exclude<LogLevel, 'silent'>, text: string): void => {
    if (RANK[lvl] < min) return;
    const prefix = lvl === 'debug' ? `f2d:${area} ` : lvl === 'warn' ? 'warning: ' : lvl === 'error' ? 'error: ' : '';
    sink(redactUrl(`${prefix}${text}`), lvl);
  };
  return {
    area,
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
    child: (sub) => createLogger(`${area}:${sub}`, level, sink),
    enabled: (lvl) => RANK[lvl] >= min,
  };
}

/** A logger that drops everything (for library callers that pass none). */
export const silentLogger: Logger = createLogger('silent', 'silent', () => undefined);
