/**
 * Worker-thread entry: hosts a {@link F2dNetEngine}, a {@link SynthEngine} or a {@link VelocityEngine}
 * so onnxruntime's blocking `run()` never stalls the main event loop.
 * Requests are handled strictly one after another, in arrival order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { F2dError } from '../../errors.js';
import { F2dNetEngine } from './f2dnet-engine.js';
import { toWireError, type ReadyModel, type Reply, type Request, type WireFrame, type WorkerInit } from '../protocol.js';
import { SynthEngine } from './synth-engine.js';
import { VelocityEngine } from './velocity-engine.js';
import type { ParserMaps } from '../types.js';
import type { RgbFrame } from '../../frame.js';

const port = parentPort;
if (port === null) throw new Error('model-worker.ts must run in a worker thread (OnnxRestorer and OnnxDegrader start it)');

type Engine =
  | { readonly kind: 'restorer'; readonly engine: F2dNetEngine }
  | { readonly kind: 'synth'; readonly engine: SynthEngine }
  | { readonly kind: 'velocity'; readonly engine: VelocityEngine };

function view(f: WireFrame): RgbFrame {
  return { width: f.width, height: f.height, data: new Uint8Array(f.buffer, f.byteOffset, f.byteLength) };
}

/** A buffer we may transfer: ours alone, not shared. Views into larger buffers get copied. */
function owned(data: Uint8Array, width: number, height: number): WireFrame {
  if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer) {
    return { width, height, buffer: data.buffer, byteOffset: 0, byteLength: data.byteLength };
  }
  const copy = data.slice();
  return { width, height, buffer: copy.buffer, byteOffset: 0, byteLength: copy.byteLength };
}

function send(reply: Reply, transfer: ArrayBuffer[]): void {
  const unique = transfer.filter((b, i) => transfer.indexOf(b) === i);
  try {
    port!.postMessage(reply, unique);
  } catch {
    // onnxruntime's output buffers are external (they own an OrtValue) and may refuse transfer: copy those.
    port!.postMessage(structuredClone(reply), []);
  }
}

function mapsTransfer(maps: ParserMaps | undefined): ArrayBuffer[] {
  return maps !== undefined && maps.data.buffer instanceof ArrayBuffer ? [maps.data.buffer] : [];
}

async function load(init: WorkerInit): Promise<{ engine: Engine; model: ReadyModel }> {
  if (init.kind === 'synth') {
    const engine = await SynthEngine.create(init);
    const m = engine.manifest;
    return {
      engine: { kind: 'synth', engine },
      model: { kind: 'synth', name: m.name, configurations: m.configurations, tiers: m.tiers ?? {} },
    };
  }
  if (init.kind === 'velocity') {
    const engine = await VelocityEngine.create(init);
    return {
      engine: { kind: 'velocity', engine },
      model: { kind: 'velocity', name: engine.manifest.name, ...engine.spec },
    };
  }
  const engine = await F2dNetEngine.create(init);
  const m = engine.manifest;
  return {
    engine: { kind: 'restorer', engine },
    model: { kind: 'restorer', name: m.name, sizeMultiple: m.sizeMultiple, mapsScale: m.mapsScale },
  };
}

async function main(): Promise<void> {
  let loaded: Awaited<ReturnType<typeof load>>;
  try {
    loaded = await load(workerData as WorkerInit);
  } catch (err) {
    port!.postMessage({ type: 'init-error', error: toWireError(err) } satisfies Reply);
    return;
  }
  const { engine } = loaded;
  port!.postMessage({
    type: 'ready',
    provider: engine.engine.provider,
    warnings: engine.engine.warnings,
    model: loaded.model,
  } satisfies Reply);

  let queue = Promise.resolve();
  port!.on('message', (req: Request) => {
    // handle() reports its own errors per request; anything escaping it is a bug worth crashing on.
    queue = queue.then(() => handle(engine, req));
  });
}

function wrongEngine(req: Request, kind: string): F2dError {
  return new F2dError('ERR_MODEL_INTERNAL', 'internal', `a '${req.type}' request reached a worker hosting a ${kind} model`);
}

async function handle(e: Engine, req: Request): Promise<void> {
  if (req.type === 'close') {
    await e.engine.close();
    port!.postMessage({ type: 'closed', id: req.id } satisfies Reply);
    port!.close();
    return;
  }
  try {
    const input = view(req.frame);
    if (req.type === 'degrade') {
      if (e.kind !== 'synth') throw wrongEngine(req, e.kind);
      const r = await e.engine.degrade(input, req);
      const frame = owned(r.data, input.width, input.height);
      send({ type: 'degraded', id: req.id, frame, input: req.frame, timings: r.timings }, [frame.buffer, req.frame.buffer]);
      return;
    }
    if (req.type === 'velocity') {
      if (e.kind !== 'velocity') throw wrongEngine(req, e.kind);
      const r = await e.engine.probe(input, view(req.clean), req.ks, req.seeds);
      send(
        { type: 'velocity', id: req.id, input: req.frame, steps: r.steps, timings: r.timings },
        [req.frame.buffer, ...r.steps.flatMap((s) => [s.velocity.buffer, s.target.buffer]).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer)],
      );
      return;
    }
    if (e.kind !== 'restorer') throw wrongEngine(req, e.kind);
    if (req.type === 'restore') {
      const r = await e.engine.restore(input, req.runParser);
      const frame = owned(r.data, input.width, input.height);
      send(
        {
          type: 'restored',
          id: req.id,
          frame,
          input: req.frame,
          parserRan: r.parserRan,
          maps: r.maps,
          weights: r.weights,
          gate: r.gate,
          timings: r.timings,
        },
        [frame.buffer, req.frame.buffer, ...mapsTransfer(r.maps)],
      );
    } else {
      const r = await e.engine.parse(input);
      send(
        { type: 'parsed', id: req.id, input: req.frame, maps: r.maps, weights: r.weights, timings: r.timings },
        [req.frame.buffer, ...mapsTransfer(r.maps)],
      );
    }
  } catch (err) {
    port!.postMessage({ type: 'error', id: req.id, error: toWireError(err), input: req.frame } satisfies Reply, [
      req.frame.buffer,
    ]);
  }
}

void main();
