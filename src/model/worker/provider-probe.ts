/**
 * A child process that opens one graph on one execution provider, with no
 * fallback, runs it once on a small black image and prints what happened as
 * one JSON line (`src/model/provider-probe.ts` starts it for `f2d doctor`).
 *
 * A child, not a worker thread: a provider library that crashes while loading
 * (a driver or CUDA version it was not built for) takes its whole process
 * down, and the doctor must live to report it.
 *
 *   node provider-probe.js <provider> <graph.onnx>
 */
import { ort, nativeLibDir, sessionOptions } from './session.js';
import { PROBE_MARKER, PROBE_SIZE, type ProbeReply } from '../probe-protocol.js';

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n').find((l) => l.trim() !== '') ?? text).trim();
}

async function probe(provider: string, file: string): Promise<ProbeReply> {
  const base = {
    provider,
    versions: { ...ort.env.versions },
    backends: ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled })),
    nativeDir: nativeLibDir(),
  };
  const started = performance.now();
  let session: ort.InferenceSession;
  try {
    // The shared options with this provider alone: openSession() would fall back to cpu.
    session = await ort.InferenceSession.create(file, { ...sessionOptions('cpu', { provider: 'cpu', threads: 1 }), executionProviders: [provider] });
  } catch (err) {
    return { ...base, ok: false, stage: 'load', error: firstLine(err) };
  }
  const loadMs = performance.now() - started;
  try {
    // Every f2d graph takes packed uint8 RGB (NHWC) as its first input; one of sizeMultiple 16 fits all.
    const name = session.inputNames[0]!;
    const image = new ort.Tensor('uint8', new Uint8Array(PROBE_SIZE * PROBE_SIZE * 3), [1, PROBE_SIZE, PROBE_SIZE, 3]);
    const runStarted = performance.now();
    const out = await session.run({ [name]: image });
    const runMs = performance.now() - runStarted;
    for (const t of Object.values(out)) t.dispose();
    return { ...base, ok: true, loadMs, runMs };
  } catch (err) {
    return { ...base, ok: false, stage: 'run', error: firstLine(err) };
  } finally {
    await session.release();
  }
}

const [provider, file] = process.argv.slice(2);
if (provider === undefined || file === undefined) {
  process.stderr.write('usage: provider-probe <provider> <graph.onnx>\n');
  process.exitCode = 2;
} else {
  const reply = await probe(provider, file);
  process.stdout.write(`${PROBE_MARKER}${JSON.stringify(reply)}\n`);
}
