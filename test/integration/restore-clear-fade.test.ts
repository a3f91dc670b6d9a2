/**
 * A video whose weather comes and goes: the clear stretch leaves `f2d restore` as it came in,
 * the weather is restored, and the switch is a fade, not a jump.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../src/log.js';
import { VideoReader, setFfmpegLogLevel } from '../../src/media/index.js';
import { restore } from '../../src/restore/index.js';
import { FADE_FRAMES } from '../../src/restore/clear-scene-fade.js';
import type { FrameRestorer, ParseResult, RestoreOptions, RestoreResult } from '../../src/model/types.js';
import type { RgbFrame } from '../../src/frame.js';
import { makeClip, tmpDir } from '../helpers/clips.js';

/** Inverts every frame (far from the input, so each share shows) and reports snow from frame `from` on. */
class InvertingRestorer implements FrameRestorer {
  private calls = 0;
  constructor(private readonly from: number) {}
  async restore(frame: RgbFrame): Promise<RestoreResult> {
    const index = this.calls++;
    const data = frame.data.map((v) => 255 - v);
    frame.data.fill(0); // as a transfer to a worker would leave it: the caller must have kept a copy
    await new Promise((r) => setImmediate(r));
    return { frame: { width: frame.width, height: frame.height, data }, weights: index < this.from ? [0.01, 0.02, 0, 0.01] : [0, 0.05, 0, 0.95], timings: {} };
  }
  async close(): Promise<void> {}
}

/**
 * The same, with a parser of its own, as the runtime has: snow from the clip's frame `from` on,
 * each frame known by its pixels, so a frame parsed first and restored after counts once.
 */
class ParsingRestorer implements FrameRestorer {
  readonly restored: number[] = [];
  readonly parsed: number[] = [];
  readonly reparsed: number[] = [];
  private readonly order = new Map<string, number>();
  constructor(private readonly from: number) {}
  private index(frame: RgbFrame): number {
    const key = createHash('sha1').update(frame.data).digest('hex');
    if (!this.order.has(key)) this.order.set(key, this.order.size);
    return this.order.get(key)!;
  }
  private weights(index: number): number[] {
    return index < this.from ? [0.01, 0.02, 0, 0.01] : [0, 0.05, 0, 0.95];
  }
  async restore(frame: RgbFrame, options: RestoreOptions = {}): Promise<RestoreResult> {
    const index = this.index(frame);
    this.restored.push(index);
    if (options.reparse) this.reparsed.push(index);
    const data = frame.data.map((v) => 255 - v);
    frame.data.fill(0);
    await new Promise((r) => setImmediate(r));
    return { frame: { width: frame.width, height: frame.height, data }, weights: this.weights(index), timings: { restorer: 20 } };
  }
  async parse(frame: RgbFrame): Promise<ParseResult> {
    const index = this.index(frame);
    this.parsed.push(index);
    frame.data.fill(0);
    await new Promise((r) => setImmediate(r));
    const maps = { width: 1, height: 1, frameWidth: frame.width, frameHeight: frame.height, data: new Float32Array(4) };
    return { maps, weights: this.weights(index), timings: { parser: 3 } };
  }
  async close(): Promise<void> {}
}

async function frames(path: string): Promise<Uint8Array[]> {
  const reader = await VideoReader.open(path, { log: createLogger('test', 'error', () => {}) });
  const out: Uint8Array[] = [];
  try {
    for (let item = reader.next(); item.kind !== 'end'; item = reader.next()) {
      if (item.kind === 'frame') out.push(new Uint8Array(item.frame.rgb.data));
    }
  } finally {
    reader.close();
  }
  return out;
}

const meanAbsDiff = (a: Uint8Array, b: Uint8Array): number => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
};

/**
 * Frames 0–19 of `output` are `input` as it came in; from frame 20 (where the weather comes) the
 * inverted restoration fades in frame by frame, and is whole after {@link FADE_FRAMES}.
 */
async function assertKeptThenFadedIn(input: string, output: string): Promise<void> {
  const [ins, outs] = [await frames(input), await frames(output)];
  const diff = ins.map((f, i) => meanAbsDiff(f, outs[i]!));
  const inverted = ins.map((f) => meanAbsDiff(f, f.map((v) => 255 - v)));
  for (let i = 0; i < 20; i++) assert.ok(diff[i]! < 3, `clear frame ${i} kept as it came in (${diff[i]!.toFixed(1)} levels off)`);
  for (let i = 20; i < 20 + FADE_FRAMES - 1; i++) {
    assert.ok(diff[i + 1]! > diff[i]!, `fading in frame by frame: ${diff.slice(19, 33).map((d) => d.toFixed(0)).join(' ')}`);
  }
  assert.ok(diff[20]! < 0.2 * inverted[20]!, 'the first weather frame is mostly the input still');
  for (let i = 20 + FADE_FRAMES; i < 50; i++) assert.ok(Math.abs(diff[i]! - inverted[i]!) < 3, `frame ${i} fully restored`);
}

describe('restore: clear scenes of a video pass through (passThroughBelow)', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    setFfmpegLogLevel('quiet');
    dir = tmpDir('clear-fade');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  let lines: string[];
  const run = (name: string, passThroughBelow: number | undefined, restorer: FrameRestorer = new InvertingRestorer(20)) => {
    const input = join(dir, 'weather-comes.mp4');
    const output = join(dir, `${name}.mp4`);
    lines = [];
    return restore(input, output, {
      restorer,
      log: createLogger('test', 'debug', (line) => lines.push(line)),
      overwrite: true,
      encode: { crf: 12, preset: 'ultrafast' },
      image: { jpegQuality: 95, webpQuality: 95 },
      ...(passThroughBelow === undefined ? {} : { passThroughBelow }),
    }).then((summary) => ({ summary, output, input }));
  };

  it('keeps the clear frames, restores the weather, and fades between them', async () => {
    makeClip(join(dir, 'weather-comes.mp4'), { seconds: 2, fps: 25 });
    const { summary, output, input } = await run('faded', 0.05);
    assert.equal(summary.frames, 50);
    assert.equal(summary.clearFrames, 20);
    assert.equal(summary.parsedOnlyFrames, 0, 'a restorer without a parser of its own restores every frame');
    const switches = lines.filter((l) => /frame \d+: (clear|weather)/.test(l));
    assert.deepEqual(switches.map((l) => l.replace(/^f2d:\S+ /, '')), [
      'frame 0: clear (largest parser weight 0.02), kept as it came in',
      'frame 20: weather (largest parser weight 0.95), restored',
    ]);
    await assertKeptThenFadedIn(input, output);
  });

  it('runs the parser alone on the clear frames it keeps, and restores from the frame the weather comes back', async () => {
    const restorer = new ParsingRestorer(20);
    const { summary, output, input } = await run('parsed', 0.05, restorer);
    assert.equal(summary.frames, 50);
    assert.equal(summary.clearFrames, 20);
    // The first frames are restored while the fade learns the scene; from there the parser decides.
    assert.ok(summary.parsedOnlyFrames! >= 15, `frames by the parser alone: ${summary.parsedOnlyFrames}`);
    const restoredClear = restorer.restored.filter((i) => i < 20);
    assert.equal(restoredClear.length, 20 - summary.parsedOnlyFrames!, `clear frames restored: ${restoredClear.join(' ')}`);
    for (let i = 20; i < 50; i++) assert.ok(restorer.restored.includes(i), `weather frame ${i} restored`);
    assert.ok(restorer.reparsed.length >= 1, 'the first restorations after the clear stretch run the parser afresh');
    await assertKeptThenFadedIn(input, output);
    assert.ok((summary.stages['model.parser'] ?? 0) > 0, 'the parser-only time is reported');
  });

  it('restores every frame when it is off', async () => {
    const { summary, output, input } = await run('off', undefined);
    assert.equal(summary.clearFrames, undefined);
    const [ins, outs] = [await frames(input), await frames(output)];
    const inverted = ins.map((f) => meanAbsDiff(f, f.map((v) => 255 - v)));
    ins.forEach((f, i) => assert.ok(Math.abs(meanAbsDiff(f, outs[i]!) - inverted[i]!) < 3, `frame ${i} restored`));
  });
});
