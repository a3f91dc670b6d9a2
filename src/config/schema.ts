/**
 * The configuration schema: the single source of truth for every setting's
 * name, type and allowed values. Defaults live in `config/default.json`
 * (validated against this schema like any other layer); env var names and
 * CLI flags are derived from the keys here.
 *
 * Every key is required in the merged result, so a key missing from the
 * defaults is caught at load with its name.
 */
import { z } from 'zod';

/** x264 presets, fastest first. */
export const X264_PRESETS = [
  'ultrafast',
  'superfast',
  'veryfast',
  'faster',
  'fast',
  'medium',
  'slow',
  'slower',
  'veryslow',
  'placebo',
] as const;

/** onnxruntime execution providers f2d can ask for (the one list: the model runtime takes its type from here). */
export const EXECUTION_PROVIDERS = ['cpu', 'cuda', 'webgpu'] as const;
export const TEMPORAL_FILTERS = ['auto', 'off'] as const;
export const PROGRESS_MODES = ['auto', 'bar', 'lines', 'off'] as const;
export const LOG_LEVEL_NAMES = ['debug', 'info', 'warn', 'error', 'silent'] as const;

/** The model runtime (`src/model/`). */
export const modelSchema = z
  .object({
    /** Directory with `manifest.json` and the ONNX files; relative paths are resolved at load. */
    dir: z.string().min(1),
    provider: z.enum(EXECUTION_PROVIDERS),
    /** onnxruntime intra-op threads in all (shared among `streams`); 0 = one per core. */
    threads: z.number().int().min(0).max(1024),
    /**
     * Model sessions restoring video frames concurrently (`f2d restore` only; live serving and
     * images use one). 0 = automatic: 2 on the CPU provider for frames up to 1280x720, else 1.
     */
    streams: z.number().int().min(0).max(64),
    /** Run the parser every N frames and reuse its maps in between. */
    parserInterval: z.number().int().min(1),
    /** Restore frames in tiles of this size (overlap included) when larger; 0 = never. */
    tileSize: z.number().int().min(0),
    /** Context pixels discarded at each inner tile edge. */
    tileOverlap: z.number().int().min(0),
    /**
     * Restore each frame as the mean of this many views (`src/model/ensemble-views.ts`): 1 = the
     * frame alone; 2 adds its mirror image; 4 also both moved by half of the model's 4-pixel block.
     * Each view costs a whole restoration. `auto` (`src/model/open.ts`): 4 for still images, 2 for
     * video files, 1 for live streams and the `f2d eval` benchmark (the network alone).
     */
    ensemble: z.union([z.literal('auto'), z.literal(1), z.literal(2), z.literal(4)]),
    /**
     * Video only: lower what the model left of rain and snow where the picture holds still,
     * from the previous frames (`src/temporal/transient-filter.ts`); `off` restores each frame alone.
     */
    temporalFilter: z.enum(TEMPORAL_FILTERS),
    /**
     * Video files: frames whose largest parser weight is below this are kept as they came in,
     * with half-second fades at each switch (`src/restore/clear-scene-fade.ts`); 0 restores
     * every frame. Live streams have their own, `serve.passThroughBelow`.
     */
    passThroughBelow: z.number().min(0).max(1),
  })
  .strict();

/** Video encoding (H.264 through libx264). */
export const encodeSchema = z
  .object({
    /** Constant rate factor: 0 = lossless, 51 = worst; about 18–23 looks transparent. */
    crf: z.number().int().min(0).max(51),
    preset: z.enum(X264_PRESETS),
    /**
     * x264 threads; 0 = x264's own choice (frame threads plus lookahead: about 1.5 × cores).
     * The model's worker already keeps every core busy, so extra encoder threads only add
     * synchronisation; see test/bench/README.md for what each setting measured.
     */
    threads: z.number().int().min(0).max(64),
  })
  .strict();

/** Still images (png is lossless and has no setting). */
export const imageSchema = z
  .object({
    jpegQuality: z.number().int().min(1).max(100),
    webpQuality: z.number().int().min(0).max(100),
  })
  .strict();

export const outputSchema = z
  .object({
    /** Replace an existing output file (images: files inside an existing output directory). */
    overwrite: z.boolean(),
  })
  .strict();

export const logSchema = z
  .object({
    level: z.enum(LOG_LEVEL_NAMES),
    /** `auto`: a bar on a terminal, plain lines otherwise. */
    progress: z.enum(PROGRESS_MODES),
    /** Seconds between plain progress lines. */
    progressIntervalSec: z.number().positive(),
  })
  .strict();

/** `f2d start`: restore a clip to a file, the quickest check that the install works (`npm start` serves the live demo). */
export const startSchema = z
  .object({
    /** Clip restored by `f2d start` (default: the demo clip shipped in models/demo); relative paths are resolved at load. */
    input: z.string().min(1),
    /** Where it goes; `null` = `f2d-stream/` in the system temp directory. */
    output: z.string().min(1).nullable(),
  })
  .strict();

/**
 * One camera of a multi-camera `f2d serve` (`serve.streams`): its name (the URL path
 * `/s/<name>/`, the `stream` label of its metrics) and source, and what it sets
 * differently from the `serve` section (everything else is shared).
 */
export const liveStreamSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'a stream name is 1-32 lower-case letters, digits, _ or -, starting with a letter or digit (it is a URL path)'),
    source: z.string().min(1),
    loop: z.boolean().optional(),
    width: z.number().int().min(16).max(7680).multipleOf(2).nullable().optional(),
    height: z.number().int().min(16).max(4320).multipleOf(2).nullable().optional(),
    parserInterval: z.number().int().min(1).optional(),
    sceneCutThreshold: z.number().min(0).max(100).optional(),
    passThroughBelow: z.number().min(0).max(1).optional(),
    /** Where this camera is published; by default `serve.publish` with `/<name>` added to its path. */
    publish: z.string().min(1).nullable().optional(),
  })
  .strict();

/** `f2d serve`: live restoration streamed to browser viewers (`src/live/`, `src/server/`). */
export const serveSchema = z
  .object({
    /** rtsp://…, /dev/videoN, http(s)://… (HLS too), a file path, or `demo`. */
    source: z.string().min(1),
    /**
     * Several cameras in one process, each with its own pipeline, viewer page
     * (`/s/<name>/`), health and metrics; empty = the one `source`.
     */
    streams: z.array(liveStreamSchema).max(64),
    /** Play files (and the demo) again from the start when they end. */
    loop: z.boolean(),
    /** 127.0.0.1 keeps the stream on this machine; 0.0.0.0 shares it on the network. */
    host: z.string().min(1),
    /** 0 picks a free port. */
    port: z.number().int().min(0).max(65535),
    /**
     * Viewers must add `?token=…`; null for none (fine on 127.0.0.1). At least 8
     * characters; a blank value from a flag or env var is an error, not "none" (see SECRET_KEYS).
     */
    token: z.string().min(8).nullable(),
    /**
     * Host names (the `Host` header) the server answers besides IP addresses,
     * `localhost` and `host`: protection from DNS rebinding. `.example.com`
     * also allows its subdomains; `*` allows any name (behind a proxy).
     */
    allowedHosts: z.array(z.string().min(1)),
    /** Processing size (even numbers); null keeps the source size. */
    width: z.number().int().min(16).max(7680).multipleOf(2).nullable(),
    height: z.number().int().min(16).max(4320).multipleOf(2).nullable(),
    /** Run the parser every N processed frames and reuse its maps and weights in between. */
    parserInterval: z.number().int().min(1),
    /** Re-run the parser at a scene cut: mean luma change in percent (FFmpeg scdet's measure); 0 = off. */
    sceneCutThreshold: z.number().min(0).max(100),
    /** Pass frames through unrestored while the parser's strongest weight is below this; 0 = always restore. */
    passThroughBelow: z.number().min(0).max(1),
    reconnect: z
      .object({
        initialDelayMs: z.number().int().min(10),
        maxDelayMs: z.number().int().min(10),
      })
      .strict(),
    encoder: z
      .object({
        preset: z.enum(X264_PRESETS),
        crf: z.number().int().min(0).max(51),
        /** Longest time between key frames; viewers that join or lag also get one on request. */
        keyIntervalSec: z.number().positive().max(60),
        threads: z.number().int().min(1).max(16),
      })
      .strict(),
    viewers: z
      .object({
        /** A viewer with more bytes queued than this skips to the next key frame. */
        maxBufferedBytes: z.number().int().min(16384),
        /** Minimum time between two key frames forced for joining or lagging viewers. */
        keyRequestIntervalMs: z.number().int().min(0),
        /** Invalid messages a viewer may send before being disconnected. */
        maxBadMessages: z.number().int().min(1),
      })
      .strict(),
    record: z
      .object({
        /** Folder for segmented MP4 recordings of the restored stream; null = no recording. */
        dir: z.string().min(1).nullable(),
        segmentSec: z.number().int().min(1).max(3600),
      })
      .strict(),
    /**
     * Also push the restored stream to this media server (`rtsp://…`, `rtmp://…`), which serves
     * it to any number of viewers; null = don't. Checked at startup (ERR_PUBLISH_URL).
     */
    publish: z.string().min(1).nullable(),
  })
  .strict();

/** `f2d queue` and `f2d worker`: restoration spread over machines through Redis (BullMQ, `src/queue/`). */
export const queueSchema = z
  .object({
    /** Redis of the queue, `redis://[user:pass@]host:port[/db]`. */
    redis: z.string().min(1),
    /** BullMQ queue name: queues of one Redis with different names never share jobs. */
    name: z.string().min(1).regex(/^[A-Za-z0-9_-]+$/),
    /** Tries of a job before it is marked failed (a crashed worker's try counts once its lock expires). */
    attempts: z.number().int().min(1).max(100),
    /**
     * How long a worker's claim on a job lasts without renewal (it renews every half of it
     * while alive): after a worker dies, its job is redone by another after at most this long.
     */
    lockDurationSec: z.number().min(1).max(3600),
    /** Jobs one worker runs at once; they share the worker's one model. */
    concurrency: z.number().int().min(1).max(64),
    /** `f2d worker` serves Prometheus metrics on this port (`/metrics`); null = none, 0 = any free port. */
    metricsPort: z.number().int().min(0).max(65535).nullable(),
    /** Give up on an unreachable Redis after this long, with ERR_QUEUE_REDIS, instead of retrying forever. */
    connectTimeoutSec: z.number().min(0.5).max(300),
    /**
     * A video at least 1.5 times this long is cut at key frames into segments of about this
     * many seconds, restored as separate jobs (in parallel on several workers) and joined with
     * a stream copy; 0 = every file is one job.
     */
    segmentSec: z.number().min(0).max(86400),
  })
  .strict();

/** Weather synthesis (`models/synth/`) for `f2d degrade` and `f2d eval`. */
export const synthSchema = z
  .object({
    /**
     * Which bundled synthesis to use: `train` (models/synth, the one the models learn from) or
     * `independent` (models/synth-independent: a CDD-11-style generator written separately and
     * never trained on, so `f2d eval` on it measures generalisation, not memory of the generator).
     */
    generator: z.enum(['train', 'independent']),
    /**
     * A synthesis folder (`manifest.json` + `degrade.onnx`) to use instead of the bundled one of
     * `generator`; null = bundled. Relative paths are resolved at load.
     */
    dir: z.string().min(1).nullable(),
    /** `f2d degrade`: a configuration of the synthesis manifest (`rain`, `low_haze_snow`, …); checked against it at run time. */
    weather: z.string().min(1).nullable(),
    /** Base seed of the random parameters and noise fields (degrade and eval). */
    seed: z.number().int().min(0).max(0xffffffff),
  })
  .strict();

/** `f2d eval`: the CDD-11-style benchmark built from the validation photos. */
export const evalSchema = z
  .object({
    /** Folder with `manifest.json` listing `{file, split}` (`npm run photos` makes it). */
    photos: z.string().min(1),
    /** Which `split` of the manifest to use. */
    split: z.string().min(1),
    /** Size of the benchmark crops; each photo is centre-cropped to this aspect and scaled to it. */
    width: z.number().int().min(16).max(8192),
    height: z.number().int().min(16).max(8192),
    /** Use only the first N photos of the split; 0 = all. */
    limit: z.number().int().min(0),
    /** Also write the benchmark images here, CDD-11 style (`clear/`, `<configuration>/`, `restored/<configuration>/`); null = don't. */
    save: z.string().min(1).nullable(),
    /**
     * After the benchmark, run the velocity-magnitude probe (docs/f2dnet-method.md §5) with the
     * model's `velocity.onnx`: ρ, cosine and the gate at each transport step of its grid. A model
     * without the graph gets a notice and a `velocity` section that says why.
     */
    diagnostics: z.boolean(),
    /** How many benchmark images of each configuration the probe runs on (the first ones; each costs one velocity run per step). */
    diagnosticsImages: z.number().int().min(1).max(10000),
  })
  .strict();

/** Which pipeline file (pipelines/*.json) set the values, for --print-config and logs. */
export const pipelineSchema = z
  .object({
    name: z.string().min(1),
    description: z.string(),
  })
  .strict();

/** The whole configuration: one section per component. */
export const configSchema = z
  .object({
    model: modelSchema,
    encode: encodeSchema,
    image: imageSchema,
    output: outputSchema,
    log: logSchema,
    start: startSchema,
    serve: serveSchema,
    synth: synthSchema,
    eval: evalSchema,
    queue: queueSchema,
    pipeline: pipelineSchema,
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if (cfg.model.tileSize > 0 && cfg.model.tileOverlap * 2 >= cfg.model.tileSize) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['model', 'tileOverlap'],
        message: `must be less than half of model.tileSize (${cfg.model.tileSize}), or set model.tileSize to 0`,
      });
    }
    if ((cfg.serve.width === null) !== (cfg.serve.height === null)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['serve', cfg.serve.width === null ? 'width' : 'height'],
        message: `serve.width and serve.height must both be set or both be null (got ${cfg.serve.width} x ${cfg.serve.height})`,
      });
    }
    const seen = new Set<string>();
    cfg.serve.streams.forEach((stream, i) => {
      if (seen.has(stream.name)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['serve', 'streams', i, 'name'], message: `stream name "${stream.name}" is used twice; each stream needs its own name` });
      }
      seen.add(stream.name);
      const width = stream.width === undefined ? cfg.serve.width : stream.width;
      const height = stream.height === undefined ? cfg.serve.height : stream.height;
      if ((width === null) !== (height === null)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['serve', 'streams', i, width === null ? 'width' : 'height'], message: `stream "${stream.name}": width and height must both be set or both be null (got ${width} x ${height})` });
      }
    });
    if (cfg.serve.reconnect.maxDelayMs < cfg.serve.reconnect.initialDelayMs) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['serve', 'reconnect', 'maxDelayMs'],
        message: `must be at least serve.reconnect.initialDelayMs (${cfg.serve.reconnect.initialDelayMs})`,
      });
    }
  });

/**
 * Keys holding file system paths, resolved against the layer that set them
 * (defaults: the package root; a config file: its directory; env and flags:
 * the current directory).
 */
/**
 * Secrets: never shown in error messages, and a blank or `null` value from a
 * flag or an env var is an error rather than "unset" (an empty `--token ""`
 * would otherwise switch authentication off without a word).
 */
export const SECRET_KEYS: readonly string[] = ['serve.token'];

export const PATH_KEYS: readonly string[] = ['model.dir', 'start.input', 'start.output', 'serve.record.dir', 'synth.dir', 'eval.photos', 'eval.save'];
