/**
 * The inference core that runs inside the model worker: both sessions,
 * padding and cropping, parser-output reuse, and tiling.
 *
 * It calls onnxruntime synchronously-in-effect (`run()` blocks its thread),
 * which is why {@link OnnxRestorer} hosts it in a worker thread. Tests may
 * use it directly.
 */
import { performance } from 'node:perf_hooks';
import { F2dError } from '../../errors.js';
import { FACTORS } from '../../factors.js';
import { checkSessionIo, loadManifest, type LoadedManifest, type Manifest } from '../manifest.js';
import { openSession, ort, type SessionSettings } from './session.js';
import { cropInterleaved, cropPlanar, padRgb, paddedSize } from '../tensor.js';
import { planTiles, restoreTiled, type Tile } from '../tiles.js';
import { addViewBack, ensembleViews, meanOfViews, viewFrame } from '../ensemble-views.js';
import type { F2dNetEngineOptions } from '../protocol.js';
import type { ExecutionProvider, ParserMaps } from '../types.js';
import type { RgbFrame } from '../../frame.js';

/** Output of {@link F2dNetEngine.restore}. */
export interface EngineRestoreResult {
  /** Restored RGB24, `width * height * 3`, in a buffer of its own. */
  readonly data: Uint8Array;
  readonly parserRan: boolean;
  /** Present when the parser ran for this frame. */
  readonly maps: ParserMaps | undefined;
  readonly weights: readonly number[];
  /** The gate's mixing weights of the experts (`low, haze, rain, snow`), when the graph outputs `alpha`; the mean over tiles. */
  readonly gate: readonly number[] | undefined;
  readonly tiles: number;
  readonly timings: Record<string, number>;
}

/** Output of {@link F2dNetEngine.parse}. */
export interface EngineParseResult {
  readonly maps: ParserMaps;
  readonly weights: readonly number[];
  readonly timings: Record<string, number>;
}

interface ParserState {
  readonly width: number;
  readonly height: number;
  readonly paddedW: number;
  readonly paddedH: number;
  readonly maps: ort.Tensor;
  readonly weights: ort.Tensor;
}

/** Channels of the parser's maps: one per degradation factor. */
const MAP_CHANNELS = FACTORS.length;

/** Both F2D-Net sessions of one model, with the buffers reused between frames. */
export class F2dNetEngine {
  readonly manifest: Manifest;
  readonly provider: ExecutionProvider;
  readonly warnings: readonly string[];
  private readonly files: LoadedManifest['files'];
  private parser: ort.InferenceSession | undefined;
  private restorer: ort.InferenceSession | undefined;
  private readonly options: F2dNetEngineOptions;
  /** The last parser output of each ensemble view (index 0: the frame itself), reused between parser runs. */
  private last: (ParserState | undefined)[] = [];
  private padBuf = new Uint8Array(0);

  private constructor(
    loaded: LoadedManifest,
    parser: ort.InferenceSession,
    restorer: ort.InferenceSession,
    provider: ExecutionProvider,
    warnings: string[],
    options: F2dNetEngineOptions,
  ) {
    this.manifest = loaded.manifest;
    this.files = loaded.files;
    this.parser = parser;
    this.restorer = restorer;
    this.provider = provider;
    this.warnings = warnings;
    this.options = options;
  }

  /**
   * Loads the manifest (with sha256 checks), opens both sessions and checks
   * their inputs/outputs against the manifest.
   *
   * @throws {F2dError} manifest, load and ERR_MODEL_IO_MISMATCH errors; sessions are released before throwing.
   */
  static async create(options: F2dNetEngineOptions): Promise<F2dNetEngine> {
    const loaded = await loadManifest(options.modelDir);
    checkTiling(options, loaded.manifest.sizeMultiple);
    const settings: SessionSettings = {
      provider: options.provider,
      threads: options.threads,
      ...(options.allowSpinning !== undefined ? { allowSpinning: options.allowSpinning } : {}),
    };
    const opened: ort.InferenceSession[] = [];
    try {
      const p = await openSession(loaded.files.parser, settings);
      opened.push(p.session);
      checkSessionIo('parser', loaded.manifest.io.parser, loaded.files.parser, p.session);
      // If the requested provider failed for the parser, do not pay (and warn about) the same failure twice.
      const r = await openSession(loaded.files.restorer, { ...settings, provider: p.provider });
      opened.push(r.session);
      checkSessionIo('restorer', loaded.manifest.io.restorer, loaded.files.restorer, r.session);
      const warnings = [...p.warnings, ...r.warnings, ...quantizedOnGpuWarning(loaded.manifest, r.provider)];
      return new F2dNetEngine(loaded, p.session, r.session, r.provider, warnings, options);
    } catch (err) {
      await Promise.all(opened.map((s) => s.release()));
      throw err;
    }
  }

  /** Runs the parser alone and returns its maps (cropped to the frame) and weights. */
  async parse(frame: RgbFrame): Promise<EngineParseResult> {
    const timings: Record<string, number> = {};
    const image = this.padded(frame, timings);
    const state = await this.runParser(frame, image, timings, 0);
    return { maps: this.exportMaps(state), weights: Array.from(state.weights.data as Float32Array), timings };
  }

  /**
   * Restores one frame: alone, or as the mean of the views of the
   * `ensemble` (`ensemble-views.ts`), each with its own parser run and reuse.
   * The maps and weights reported are those of the frame itself; the gate is
   * the mean over views.
   */
  async restore(frame: RgbFrame, runParser: boolean): Promise<EngineRestoreResult> {
    const views = ensembleViews(this.options.ensemble ?? 1);
    if (views.length === 1) return this.restoreView(frame, runParser, 0);
    checkFrame(frame);
    const sum = new Uint16Array(frame.width * frame.height * 3);
    const results: EngineRestoreResult[] = [];
    for (const [slot, view] of views.entries()) {
      const result = await this.restoreView(viewFrame(frame, view), runParser, slot);
      const t0 = performance.now();
      addViewBack(sum, result.data, frame.width, frame.height, view);
      results.push({ ...result, timings: { ...result.timings, ensemble: performance.now() - t0 } });
    }
    const t0 = performance.now();
    const data = meanOfViews(sum, views.length);
    const timings: Record<string, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(r.timings)) timings[k] = (timings[k] ?? 0) + v;
    timings['ensemble'] = (timings['ensemble'] ?? 0) + performance.now() - t0;
    const gates = results.map((r) => r.gate).filter((g): g is readonly number[] => g !== undefined);
    const first = results[0]!;
    return {
      ...first,
      data,
      gate: gates.length === 0 ? undefined : FACTORS.map((_, i) => gates.reduce((s, g) => s + g[i]!, 0) / gates.length),
      tiles: results.reduce((n, r) => n + r.tiles, 0),
      timings,
    };
  }

  /**
   * Restores one view. The parser runs when `runParser` is set, when the view
   * has no parser output yet, or when the frame size changed; otherwise the
   * view's last maps and weights are reused.
   */
  private async restoreView(frame: RgbFrame, runParser: boolean, slot: number): Promise<EngineRestoreResult> {
    const timings: Record<string, number> = {};
    const image = this.padded(frame, timings);
    const last = this.last[slot];
    const mustParse = runParser || last === undefined || last.width !== frame.width || last.height !== frame.height;
    const state = mustParse ? await this.runParser(frame, image, timings, slot) : last;
    const { manifest, options } = this;
    const { paddedW, paddedH } = state;
    const tiles = planTiles(paddedW, paddedH, options.tileSize, options.tileOverlap, manifest.sizeMultiple);
    let data: Uint8Array;
    const gates: (readonly number[])[] = [];
    const t0 = performance.now();
    if (tiles.length === 1) {
      const { data: out, gate } = await this.runRestorer(image, paddedW, paddedH, state.maps, state.weights);
      if (gate !== undefined) gates.push(gate);
      timings['restorer'] = performance.now() - t0;
      const t1 = performance.now();
      data =
        paddedW === frame.width && paddedH === frame.height
          ? out
          : cropInterleaved(out, paddedW, paddedH, 3, 0, 0, frame.width, frame.height, new Uint8Array(frame.width * frame.height * 3));
      timings['crop'] = performance.now() - t1;
    } else {
      data = await this.restoreTiled(frame, image, state, tiles, gates);
      timings['restorer'] = performance.now() - t0;
    }
    return {
      data,
      parserRan: mustParse,
      maps: mustParse ? this.exportMaps(state) : undefined,
      weights: Array.from(state.weights.data as Float32Array),
      gate: gates.length === 0 ? undefined : FACTORS.map((_, i) => gates.reduce((sum, g) => sum + g[i]!, 0) / gates.length),
      tiles: tiles.length,
      timings,
    };
  }

  /** Releases both sessions; idempotent. */
  async close(): Promise<void> {
    const sessions = [this.parser, this.restorer];
    this.parser = undefined;
    this.restorer = undefined;
    this.last = [];
    await Promise.all(sessions.map((s) => s?.release()));
  }

  private sessions(): { parser: ort.InferenceSession; restorer: ort.InferenceSession } {
    if (this.parser === undefined || this.restorer === undefined) {
      throw new F2dError('ERR_MODEL_CLOSED', 'internal', 'the model engine was used after close()', {
        hint: 'create a new restorer; close() releases the sessions',
      });
    }
    return { parser: this.parser, restorer: this.restorer };
  }

  /** The frame padded to the size multiple; the frame itself when no padding is needed. */
  private padded(frame: RgbFrame, timings: Record<string, number>): Uint8Array {
    checkFrame(frame);
    const { width, height, data } = frame;
    const p = paddedSize(width, height, this.manifest.sizeMultiple);
    if (p.width === width && p.height === height) return data;
    const t0 = performance.now();
    const need = p.width * p.height * 3;
    if (this.padBuf.length !== need) this.padBuf = new Uint8Array(need);
    padRgb(data, width, height, this.padBuf, p.width, p.height);
    timings['pad'] = performance.now() - t0;
    return this.padBuf;
  }

  private async runParser(frame: RgbFrame, image: Uint8Array, timings: Record<string, number>, slot: number): Promise<ParserState> {
    const { parser } = this.sessions();
    const { sizeMultiple, mapsScale } = this.manifest;
    const { width: paddedW, height: paddedH } = paddedSize(frame.width, frame.height, sizeMultiple);
    const t0 = performance.now();
    const out = await this.run(parser, 'parser', {
      image: new ort.Tensor('uint8', image, [1, paddedH, paddedW, 3]),
    });
    timings['parser'] = performance.now() - t0;
    const maps = out['maps']!;
    const weights = out['weights']!;
    expectShape('parser', 'maps', maps.dims, [1, MAP_CHANNELS, paddedH / mapsScale, paddedW / mapsScale], this.files.parser);
    expectShape('parser', 'weights', weights.dims, [1, MAP_CHANNELS], this.files.parser);
    const state: ParserState = { width: frame.width, height: frame.height, paddedW, paddedH, maps, weights };
    this.last[slot] = state;
    return state;
  }

  private async runRestorer(
    image: Uint8Array,
    w: number,
    h: number,
    maps: ort.Tensor,
    weights: ort.Tensor,
  ): Promise<{ data: Uint8Array; gate: readonly number[] | undefined }> {
    const { restorer } = this.sessions();
    const out = await this.run(restorer, 'restorer', {
      image: new ort.Tensor('uint8', image, [1, h, w, 3]),
      maps,
      weights,
    });
    const restored = out['restored']!;
    expectShape('restorer', 'restored', restored.dims, [1, h, w, 3], this.files.restorer);
    if (restored.type !== 'uint8') {
      throw new F2dError('ERR_MODEL_OUTPUT_TYPE', 'model', `restorer output 'restored' is ${restored.type}, expected uint8`, {
        hint: 're-export the model: restorer.onnx must end with a Cast to uint8 (models/README.md)',
      });
    }
    const alpha = out['alpha'];
    return { data: restored.data as Uint8Array, gate: alpha === undefined ? undefined : Array.from(alpha.data as Float32Array) };
  }

  private restoreTiled(frame: RgbFrame, image: Uint8Array, state: ParserState, tiles: Tile[], gates: (readonly number[])[]): Promise<Uint8Array> {
    const tiled = {
      image,
      paddedW: state.paddedW,
      paddedH: state.paddedH,
      width: frame.width,
      height: frame.height,
      maps: state.maps.data as Float32Array,
      mapsChannels: MAP_CHANNELS,
      mapsScale: this.manifest.mapsScale,
    };
    // The parser's global weights apply to every tile: a tile sees only its crop, not the frame's global context.
    return restoreTiled(tiled, tiles, async (img, w, h, maps) => {
      const { data, gate } = await this.runRestorer(img, w, h, new ort.Tensor('float32', maps, [1, MAP_CHANNELS, h / tiled.mapsScale, w / tiled.mapsScale]), state.weights);
      if (gate !== undefined) gates.push(gate);
      return data;
    });
  }

  private async run(
    session: ort.InferenceSession,
    graph: 'parser' | 'restorer',
    feeds: Record<string, ort.Tensor>,
  ): Promise<Record<string, ort.Tensor>> {
    try {
      return (await session.run(feeds)) as Record<string, ort.Tensor>;
    } catch (cause) {
      const shapes = Object.entries(feeds)
        .map(([k, v]) => `${k}[${v.dims.join(',')}]`)
        .join(' ');
      throw new F2dError(
        'ERR_MODEL_RUN',
        'model',
        `${graph} run failed on ${shapes} (${this.files[graph]}): ${cause instanceof Error ? cause.message : String(cause)}`,
        { hint: 'check that the model matches models/README.md; if memory ran out, restore in tiles (--set model.tileSize=512)', cause },
      );
    }
  }

  private exportMaps(state: ParserState): ParserMaps {
    const s = this.manifest.mapsScale;
    const width = Math.ceil(state.width / s);
    const height = Math.ceil(state.height / s);
    const data = cropPlanar(
      state.maps.data as Float32Array,
      MAP_CHANNELS,
      state.paddedW / s,
      state.paddedH / s,
      0,
      0,
      width,
      height,
      new Float32Array(MAP_CHANNELS * width * height),
    );
    return { width, height, frameWidth: state.width, frameHeight: state.height, data };
  }
}

/** @throws {F2dError} ERR_MODEL_FRAME_INVALID (not fatal) when the frame is not packed RGB24 of a positive size */
function checkFrame(frame: RgbFrame): void {
  const { width, height, data } = frame;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new F2dError('ERR_MODEL_FRAME_INVALID', 'input', `frame size ${width}x${height} is not a positive integer size`, {
      fatal: false,
    });
  }
  if (data.length !== width * height * 3) {
    throw new F2dError(
      'ERR_MODEL_FRAME_INVALID',
      'input',
      `frame ${width}x${height} has ${data.length} bytes; packed RGB24 needs ${width * height * 3}`,
      { hint: 'convert frames to packed rgb24 (stride = width * 3) before restoring', fatal: false },
    );
  }
}

function expectShape(graph: string, name: string, got: readonly number[], want: readonly number[], file: string): void {
  if (got.length === want.length && got.every((d, i) => d === want[i])) return;
  throw new F2dError(
    'ERR_MODEL_OUTPUT_SHAPE',
    'model',
    `${graph} output '${name}' has shape [${got.join(',')}], expected [${want.join(',')}] (${file})`,
    { hint: 'the graph does not follow models/README.md (maps at 1/mapsScale of the padded frame); re-export it' },
  );
}

/** Tiles are cut on the model's size multiple; the overlaps must leave at least one multiple of progress per tile. */
function checkTiling(options: F2dNetEngineOptions, multiple: number): void {
  const { tileSize, tileOverlap } = options;
  if (tileSize === 0) return;
  const tile = Math.floor(tileSize / multiple) * multiple;
  if (tile - 2 * tileOverlap < multiple) {
    throw new F2dError(
      'ERR_CONFIG_INVALID',
      'config',
      `model.tileSize ${tileSize} (used as ${tile}, a multiple of the model's size multiple ${multiple}) leaves no room for model.tileOverlap ${tileOverlap} on both sides`,
      { hint: `set model.tileSize to at least ${2 * tileOverlap + multiple}, lower model.tileOverlap, or set model.tileSize to 0` },
    );
  }
}

/**
 * An int8 model is made for the CPU: onnxruntime's WebGPU provider has no QLinearConv, so each
 * quantized convolution goes back to the CPU with a copy each way. On an H100 that made
 * f2d-lite-int8 15x slower than f2d-lite (435 vs 28 ms at 1280x720, test/bench/results/gpu).
 */
export function quantizedOnGpuWarning(manifest: Manifest, provider: ExecutionProvider): string[] {
  if (provider === 'cpu' || manifest.quantization === undefined) return [];
  const float = manifest.quantization.from.model;
  return [
    `${manifest.name} is an int8 model made for the CPU; on '${provider}' its quantized convolutions fall back to the CPU ` +
      `and it runs many times slower than the float model. Use --model ${float} with --provider ${provider}.`,
  ];
}
