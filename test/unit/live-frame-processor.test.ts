import assert from 'node:assert/strict';
import { FrameProcessor } from '../../src/live/frame-processor.js';
import type { LiveFrame } from '../../src/live/types.js';
import type { FrameRestorer, ParseResult, RestoreOptions, RestoreResult } from '../../src/model/types.js';
import type { RgbFrame } from '../../src/frame.js';

/**
 * A restorer with the runtime's contract: it inverts the picture, reports the
 * weights it is given per parse, returns maps when parsing, and detaches the
 * caller's buffer (as the worker transfer does).
 */
class InvertingRestorer implements FrameRestorer {
  calls: boolean[] = [];
  constructor(protected readonly weightsPerParse: number[][]) {}
  async restore(frame: RgbFrame, options: RestoreOptions = {}): Promise<RestoreResult> {
    const reparse = options.reparse === true;
    this.calls.push(reparse);
    const out = new Uint8Array(frame.data.length);
    for (let i = 0; i < out.length; i++) out[i] = 255 - (frame.data[i] ?? 0);
    structuredClone(frame.data.buffer, { transfer: [frame.data.buffer as ArrayBuffer] });
    const weights = reparse ? this.weightsPerParse.shift() ?? [0, 0, 0, 0] : undefined;
    const mw = Math.ceil(frame.width / 4);
    const mh = Math.ceil(frame.height / 4);
    const maps = reparse ? { width: mw, height: mh, frameWidth: frame.width, frameHeight: frame.height, data: new Float32Array(4 * mw * mh).fill(0.5) } : undefined;
    return { frame: { width: frame.width, height: frame.height, data: out }, timings: { restorer: 1 }, ...(weights ? { weights } : {}), ...(maps ? { maps, parserRan: true } : { parserRan: false }) };
  }
  async close(): Promise<void> {}
}

function frame(seq: number, value = 40): LiveFrame {
  const width = 16;
  const height = 8;
  return { seq, width, height, data: Buffer.alloc(width * height * 3, value), captureMs: seq, ptsSeconds: null };
}

describe('live: FrameProcessor', () => {
  it('restores, keeps the source pixels intact although the restorer detaches its copy, and quantises maps', async () => {
    const restorer = new InvertingRestorer([[0.9, 0, 0, 0]]);
    const p = new FrameProcessor(restorer, { interval: 4, sceneCutThreshold: 0, passThroughBelow: 0 });
    const src = frame(0);
    const out = await p.process(src);
    assert.equal(out.passThrough, false);
    assert.equal(out.parse, 'first');
    assert.equal(src.data.length, 16 * 8 * 3, 'source buffer still attached');
    assert.equal(out.output.data[0], 255 - 40);
    assert.deepEqual(out.weights, [0.9, 0, 0, 0]);
    assert.equal(out.maps?.planes.length, 4);
    assert.equal(out.maps?.planes[0]?.[0], 128);
    assert.ok((out.timings.restore ?? -1) >= 0);
  });

  it('passes frames through without calling the model while the parser sees a clear scene', async () => {
    const restorer = new InvertingRestorer([[0.01, 0.02, 0, 0], [0.6, 0, 0, 0]]);
    const p = new FrameProcessor(restorer, { interval: 3, sceneCutThreshold: 0, passThroughBelow: 0.05 });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await p.process(frame(i)));
    // frame 0 parses (clear) → pass; 1, 2 skip the model; 3 parses (degraded) → restore; 4 restores
    assert.deepEqual(results.map((r) => r.passThrough), [true, true, true, false, false]);
    assert.deepEqual(restorer.calls, [true, true, false]);
    assert.equal(results[1]?.output.data[0], 40, 'passed-through frame is the source');
    assert.equal(results[4]?.output.data[0], 215, 'restored frame is the model output');
  });

  it('while passing a clear scene through, runs the parser alone when it is due, and restores once it sees weather', async () => {
    /** The inverting restorer with a parser of its own, which takes the caller's buffer too. */
    class ParsingRestorer extends InvertingRestorer {
      parses = 0;
      async parse(f: RgbFrame): Promise<ParseResult> {
        this.parses++;
        structuredClone(f.data.buffer, { transfer: [f.data.buffer as ArrayBuffer] });
        const weights = this.weightsPerParse.shift() ?? [0, 0, 0, 0];
        const maps = { width: 4, height: 2, frameWidth: f.width, frameHeight: f.height, data: new Float32Array(32).fill(0.25) };
        return { maps, weights, timings: { parser: 1 } };
      }
    }
    const restorer = new ParsingRestorer([[0.01, 0.02, 0, 0], [0.02, 0, 0, 0.01], [0, 0, 0.7, 0], [0, 0, 0.7, 0]]);
    const p = new FrameProcessor(restorer, { interval: 2, sceneCutThreshold: 0, passThroughBelow: 0.05 });
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await p.process(frame(i)));
    // 0 restores and parses (clear); 1 passes; 2 the parser alone (still clear); 3 passes;
    // 4 the parser alone sees rain, so 4 is restored with the parser afresh (rain again); 5 restores
    assert.deepEqual(results.map((r) => r.passThrough), [true, true, true, true, false, false]);
    assert.equal(restorer.parses, 2);
    assert.deepEqual(restorer.calls, [true, true, false]);
    assert.equal(results[2]?.maps?.planes[0]?.[0], 64, 'the parse-only frame still brings the maps to the viewer');
    assert.ok((results[2]?.timings.parser ?? -1) >= 0);
    assert.equal(results[2]?.output.data[0], 40, 'a frame the parser alone kept is the source');
    assert.equal(results[4]?.output.data[0], 215, 'the frame the weather came back on is restored');
    assert.deepEqual(results[4]?.weights, [0, 0, 0.7, 0]);
  });

  it('always restores when pass-through is off', async () => {
    const restorer = new InvertingRestorer([[0, 0, 0, 0]]);
    const p = new FrameProcessor(restorer, { interval: 8, sceneCutThreshold: 0, passThroughBelow: 0 });
    const r = [await p.process(frame(0)), await p.process(frame(1))];
    assert.deepEqual(r.map((x) => x.passThrough), [false, false]);
    assert.equal(restorer.calls.length, 2);
  });

  it('with the temporal filter, lowers moving bright specks of a still scene while the parser sees rain, not otherwise', async () => {
    /** Returns the frame as it is, with the weights it is given. */
    class SameRestorer implements FrameRestorer {
      constructor(public weights: number[]) {}
      async restore(f: RgbFrame): Promise<RestoreResult> {
        return { frame: { width: f.width, height: f.height, data: f.data.slice() }, timings: {}, weights: this.weights, parserRan: true };
      }
      async close(): Promise<void> {}
    }
    const speckled = (seq: number): LiveFrame => {
      const f = frame(seq, 80);
      const o = ((seq % 8) * 16 + 3 + (seq % 5)) * 3; // one bright pixel, somewhere else each frame
      f.data.fill(110, o, o + 3);
      return f;
    };
    const run = async (weights: number[]): Promise<number> => {
      const p = new FrameProcessor(new SameRestorer(weights), { interval: 1, sceneCutThreshold: 0, passThroughBelow: 0, temporalFilter: true });
      let brightest = 0;
      for (let seq = 0; seq < 6; seq++) {
        const out = await p.process(speckled(seq));
        if (seq >= 2) brightest = Math.max(brightest, ...out.output.data);
      }
      return brightest;
    };
    assert.equal(await run([0, 0, 0.9, 0]), 80, 'rain: the specks are lowered to the scene');
    assert.equal(await run([0, 0.9, 0, 0]), 110, 'haze only: the filter stays off');
  });
});
