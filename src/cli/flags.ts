/**
 * The one table of the command line: the commands and every flag, with the
 * config key a flag sets. The parser (`args.ts`) builds its options from it,
 * the help (`help.ts`) prints it; which command takes a flag that sets a key
 * is not written here but asked of `command-keys.ts` (the commands' reads).
 */

export const COMMANDS = ['restore', 'start', 'serve', 'degrade', 'eval', 'queue', 'worker', 'doctor'] as const;
export type CommandName = (typeof COMMANDS)[number];

export interface FlagSpec {
  /** The long name, without `--`. */
  readonly name: string;
  readonly short?: string;
  /** A boolean flag also has its `--no-<name>` form (the last one given wins). */
  readonly type: 'string' | 'boolean';
  /** May be given more than once (`--set`). */
  readonly multiple?: boolean;
  /** How the value is shown in help, e.g. `<dir|name>`. */
  readonly value?: string;
  /** The config key the flag sets (`--crf 18` = `--set encode.crf=18`); the commands that read it take it. */
  readonly key?: string;
  /** For a flag without a key: the commands that take it. */
  readonly commands?: 'all' | readonly CommandName[];
  readonly help: string;
  /** Help that differs for one command. */
  readonly helpFor?: Partial<Record<CommandName, string>>;
}

export const FLAGS: readonly FlagSpec[] = [
  {
    name: 'output', short: 'o', type: 'string', value: '<path>', commands: ['restore', 'degrade', 'eval', 'queue'],
    help: 'output file (video: .mp4 .mkv .mov …; image: png, jpg, webp) or directory; default <input>-restored beside the input',
    helpFor: {
      degrade: 'output file or directory; default <input>-<weather> beside the input',
      eval: 'write the JSON report to this file (the table still prints)',
      queue: 'f2d queue add: the directory the outputs go to, on storage every worker sees',
    },
  },
  { name: 'model', type: 'string', value: '<dir|name>', key: 'model.dir', help: 'model directory with manifest.json, or a bundled model: f2d-lite, f2d-lite-int8, f2d-base' },
  { name: 'provider', type: 'string', value: '<name>', key: 'model.provider', help: 'cpu | cuda | webgpu (falls back to cpu, with a warning, when it cannot load)' },
  { name: 'threads', type: 'string', value: '<n>', key: 'model.threads', help: 'onnxruntime threads, 0 = automatic' },
  { name: 'parser-interval', type: 'string', value: '<n>', key: 'model.parserInterval', help: 'run the parser every n frames, reusing its maps in between' },
  { name: 'ensemble', type: 'string', value: '<auto|1|2|4>', key: 'model.ensemble', help: 'restore each frame as the mean of 1, 2 (+ mirrored) or 4 (+ both moved half a block) views, better at that many times the cost; auto: 4 for images, 2 for video files, 1 live and in eval' },
  { name: 'temporal-filter', type: 'string', value: '<auto|off>', key: 'model.temporalFilter', help: 'video: lower the rain and snow the model left in still parts of the picture, from the previous frames (off: each frame alone)' },
  { name: 'pass-through-below', type: 'string', value: '<0-1>', key: 'model.passThroughBelow', help: 'video files: keep frames whose largest parser weight is below this as they came in, faded over half a second at each switch (0: restore every frame)' },
  { name: 'crf', type: 'string', value: '<0-51>', key: 'encode.crf', help: 'H.264 quality, lower is better' },
  { name: 'preset', type: 'string', value: '<name>', key: 'encode.preset', help: 'x264 preset, ultrafast … veryslow' },
  { name: 'jpeg-quality', type: 'string', value: '<1-100>', key: 'image.jpegQuality', help: 'quality of jpg outputs' },
  { name: 'webp-quality', type: 'string', value: '<0-100>', key: 'image.webpQuality', help: 'quality of webp outputs' },
  { name: 'overwrite', type: 'boolean', key: 'output.overwrite', help: 'replace an existing output' },
  { name: 'source', type: 'string', value: '<uri>', key: 'serve.source', help: 'rtsp://… | /dev/videoN | http(s)://… (HLS) | a file | demo (the bundled clip)' },
  { name: 'host', type: 'string', value: '<addr>', key: 'serve.host', help: 'address the viewer is served on; 0.0.0.0 shares it on the network' },
  { name: 'port', type: 'string', value: '<n>', key: 'serve.port', help: 'port of the viewer, 0 = any free port' },
  { name: 'token', type: 'string', value: '<secret>', key: 'serve.token', help: 'viewers must open the URL with ?token=<secret>; 8+ characters' },
  { name: 'loop', type: 'boolean', key: 'serve.loop', help: 'play a file source again when it ends' },
  { name: 'record', type: 'string', value: '<dir>', key: 'serve.record.dir', help: 'also record the restored stream as segmented MP4' },
  { name: 'publish', type: 'string', value: '<url>', key: 'serve.publish', help: 'also push the restored stream to a media server: rtsp://… or rtmp://… (MediaMTX, nginx-rtmp, SRS, …)' },
  { name: 'weather', type: 'string', value: '<name>', key: 'synth.weather', help: 'a configuration of models/synth/manifest.json: rain, haze, low_haze, haze_snow, low_haze_rain … (11)' },
  { name: 'synth', type: 'string', value: '<name>', key: 'synth.generator', help: 'train (models/synth) or independent (models/synth-independent, never trained on)' },
  { name: 'seed', type: 'string', value: '<n>', key: 'synth.seed', help: 'seed of the synthetic weather' },
  { name: 'photos', type: 'string', value: '<dir>', key: 'eval.photos', help: 'photos with manifest.json ({file, split}), as `npm run photos` makes them' },
  { name: 'limit', type: 'string', value: '<n>', key: 'eval.limit', help: 'benchmark only the first n validation photos, 0 = all' },
  { name: 'save', type: 'string', value: '<dir>', key: 'eval.save', help: 'also write the benchmark images (clear/, <weather>/, restored/)' },
  {
    name: 'diagnostics', type: 'boolean', key: 'eval.diagnostics',
    help: "after the benchmark, the velocity probe: rho, cosine and the gate along the transport, on eval.diagnosticsImages images per configuration (needs the model's velocity.onnx)",
  },
  { name: 'redis', type: 'string', value: '<url>', key: 'queue.redis', help: 'Redis of the distributed queue, redis://host:port' },
  { name: 'concurrency', type: 'string', value: '<n>', key: 'queue.concurrency', help: 'jobs one worker runs at once, sharing its model' },
  { name: 'metrics-port', type: 'string', value: '<n>', key: 'queue.metricsPort', help: 'serve the worker\'s Prometheus metrics on this port (/metrics)' },
  { name: 'wait', type: 'boolean', commands: ['queue'], help: 'f2d queue add: block until every file is done, print the outputs (or the failures)' },
  { name: 'pairs', type: 'boolean', commands: ['eval'], help: 'score the images of <degradedDir> against same-named ones in <cleanDir>' },
  { name: 'clip', type: 'boolean', commands: ['eval'], help: 'restore the frames of <video> and measure flicker on static pixels, input vs output (--weather degrades it first)' },
  {
    name: 'json', type: 'boolean', commands: ['restore', 'start', 'degrade', 'eval', 'queue', 'doctor'],
    help: 'print a JSON summary (frames, seconds, fps, per-stage ms, warnings, config) on stdout',
    helpFor: {
      eval: 'the report as JSON: `--json` on stdout instead of the table, `--json <file>` to a file',
      queue: 'f2d queue status: every file of the queue as JSON on stdout instead of the table',
      doctor: 'the report as JSON on stdout (providers, their problems and fixes, the driver, FFmpeg codecs)',
    },
  },
  { name: 'pipeline', type: 'string', value: '<name|file>', commands: 'all', help: 'settings from a pipelines/<name>.json of the package, or a JSON file' },
  { name: 'config', type: 'string', value: '<file>', commands: 'all', help: 'JSON config file; layers: defaults < file < pipeline < F2D_* env vars < flags' },
  { name: 'set', type: 'string', multiple: true, value: '<key>=<value>', commands: 'all', help: 'any config key the command reads, e.g. --set model.tileSize=512' },
  { name: 'log-level', type: 'string', value: '<level>', key: 'log.level', help: 'debug | info | warn | error | silent' },
  { name: 'progress', type: 'string', value: '<mode>', key: 'log.progress', help: 'auto | bar | lines | off' },
  { name: 'verbose', short: 'v', type: 'boolean', commands: 'all', help: 'debug logs and stack traces (= --log-level debug)' },
  { name: 'quiet', short: 'q', type: 'boolean', commands: 'all', help: 'warnings and errors only, no progress' },
  { name: 'print-config', type: 'boolean', commands: 'all', help: 'print the effective configuration and exit' },
  { name: 'help', short: 'h', type: 'boolean', commands: 'all', help: 'this help; `f2d <command> --help` for a command' },
  { name: 'version', type: 'boolean', commands: 'all', help: 'print the version and exit' },
];

/** The table entry of `--<name>`. */
export function flagSpec(name: string): FlagSpec | undefined {
  return FLAGS.find((f) => f.name === name);
}
