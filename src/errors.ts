/**
 * The project's error type: a stable code, a coarse category, a `fatal` flag
 * and a hint that tells the user how to fix it (hls.js / ws style).
 *
 * Messages say what failed and where; `hint` says what to change (a flag, a
 * config key, a file). Wrap underlying errors with `cause` instead of
 * swallowing them.
 */

/** Coarse error categories; the CLI maps each to an exit code. */
export type ErrorCategory = 'config' | 'input' | 'decode' | 'model' | 'encode' | 'network' | 'internal';

/** Options accepted by {@link F2dError}. */
export interface F2dErrorOptions {
  /** What the user can do about it, e.g. the flag or file to change. */
  readonly hint?: string;
  /** `true` (the default) stops the job; `false` lets it continue (skip a frame, retry). */
  readonly fatal?: boolean;
  /** The underlying error. */
  readonly cause?: unknown;
}

/**
 * An error with a stable `code` (`ERR_<AREA>_<WHAT>`), a `category`, a
 * `fatal` flag and a `hint`.
 *
 * @example
 * throw new F2dError('ERR_MODEL_NOT_FOUND', 'model', `no manifest.json in ${dir}`, {
 *   hint: 'pass --model <dir> pointing at a folder with manifest.json',
 * });
 */
export class F2dError extends Error {
  readonly code: string;
  readonly category: ErrorCategory;
  readonly fatal: boolean;
  readonly hint: string | undefined;

  constructor(code: string, category: ErrorCategory, message: string, options: F2dErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'F2dError';
    this.code = code;
    this.category = category;
    this.fatal = options.fatal ?? true;
    this.hint = options.hint;
  }
}

/** Using an object after `close()`, or before it is ready. */
export class InvalidStateError extends F2dError {
  constructor(code: string, message: string, options: F2dErrorOptions = {}) {
    super(code, 'internal', message, options);
    this.name = 'InvalidStateError';
  }
}

/** `true` when `err` is an {@link F2dError} with the given code. */
export function isF2dError(err: unknown, code?: string): err is F2dError {
  return err instanceof F2dError && (code === undefined || err.code === code);
}
