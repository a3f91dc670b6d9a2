/**
 * Command-line parsing: argv → command, positionals, CLI-only switches and
 * config values (as dotted keys, validated later with every other layer).
 */
import { parseArgs } from 'node:util';
import { F2dError } from '../errors.js';
import type { FlagValue } from '../config/load.js';
import type { CommandArgs } from './commands/context.js';

export const COMMANDS = ['restore', 'start', 'serve', 'degrade', 'eval'] as const;
export type CommandName = (typeof COMMANDS)[number];

/** Flags that set one config key each (`--crf 18` = `--set encode.crf=18`). */
const CONFIG_FLAGS: Readonly<Record<string, string>> = {
  model: 'model.dir',
  provider: 'model.provider',
  threads: 'model.threads',
  'parser-interval': 'model.parserInterval',
  crf: 'encode.crf',
  preset: 'encode.preset',
  'jpeg-quality': 'image.jpegQuality',
  'webp-quality': 'image.webpQuality',
  overwrite: 'output.overwrite',
  progress: 'log.progress',
  'log-level': 'log.level',
  source: 'serve.source',
  host: 'serve.host',
  port: 'serve.port',
  token: 'serve.token',
  loop: 'serve.loop',
  record: 'serve.record.dir',
  weather: 'synth.weather',
  synth: 'synth.generator',
  seed: 'synth.seed',
  photos: 'eval.photos',
  limit: 'eval.limit',
  save: 'eval.save',
};

const OPTIONS = {
  output: { type: 'string', short: 'o' },
  config: { type: 'string' },
  model: { type: 'string' },
  provider: { type: 'string' },
  threads: { type: 'string' },
  'parser-interval': { type: 'string' },
  crf: { type: 'string' },
  preset: { type: 'string' },
  'jpeg-quality': { type: 'string' },
  'webp-quality': { type: 'string' },
  overwrite: { type: 'boolean' },
  progress: { type: 'string' },
  'log-level': { type: 'string' },
  source: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  token: { type: 'string' },
  loop: { type: 'boolean' },
  record: { type: 'string' },
  weather: { type: 'string' },
  synth: { type: 'string' },
  seed: { type: 'string' },
  photos: { type: 'string' },
  limit: { type: 'string' },
  save: { type: 'string' },
  pairs: { type: 'boolean' },
  pipeline: { type: 'string' },
  set: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  quiet: { type: 'boolean', short: 'q' },
  'print-config': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

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

export const USAGE = `usage:
  f2d restore <input> [-o <output>] [options]   restore a video, an image, or a directory of images
  f2d start [options]                           restore the bundled sample clip and print where it went
  f2d serve [--source <uri>] [options]          restore a live source and stream it to a browser viewer
  f2d degrade <input> --weather <name> [-o <output>] [--seed <n>] [--synth train|independent]
                                                add synthetic weather to a video, an image or a directory
  f2d eval [--synth train|independent] [--photos <dir>] [--limit <n>] [--json [file]]
                                                benchmark the model on the validation photos (PSNR/SSIM)
  f2d eval --pairs <degradedDir> <cleanDir>     PSNR/SSIM of images against same-named clean ones
  f2d --print-config [options]                  show the effective configuration

input/output:
  -o, --output <path>     output file (video: .mp4 .mkv .mov …; image: same kinds as input) or directory
                          (default: <input>-restored next to the input)
  --overwrite             replace an existing output
settings (each is a config key; see config/default.json):
  --model <dir|name>      model directory with manifest.json, or a bundled model: f2d-lite, f2d-lite-int8  (model.dir)
  --provider <name>       cpu | cuda | webgpu                       (model.provider)
  --threads <n>           onnxruntime threads, 0 = automatic        (model.threads)
  --parser-interval <n>   run the parser every n frames             (model.parserInterval)
  --crf <0-51>            H.264 quality, lower is better            (encode.crf)
  --preset <name>         x264 preset, ultrafast … veryslow         (encode.preset)
  --jpeg-quality <1-100>  --webp-quality <0-100>                    (image.*)
  --progress <mode>       auto | bar | lines | off                  (log.progress)
  --set <key>=<value>     any config key, e.g. --set model.tileSize=512
                          (a command refuses keys it does not read: f2d serve takes serve.parserInterval
                          and serve.encoder.* instead of --parser-interval, --crf, --preset)
  --config <file>         JSON config file; order: defaults < file < F2D_* env vars < flags
live (f2d serve):
  --source <uri>          rtsp://… | /dev/videoN | http(s)://… (HLS) | file | demo   (serve.source)
  --host <addr>  --port <n>   where the viewer is served, default 127.0.0.1:8080   (serve.host, serve.port)
  --token <secret>        viewers must open the URL with ?token=<secret>; 8+ characters   (serve.token)
  --loop                  play a file source again when it ends                    (serve.loop)
  --record <dir>          also record the restored stream as segmented MP4         (serve.record.dir)
  --pipeline <name|file>  settings from pipelines/<name>.json, e.g. dashcam-live
weather and benchmark (f2d degrade, f2d eval):
  --weather <name>        a configuration of models/synth/manifest.json: rain, low_haze, haze_snow,
                          low_haze_rain … (11: 4 single, 5 pairs, 2 triples)       (synth.weather)
  --seed <n>              seed of the synthetic weather, default 0                 (synth.seed)
  --synth <name>          train (models/synth, default) or independent (models/synth-independent:
                          CDD-11-style, never trained on: measures generalisation)  (synth.generator)
  --photos <dir>          photos with manifest.json ({file, split}); default scripts/data/photos (eval.photos)
  --limit <n>             benchmark only the first n validation photos, 0 = all    (eval.limit)
  --save <dir>            also write the benchmark images (clear/, <weather>/, restored/)  (eval.save)
  crop size: --set eval.width=512 --set eval.height=384 (the default; multiples of 16)
output and diagnostics:
  --json                  print a JSON summary (frames, seconds, fps, per-stage ms) on stdout
  -v, --verbose           debug logs and stack traces      -q, --quiet   warnings and errors only
  --print-config          print the effective configuration and exit
  -h, --help              --version`;

function usageError(message: string, cause?: unknown): F2dError {
  return new F2dError('ERR_CONFIG_USAGE', 'config', message, { hint: 'run `f2d --help` for the commands and flags', cause });
}

/**
 * Parses the arguments after `node main.js`.
 *
 * @throws {F2dError} ERR_CONFIG_USAGE for unknown flags or commands, missing values, `--set` without `=`
 */
export function parseCliArgs(argv: readonly string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (cause) {
    throw usageError((cause as Error).message.split('\n')[0] ?? 'invalid arguments', cause);
  }
  const { values, positionals } = parsed;
  const [first, ...rest] = positionals;
  let command: CommandName | null = null;
  if (first !== undefined) {
    if (!(COMMANDS as readonly string[]).includes(first)) {
      throw usageError(`unknown command "${first}"; commands: ${COMMANDS.join(', ')}`);
    }
    command = first as CommandName;
  }
  const flags: FlagValue[] = [];
  for (const [name, key] of Object.entries(CONFIG_FLAGS)) {
    const v = (values as Record<string, string | boolean | undefined>)[name];
    if (v !== undefined) flags.push({ key, value: v, flag: `--${name}` });
  }
  for (const s of values.set ?? []) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw usageError(`--set "${s}" must look like key=value, e.g. --set encode.crf=18`);
    flags.push({ key: s.slice(0, eq), value: s.slice(eq + 1), flag: `--set ${s}` });
  }
  if (values.verbose) flags.push({ key: 'log.level', value: 'debug', flag: '--verbose' });
  else if (values.quiet) {
    flags.push({ key: 'log.level', value: 'warn', flag: '--quiet' });
    if (values.progress === undefined) flags.push({ key: 'log.progress', value: 'off', flag: '--quiet' });
  }
  return {
    command,
    positionals: rest,
    output: values.output,
    configFile: values.config,
    pipeline: values.pipeline,
    flags,
    json: values.json ?? false,
    pairs: values.pairs ?? false,
    verbose: values.verbose ?? false,
    quiet: values.quiet ?? false,
    printConfig: values['print-config'] ?? false,
    help: values.help ?? false,
    version: values.version ?? false,
  };
}
