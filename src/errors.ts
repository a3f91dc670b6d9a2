/**
 * The project's error type: a stable code, a coarse category, a `fatal` flag
 * and a hint that tells the user how to fix it (hls.js / ws style).
 *
 * Messages say what failed and where; `hint` says what to change (a flag, a
 * config key, a file). Wrap underlying errors with `cause` instead of
 * swallowing them. Every code, with its category and summary, is listed in
 * `error-codes.ts`.
 */
import type { ErrorCategory, ErrorCode } from './error-codes.js';

export type { ErrorCategory, ErrorCode } from './error-codes.js';

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
  readonly code: ErrorCode;
  readonly category: ErrorCategory;
  readonly fatal: boolean;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, category: ErrorCategory, message: string, options: F2dErrorOptions = {}) {
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
  constructor(code: ErrorCode, message: string, options: F2dErrorOptions = {}) {
    super(code, 'internal', message, options);
    this.name = 'InvalidStateError';
  }
}

/** `true` when `err` is an {@link F2dError} with the given code. */
export function isF2dError(err: unknown, code?: ErrorCode): err is F2dError {
  return err instanceof F2dError && (code === undefined || err.code === code);
}

/**
 * Exit codes per category. 130 is the shell's convention for a run ended by
 * SIGINT; `output` (the file exists, or cannot be written) is split from
 * `encode` because it is the user's decision, not an encoder failure.
 */
export const EXIT_CODES: Readonly<Record<ErrorCategory, number>> = Object.freeze({
  config: 2,
  input: 3,
  decode: 4,
  model: 5,
  encode: 6,
  output: 7,
  network: 8,
  interrupted: 130,
  internal: 70,
});

/** The output path cannot be used: it exists (needs `--overwrite`), or is unwritable, or has an unknown format. */
export class OutputError extends F2dError {
  constructor(code: ErrorCode, message: string, options: F2dErrorOptions = {}) {
    super(code, 'output', message, options);
    this.name = 'OutputError';
  }
}

/**
 * Wraps anything thrown into an {@link F2dError}; unknown errors become
 * `ERR_INTERNAL` so the CLI can still print a code and an exit status.
 */
export function toF2dError(error: unknown): F2dError {
  if (error instanceof F2dError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new F2dError('ERR_INTERNAL', 'internal', message, {
    hint: 'this is a bug in f2d-stream; rerun with --verbose and report the stack trace',
    cause: error,
  });
}

/** The process exit code for an error (its category's). */
export function exitCodeFor(error: F2dError): number {
  return EXIT_CODES[error.category];
}
