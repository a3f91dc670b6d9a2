/**
 * `f2d --help` and `f2d <command> --help` (= `f2d help <command>`), printed
 * from the flag table (`flags.ts`): a command lists the flags it takes (a flag
 * that sets a config key is listed where `command-keys.ts` says the key is
 * read), the key each sets with its default from config/default.json, the
 * other keys it reads, and examples.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { DEFAULTS_PATH, PIPELINES_DIR } from '../config/load.js';
import { configKeys } from '../config/keys.js';
import { commandReads } from './command-keys.js';
import { COMMANDS, FLAGS, type CommandName, type FlagSpec } from './flags.js';

interface CommandHelp {
  readonly summary: string;
  readonly usage: readonly string[];
  readonly examples: readonly string[];
}

const COMMAND_HELP: Readonly<Record<CommandName, CommandHelp>> = {
  restore: {
    summary: 'restore a video, an image, or a directory of images',
    usage: ['f2d restore <input> [-o <output>] [options]'],
    examples: [
      'f2d restore rainy.mp4 -o clear.mp4',
      'f2d restore photos/ -o restored/ --model f2d-lite-int8',
      'f2d restore night.mkv --crf 18 --preset slow --overwrite --json',
    ],
  },
  start: {
    summary: 'restore the bundled demo clip (models/demo) to a file and say where it went',
    usage: ['f2d start [options]'],
    examples: ['f2d start', 'f2d start --model f2d-lite-int8 --set start.output=demo-restored.mp4', 'f2d start --progress lines --json'],
  },
  serve: {
    summary: 'restore a live source and stream it to browser viewers until Ctrl-C',
    usage: ['f2d serve [--source <uri>] [options]'],
    examples: [
      'f2d serve                                   # the bundled demo clip, looped',
      'f2d serve --source drive.mp4 --no-loop --record rec/',
      'f2d serve --source rtsp://cam.local/stream --publish rtsp://127.0.0.1:8554/restored   # MediaMTX serves the viewers',
      'f2d serve --source rtsp://cam.local/stream --pipeline dashcam-live --host 0.0.0.0 --token "$(openssl rand -hex 16)"',
    ],
  },
  degrade: {
    summary: 'add synthetic weather to a video, an image or a directory of images',
    usage: ['f2d degrade <input> --weather <name> [-o <output>] [options]'],
    examples: [
      'f2d degrade street.png --weather low_haze_rain --seed 7   # -> street-low_haze_rain.png',
      'f2d degrade clip.mp4 -o rainy.mp4 --weather rain',
      'f2d degrade photos/ --weather snow --synth independent',
    ],
  },
  eval: {
    summary: 'benchmark the model on the validation photos (PSNR/SSIM, parser accuracy, the velocity probe), score image pairs, or measure flicker on a clip',
    usage: [
      'f2d eval [options] [--json [<file>]]',
      'f2d eval --pairs <degradedDir> <cleanDir> [--json [<file>]]',
      'f2d eval --clip <video> [--weather <name>] [--limit <frames>] [--json [<file>]]',
    ],
    examples: [
      'f2d eval --limit 4 --diagnostics   # + the velocity probe along the transport',
      'f2d eval --synth independent --json report.json --save bench/',
      'f2d eval --pairs bench/rain bench/clear',
      'f2d eval --clip models/demo/weather-street.mp4 --limit 60',
    ],
  },
  queue: {
    summary: 'enqueue files for restoration by f2d workers on any number of machines (Redis, BullMQ), or show the queue',
    usage: ['f2d queue add <video|image|dir>... -o <out-dir> [--redis <url>] [--wait]', 'f2d queue status [--redis <url>] [--json]'],
    examples: [
      'f2d queue add /footage/*.mp4 -o /shared/restored --redis redis://queue-host:6379',
      'f2d queue add clips/ -o /shared/restored --wait',
      'f2d queue status --json',
    ],
  },
  worker: {
    summary: 'restore files from the distributed queue until Ctrl-C, the model loaded once',
    usage: ['f2d worker [--redis <url>] [--concurrency <n>] [--metrics-port <n>] [options]'],
    examples: ['f2d worker --redis redis://queue-host:6379', 'f2d worker --concurrency 2 --metrics-port 9464 --model f2d-lite-int8'],
  },
  doctor: {
    summary: 'say which execution providers (cpu, cuda, webgpu …) and FFmpeg NVIDIA codecs can run here, and why not',
    usage: ['f2d doctor [--model <dir|name>] [--json]'],
    examples: ['f2d doctor', 'f2d doctor --json', 'LD_LIBRARY_PATH=/opt/cuda/lib64 f2d doctor'],
  },
};

const WIDTH = 100;
const COLUMN = 30;

/** Whether `command` takes the flag: by the key it sets, else by its table entry. */
export function commandTakes(command: CommandName, spec: FlagSpec): boolean {
  if (spec.key !== undefined) return commandReads(command, spec.key);
  return spec.commands === 'all' || (spec.commands ?? []).includes(command);
}

const isCommon = (spec: FlagSpec): boolean => COMMANDS.every((c) => commandTakes(c, spec));

function defaultOf(key: string): string {
  let node: unknown = JSON.parse(readFileSync(DEFAULTS_PATH, 'utf8'));
  for (const part of key.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  return node === null || node === undefined ? 'none' : Array.isArray(node) ? node.join(',') || 'none' : String(node);
}

function wrap(text: string, indent: number, first = ''): string[] {
  const lines: string[] = [];
  let line = first.padEnd(indent);
  for (const word of text.split(' ')) {
    if (line.trim() !== '' && line.length + word.length + 1 > WIDTH && line.length > indent) {
      lines.push(line.trimEnd());
      line = ' '.repeat(indent);
    }
    line += line.length > indent && !line.endsWith(' ') ? ` ${word}` : word;
  }
  lines.push(line.trimEnd());
  return lines;
}

function flagLines(spec: FlagSpec, command: CommandName | null): string[] {
  const long = spec.type === 'boolean' && spec.name !== 'help' && spec.name !== 'version' ? `--[no-]${spec.name}` : `--${spec.name}`;
  const name = `  ${spec.short !== undefined ? `-${spec.short}, ` : ''}${long}${spec.value !== undefined ? ` ${spec.value}` : ''}`;
  const help = (command !== null ? spec.helpFor?.[command] : undefined) ?? spec.help;
  const key = spec.key !== undefined ? ` (${spec.key}, default ${defaultOf(spec.key)})` : '';
  // A long name takes its own line, the description starts on the next.
  return name.length >= COLUMN - 1 ? [name, ...wrap(`${help}${key}`, COLUMN)] : wrap(`${help}${key}`, COLUMN, name);
}

function bundledPipelines(): string {
  const names = existsSync(PIPELINES_DIR) ? readdirSync(PIPELINES_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)) : [];
  return names.join(', ') || 'none';
}

function commonSection(): string[] {
  return [
    'common options (every command):',
    ...FLAGS.filter(isCommon).flatMap((f) => flagLines(f, null)),
    `  bundled pipelines: ${bundledPipelines()}`,
  ];
}

/** `f2d --help`: the commands and the flags they all take. */
export function mainHelp(): string {
  const name = Math.max(...COMMANDS.map((c) => c.length)) + 4;
  return [
    'f2d: real-time video restoration (rain, haze, snow, low light) with F2D-Net',
    '',
    'usage: f2d <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.padEnd(name)}${COMMAND_HELP[c].summary}`),
    '',
    ...commonSection(),
    '',
    'Run `f2d <command> --help` (or `f2d help <command>`) for its flags, defaults and examples.',
    'On/off flags take a --no- form (--no-loop); the last one given wins.',
  ].join('\n');
}

/** `f2d <command> --help`. */
export function commandHelp(command: CommandName): string {
  const help = COMMAND_HELP[command];
  const flagKeys = new Set(FLAGS.map((f) => f.key));
  const otherKeys = configKeys().map((k) => k.key).filter((k) => commandReads(command, k) && !flagKeys.has(k));
  return [
    `f2d ${command}: ${help.summary}`,
    '',
    'usage:',
    ...help.usage.map((u) => `  ${u}`),
    '',
    'options:',
    ...FLAGS.filter((f) => commandTakes(command, f) && !isCommon(f)).flatMap((f) => flagLines(f, command)),
    '',
    ...commonSection(),
    '',
    'other config keys it reads (--set <key>=<value>, a --config file, a pipeline, or F2D_* variables;',
    'defaults in config/default.json):',
    ...wrap(otherKeys.join(', '), 2, ''),
    '',
    'examples:',
    ...help.examples.map((e) => `  ${e}`),
  ].join('\n');
}
