/**
 * Command-line parsing: argv → command, positionals, CLI-only switches and
 * config values (as dotted keys, validated later with every other layer).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { F2dError } from '../errors.js';
import type { FlagValue } from '../config/load.js';
import type { CommandArgs } from './commands/context.js';
import { COMMANDS, FLAGS, flagSpec, type CommandName } from './flags.js';

export { COMMANDS, type CommandName } from './flags.js';

/** parseArgs options from the table: every boolean flag with its `--no-<name>` form too. */
const OPTIONS: NonNullable<ParseArgsConfig['options']> = Object.fromEntries(
  FLAGS.flatMap((f) => {
    const option = { type: f.type, ...(f.short !== undefined ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
    return f.type === 'boolean' ? [[f.name, option], [`no-${f.name}`, { type: 'boolean' }]] : [[f.name, option]];
  }),
);

/** The whole command line; the commands read the {@link CommandArgs} part. */
export interface ParsedArgs extends CommandArgs {
  readonly command: CommandName | null;
  readonly configFile: string | undefined;
  /** `--pipeline <name|file>` (pipelines/*.json). */
  readonly pipeline: string | undefined;
  readonly flags: readonly FlagValue[];
  readonly verbose: boolean;
  readonly quiet: boolean;
  readonly printConfig: boolean;
  readonly help: boolean;
  readonly version: boolean;
}

function usageError(message: string, command: CommandName | null = null, cause?: unknown): F2dError {
  const help = command === null ? '`f2d --help` for the commands and common flags, `f2d <command> --help` for a command' : `\`f2d ${command} --help\` for its flags`;
  return new F2dError('ERR_CONFIG_USAGE', 'config', message, { hint: `run ${help}`, cause });
}

/** What the options say, read in order so that the last of `--loop` / `--no-loop` wins. */
interface OptionValues {
  readonly strings: Map<string, string[]>;
  readonly booleans: Map<string, boolean>;
  /** Each flag given, as written (`-o`, `--no-json`), by table name. */
  readonly given: Map<string, string>;
}

function readOptions(tokens: readonly { kind: string; name?: string; rawName?: string; value?: string | undefined }[]): OptionValues {
  const values: OptionValues = { strings: new Map(), booleans: new Map(), given: new Map() };
  for (const t of tokens) {
    if (t.kind !== 'option' || t.name === undefined) continue;
    const negated = t.name.startsWith('no-') && flagSpec(t.name) === undefined;
    const name = negated ? t.name.slice(3) : t.name;
    const spec = flagSpec(name);
    if (spec === undefined) continue;
    values.given.set(name, t.rawName ?? `--${t.name}`);
    if (spec.type === 'boolean') values.booleans.set(name, !negated);
    else values.strings.set(name, spec.multiple ? [...(values.strings.get(name) ?? []), t.value ?? ''] : [t.value ?? '']);
  }
  return values;
}

/** `f2d help [command]` is `f2d [command] --help`. */
function splitCommand(positionals: readonly string[]): { command: CommandName | null; rest: string[]; help: boolean } {
  const asHelp = positionals[0] === 'help';
  const [first, ...rest] = asHelp ? positionals.slice(1) : positionals;
  if (first === undefined) return { command: null, rest, help: asHelp };
  if (!(COMMANDS as readonly string[]).includes(first)) {
    throw usageError(`unknown command "${first}"; commands: ${COMMANDS.join(', ')}`);
  }
  return { command: first as CommandName, rest, help: asHelp };
}

/** Flags without a config key that `command` does not take are refused, as flags with one are (command-keys.ts). */
function refuseFlagsNotTaken(command: CommandName, given: ReadonlyMap<string, string>): void {
  for (const [name, written] of given) {
    const spec = flagSpec(name);
    if (spec?.key !== undefined || spec?.commands === undefined || spec.commands === 'all' || spec.commands.includes(command)) continue;
    throw usageError(`f2d ${command} does not take ${written}; it is for ${spec.commands.map((c) => `f2d ${c}`).join(', ')}`, command);
  }
}

/**
 * Parses the arguments after `node main.js`.
 *
 * @throws {F2dError} ERR_CONFIG_USAGE for unknown flags or commands, missing values, `--set` without `=`,
 *   a flag without a config key that the command does not take
 */
export function parseCliArgs(argv: readonly string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true, tokens: true });
  } catch (cause) {
    throw usageError((cause as Error).message.split('\n')[0] ?? 'invalid arguments', null, cause);
  }
  const { command, rest, help } = splitCommand(parsed.positionals);
  const { strings, booleans, given } = readOptions(parsed.tokens);
  if (command !== null) refuseFlagsNotTaken(command, given);
  const string = (name: string): string | undefined => strings.get(name)?.at(-1);
  const flags: FlagValue[] = [];
  for (const spec of FLAGS) {
    if (spec.key === undefined) continue;
    const value = spec.type === 'boolean' ? booleans.get(spec.name) : string(spec.name);
    if (value !== undefined) flags.push({ key: spec.key, value, flag: given.get(spec.name) ?? `--${spec.name}` });
  }
  for (const s of strings.get('set') ?? []) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw usageError(`--set "${s}" must look like key=value, e.g. --set encode.crf=18`, command);
    flags.push({ key: s.slice(0, eq), value: s.slice(eq + 1), flag: `--set ${s}` });
  }
  const verbose = booleans.get('verbose') ?? false;
  const quiet = booleans.get('quiet') ?? false;
  if (verbose) flags.push({ key: 'log.level', value: 'debug', flag: given.get('verbose') ?? '--verbose' });
  else if (quiet) {
    flags.push({ key: 'log.level', value: 'warn', flag: given.get('quiet') ?? '--quiet' });
    if (!strings.has('progress')) flags.push({ key: 'log.progress', value: 'off', flag: given.get('quiet') ?? '--quiet' });
  }
  return {
    command,
    positionals: rest,
    output: string('output'),
    configFile: string('config'),
    pipeline: string('pipeline'),
    flags,
    json: booleans.get('json') ?? false,
    pairs: booleans.get('pairs') ?? false,
    clip: booleans.get('clip') ?? false,
    wait: booleans.get('wait') ?? false,
    verbose,
    quiet,
    printConfig: booleans.get('print-config') ?? false,
    help: help || (booleans.get('help') ?? false),
    version: booleans.get('version') ?? false,
  };
}
