import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checkSessionIo, loadManifest, loadSynthManifest, parseManifest, type Manifest } from '../../src/model/manifest.js';
import { F2dError } from '../../src/errors.js';

const TMP = path.join('test', '.tmp', 'model-manifest');

const io = (name: string, dtype: string, shape: (number | string)[]) => ({ name, dtype, shape });
function validManifest(files: Record<'parser' | 'restorer', { path: string; sha256: string }>) {
  return {
    format: 'f2d-model/1',
    name: 'unit',
    kind: 'f2d-restorer',
    sizeMultiple: 16,
    mapsScale: 4,
    factors: ['low', 'haze', 'rain', 'snow'],
    files,
    io: {
      parser: {
        inputs: [io('image', 'uint8', [1, 'H', 'W', 3])],
        outputs: [io('maps', 'float32', [1, 4, 'H/4', 'W/4']), io('weights', 'float32', [1, 4])],
      },
      restorer: {
        inputs: [io('image', 'uint8', [1, 'H', 'W', 3]), io('maps', 'float32', [1, 4, 'H/4', 'W/4']), io('weights', 'float32', [1, 4])],
        outputs: [io('restored', 'uint8', [1, 'H', 'W', 3])],
      },
    },
  };
}
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function writeModel(dir: string, tamper?: (m: ReturnType<typeof validManifest>) => void): Promise<void> {
  await mkdir(dir, { recursive: true });
  const parser = new TextEncoder().encode('parser bytes');
  const restorer = new TextEncoder().encode('restorer bytes');
  await writeFile(path.join(dir, 'parser.onnx'), parser);
  await writeFile(path.join(dir, 'restorer.onnx'), restorer);
  const m = validManifest({
    parser: { path: 'parser.onnx', sha256: sha(parser) },
    restorer: { path: 'restorer.onnx', sha256: sha(restorer) },
  });
  tamper?.(m);
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(m));
}

function rejectsWith(code: string, message: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof F2dError, `expected F2dError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, message);
    assert.ok(err.hint !== undefined && err.hint.length > 0, 'errors carry a hint');
    return true;
  };
}

describe('model/manifest', () => {
  after(() => rm(TMP, { recursive: true, force: true }));

  it('loads a valid manifest and resolves file paths', async () => {
    const dir = path.join(TMP, 'ok');
    await writeModel(dir);
    const loaded = await loadManifest(dir);
    assert.equal(loaded.manifest.sizeMultiple, 16);
    assert.equal(loaded.files.parser, path.resolve(dir, 'parser.onnx'));
  });

  it("accepts the restorer's optional alpha output, and no other extra", () => {
    const files = { parser: { path: 'p.onnx', sha256: 'a'.repeat(64) }, restorer: { path: 'r.onnx', sha256: 'b'.repeat(64) } };
    const withAlpha = validManifest(files);
    withAlpha.io.restorer.outputs = [io('restored', 'uint8', [1, 'H', 'W', 3]), io('alpha', 'float32', [1, 4])];
    assert.equal(parseManifest(withAlpha, 'm.json').io.restorer.outputs.length, 2);
    const withOther = validManifest(files);
    withOther.io.restorer.outputs = [io('restored', 'uint8', [1, 'H', 'W', 3]), io('beta', 'float32', [1, 4])];
    assert.throws(() => parseManifest(withOther, 'm.json'), /declares \[restored, beta\]/);
  });

  it('accepts the optional velocity graph with its io and grid, and checks them together', () => {
    const files = { parser: { path: 'p.onnx', sha256: 'a'.repeat(64) }, restorer: { path: 'r.onnx', sha256: 'b'.repeat(64) } };
    const image = (name: string) => io(name, 'float32', [1, 3, 'H', 'W']);
    const velocityIo = {
      inputs: [image('degraded'), image('clean'), io('k', 'int64', [1]), image('eps'), io('maps', 'float32', [1, 4, 'H/4', 'W/4']), io('weights', 'float32', [1, 4])],
      outputs: [image('velocity'), image('target'), io('alpha', 'float32', [1, 4])],
    };
    const withVelocity = (tamper: (m: Record<string, unknown> & ReturnType<typeof validManifest>) => void = () => undefined) => {
      const m = {
        ...validManifest(structuredClone(files)),
        velocity: { kGrid: [0, 10, 25, 50, 75, 100], steps: 100, sigmasScale: 1 },
      } as Record<string, unknown> & ReturnType<typeof validManifest>;
      (m.files as Record<string, unknown>)['velocity'] = { path: 'velocity.onnx', sha256: 'c'.repeat(64) };
      (m.io as Record<string, unknown>)['velocity'] = velocityIo;
      tamper(m);
      return m;
    };
    const ok = parseManifest(withVelocity(), 'm.json');
    assert.deepEqual(ok.velocity?.kGrid, [0, 10, 25, 50, 75, 100]);
    assert.equal(ok.files.velocity?.path, 'velocity.onnx');
    assert.equal(parseManifest(validManifest(files), 'm.json').files.velocity, undefined, 'a model without it still parses');
    assert.throws(
      () => parseManifest(withVelocity((m) => delete m['velocity']), 'm.json'),
      /velocity: files\.velocity is listed, so the velocity section \(kGrid, steps, sigmasScale\) must be too/,
    );
    assert.throws(
      () => parseManifest(withVelocity((m) => delete (m.io as Record<string, unknown>)['velocity']), 'm.json'),
      /io\.velocity: files\.velocity is listed, so io\.velocity must declare its inputs and outputs/,
    );
    assert.throws(
      () => parseManifest(withVelocity((m) => ((m.io as Record<string, typeof velocityIo>)['velocity']!.outputs = [image('velocity'), image('target')])), 'm.json'),
      /io\.velocity\.outputs: the velocity probe needs outputs \[velocity, target, alpha\], the manifest declares \[velocity, target\]/,
    );
    assert.throws(
      () => parseManifest(withVelocity((m) => (m['velocity'] = { kGrid: [0, 120], steps: 100, sigmasScale: 1 })), 'm.json'),
      /velocity\.kGrid: steps \[120\] lie beyond the last, 100/,
    );
  });

  it('names every bad key of an invalid manifest', () => {
    const m = validManifest({ parser: { path: 'p.onnx', sha256: 'x' }, restorer: { path: '../r.onnx', sha256: 'a'.repeat(64) } });
    (m as { sizeMultiple: number }).sizeMultiple = 6;
    m.io.restorer.outputs = [io('out', 'uint8', [1, 'H', 'W', 3])];
    assert.throws(
      () => parseManifest(m, 'm.json'),
      rejectsWith(
        'ERR_MODEL_MANIFEST_INVALID',
        /files\.parser\.sha256: must be 64 lowercase hex[\s\S]*files\.restorer\.path: must be a path relative[\s\S]*sizeMultiple \(6\) must be a multiple of mapsScale \(4\)[\s\S]*io\.restorer\.outputs: the runtime needs restorer outputs \[restored\] \(and optionally \[alpha\]\), the manifest declares \[out\]/,
      ),
    );
  });

  it('reports a missing model directory', async () => {
    await assert.rejects(loadManifest(path.join(TMP, 'nope')), rejectsWith('ERR_MODEL_NOT_FOUND', /cannot read the model manifest .*nope/));
  });

  it('reports a file whose sha256 does not match, with both hashes', async () => {
    const dir = path.join(TMP, 'sha');
    await writeModel(dir);
    await writeFile(path.join(dir, 'restorer.onnx'), 'tampered');
    const actual = sha(new TextEncoder().encode('tampered'));
    await assert.rejects(
      loadManifest(dir),
      rejectsWith('ERR_MODEL_SHA_MISMATCH', new RegExp(`restorer\\.onnx has sha256 ${actual}, but .*manifest\\.json expects [0-9a-f]{64}`)),
    );
  });

  it('reports a file listed but absent', async () => {
    const dir = path.join(TMP, 'missing');
    await writeModel(dir, (m) => (m.files.parser.path = 'gone.onnx'));
    await assert.rejects(loadManifest(dir), rejectsWith('ERR_MODEL_FILE_MISSING', /gone\.onnx listed in .*manifest\.json/));
  });

  it('names both lists when the session io differs from the manifest', () => {
    const m = parseManifest(
      validManifest({ parser: { path: 'p.onnx', sha256: 'a'.repeat(64) }, restorer: { path: 'r.onnx', sha256: 'b'.repeat(64) } }),
      'm.json',
    ) as Manifest;
    assert.doesNotThrow(() => checkSessionIo('parser', m.io.parser, 'p.onnx', { inputNames: ['image'], outputNames: ['weights', 'maps'] }));
    assert.throws(
      () => checkSessionIo('restorer', m.io.restorer, 'r.onnx', { inputNames: ['input', 'maps'], outputNames: ['restored'] }),
      rejectsWith(
        'ERR_MODEL_IO_MISMATCH',
        /restorer graph r\.onnx .*manifest inputs \[image, maps, weights\], session inputs \[input, maps\]; manifest outputs \[restored\], session outputs \[restored\]/,
      ),
    );
  });

  it('checks the synthesis manifest: io names and tiers that name known configurations', async () => {
    const dir = path.join(TMP, 'synth');
    await mkdir(dir, { recursive: true });
    const bytes = new TextEncoder().encode('degrade bytes');
    await writeFile(path.join(dir, 'degrade.onnx'), bytes);
    const m = {
      format: 'f2d-model/1',
      name: 'synth',
      kind: 'f2d-synth',
      factors: ['low', 'haze', 'rain', 'snow'],
      configurations: { rain: [0, 0, 1, 0] },
      tiers: { single: ['rain', 'fog'] },
      nParams: 16,
      nNoise: 8,
      files: { degrade: { path: 'degrade.onnx', sha256: sha(bytes) } },
      io: {
        degrade: {
          inputs: [io('image', 'uint8', [1, 'H', 'W', 3]), io('flags', 'float32', [4])],
          outputs: [io('degraded', 'uint8', [1, 'H', 'W', 3])],
        },
      },
    };
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(m));
    await assert.rejects(
      loadSynthManifest(dir),
      rejectsWith(
        'ERR_MODEL_MANIFEST_INVALID',
        /io\.degrade\.inputs: the runtime needs degrade inputs \[image, flags, params, noise\], the manifest declares \[image, flags\][\s\S]*tier lists 'fog', which is not in configurations/,
      ),
    );
  });
});
