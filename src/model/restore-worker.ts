/**
 * Worker-thread entry: hosts a {@link RestoreEngine} so onnxruntime's
 * blocking `run()` never stalls the main event loop. Requests are handled
 * strictly one after another, in arrival order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RestoreEngine } from './engine.js';
import { toWireError, type Reply, type Request, type WireFrame, type WorkerInit } from './protocol.js';
import type { ParserMaps, RgbFrame } from './types.js';

const port = parentPort;
if (port === null) throw new Error('restore-worker.ts must run in a worker thread (OnnxRestorer starts it)');

function view(f: WireFrame): RgbFrame {
  return { width: f.width, height: f.height, data: new Uint8Array(f.buffer, f.byteOffset, f.byteLength) };
}

/** A buffer we may transfer: ours alone, not shared. External (native-owned) buffers get copied. */
function owned(data: Uint8Array, width: number, height: number): WireFrame {
  if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer) {
    return { width, height, buffer: data.buffer, byteOffset: 0, byteLength: data.byteLength };
  }
  const copy = data.slice();
  return { width, height, buffer: copy.buffer, byteOffset: 0, byteLength: copy.byteLength };
}

function send(reply: Reply, transfer: ArrayBuffer[]): void {
  try {
    port!.postMessage(reply, transfer);
  } catch {
    // onnxruntime's output buffers are external (they own an OrtValue) and may refuse transfer: copy those.
    port!.postMessage(structuredClone(reply), []);
  }
}

function mapsTransfer(maps: ParserMaps | undefined): ArrayBuffer[] {
  return maps !== undefined && maps.data.buffer instanceof ArrayBuffer ? [maps.data.buffer] : [];
}

async function main(): Promise<void> {
  let engine: RestoreEngine;
  try {
    engine = await RestoreEngine.create(workerData as WorkerInit);
  } catch (err) {
    port!.postMessage({ type: 'init-error', error: toWireError(err) } satisfies Reply);
    return;
  }
  port!.postMessage({
    type: 'ready',
    provider: engine.provider,
    warnings: engine.warnings,
    modelName: engine.manifest.name,
    sizeMultiple: engine.manifest.sizeMultiple,
    mapsScale: engine.manifest.mapsScale,
  } satisfies Reply);

  let queue = Promise.resolve();
  port!.on('message', (req: Request) => {
    // handle() reports its own errors per request; anything escaping it is a bug worth crashing on.
    queue = queue.then(() => handle(engine, req));
  });
}

async function handle(engine: RestoreEngine, req: Request): Promise<void> {
  if (req.type === 'close') {
    await engine.close();
    port!.postMessage({ type: 'closed', id: req.id } satisfies Reply);
    port!.close();
    return;
  }
  try {
    const input = view(req.frame);
    if (req.type === 'restore') {
      const r = await engine.restore(input, req.runParser);
      const frame = owned(r.data, input.width, input.height);
      const transfer = [frame.buffer, req.frame.buffer, ...mapsTransfer(r.maps)];
      send(
        {
          type: 'restored',
          id: req.id,
          frame,
          input: req.frame,
          parserRan: r.parserRan,
          maps: r.maps,
          weights: r.weights,
          timings: r.timings,
        },
        transfer.filter((b, i) => transfer.indexOf(b) === i),
      );
    } else {
      const r = await engine.parse(input);
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
