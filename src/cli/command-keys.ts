/**
 * Which config keys each command reads. A flag (or `--set`) that sets a key
 * the command would ignore is refused, naming the key that does what was
 * meant: `f2d serve --crf 18` would otherwise change `encode.crf`, which only
 * the file commands read, while the live encoder reads `serve.encoder.crf`.
 *
 * Config files, pipelines and `F2D_*` variables may set every section: they
 * serve several commands.
 */
import type { FlagValue } from '../config/load.js';
import { findKey } from '../config/keys.js';
import { F2dError } from '../errors.js';
import { COMMANDS, type CommandName } from './flags.js';

interface Reads {
  /** Sections or keys read (a section covers every key under it). */
  readonly keys: readonly string[];
  /** Keys under those sections that the command still ignores, with what to set instead when something does that job. */
  readonly ignores?: Readonly<Record<string, string | null>>;
}

const FILE_JOB = ['model', 'encode', 'image', 'output', 'log'];

const READS: Readonly<Record<CommandName, Reads>> = {
  restore: { keys: FILE_JOB },
  start: { keys: [...FILE_JOB, 'start'] },
  // The synthesis runs on the model's provider and threads.
  degrade: { keys: ['synth', 'model.provider', 'model.threads', 'encode', 'image', 'output', 'log'] },
  serve: {
    keys: ['model', 'serve', 'log'],
    ignores: {
      'model.streams': null,
      'model.parserInterval': 'serve.parserInterval',
      'model.passThroughBelow': 'serve.passThroughBelow',
      'encode.crf': 'serve.encoder.crf',
      'encode.preset': 'serve.encoder.preset',
      'encode.threads': 'serve.encoder.threads',
    },
  },
  eval: {
    keys: ['model', 'synth', 'eval', 'image', 'log'],
    // Every benchmark image is a new scene: the parser runs on each, one stream at a time.
    // synth.weather is read by `--clip` only (the clean clip is degraded with it first).
    // model.passThroughBelow is a file restore's: the benchmark and --clip measure the model itself.
    ignores: { 'model.streams': null, 'model.parserInterval': null, 'model.passThroughBelow': null },
  },
  // `queue add` only enqueues: the workers restore, with their own model and encode settings.
  queue: { keys: ['queue', 'output', 'log'], ignores: { 'queue.concurrency': null, 'queue.metricsPort': null } },
  worker: { keys: [...FILE_JOB, 'queue'] },
  // The model's parser graph is what each provider is tried with.
  doctor: { keys: ['model.dir', 'log'] },
};

function covers(prefixes: readonly string[], key: string): boolean {
  return prefixes.some((p) => key === p || key.startsWith(`${p}.`));
}

/** Whether `command` reads `key`. */
export function commandReads(command: CommandName, key: string): boolean {
  const r = READS[command];
  if (r.ignores !== undefined && key in r.ignores) return false;
  return covers(r.keys, key);
}

/**
 * Refuses flags that set keys `command` does not read (unknown keys are left to the config
 * loader, which names the known ones).
 *
 * @throws {F2dError} ERR_CONFIG_USAGE naming the flag, the key and what to set instead
 */
export function checkFlagsForCommand(command: CommandName, flags: readonly FlagValue[]): void {
  for (const f of flags) {
    if (findKey(f.key) === undefined) continue;
    if (commandReads(command, f.key)) continue;
    const instead = READS[command].ignores?.[f.key] ?? null;
    const users = COMMANDS.filter((c) => commandReads(c, f.key));
    const hint =
      instead !== null
        ? `set ${instead} instead (--set ${instead}=${String(f.value)}), or put it in a config file or pipeline`
        : `remove it; ${f.key} is read by ${users.length > 0 ? users.map((c) => `f2d ${c}`).join(', ') : 'no command'}`;
    throw new F2dError('ERR_CONFIG_USAGE', 'config', `f2d ${command} does not use ${f.flag} (${f.key})`, { hint });
  }
}
