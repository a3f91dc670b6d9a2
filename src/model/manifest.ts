/**
 * `models/<name>/manifest.json`: its schema, loading, file hashes, and the
 * check of the declared inputs/outputs against an opened session.
 *
 * The contract is described in `models/README.md`.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { F2dError } from '../errors.js';
import { FACTORS } from '../factors.js';

const dimSchema = z.union([z.number().int().nonnegative(), z.string().min(1)]);

const ioValueSchema = z.object({
  name: z.string().min(1),
  dtype: z.enum(['uint8', 'float32', 'float16', 'int64', 'int32']),
  shape: z.array(dimSchema).min(1),
});

const graphIoSchema = z.object({
  inputs: z.array(ioValueSchema).min(1),
  outputs: z.array(ioValueSchema).min(1),
});

const fileSchema = z.object({
  path: z
    .string()
    .min(1)
    .refine((p) => !path.isAbsolute(p) && !p.split(/[\\/]/).includes('..'), {
      message: 'must be a path relative to the model directory, without ".."',
    }),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
});

/** The names the runtime feeds and fetches; the manifest must declare exactly these. */
export const GRAPH_IO = {
  parser: { inputs: ['image'], outputs: ['maps', 'weights'] },
  restorer: { inputs: ['image', 'maps', 'weights'], outputs: ['restored'] },
} as const;

/**
 * Outputs a graph may add to {@link GRAPH_IO}'s: the restorer's `alpha` (the
 * gate's mixing weights of the four experts, `[1, 4]`), which `f2d eval` reads
 * for the experts' selectivity. Models exported before it lack it and still run.
 */
export const OPTIONAL_OUTPUTS: Readonly<Record<keyof typeof GRAPH_IO, readonly string[]>> = { parser: [], restorer: ['alpha'] };

/** The graphs an `f2d-restorer` model is made of. */
export type GraphName = keyof typeof GRAPH_IO;

/**
 * The names of the optional velocity-probe graph (`velocity.onnx`, `f2d eval
 * --diagnostics`): x_k sampled inside it from `degraded`, `clean`, `k` and `eps`,
 * then the network's velocity f(x_k, k, y), the target μ − x_k and the gate α.
 */
export const VELOCITY_IO = {
  inputs: ['degraded', 'clean', 'k', 'eps', 'maps', 'weights'],
  outputs: ['velocity', 'target', 'alpha'],
} as const;

/** The manifest's `velocity` section: which transport steps the probe measures, and how the graph was made. */
const velocitySchema = z
  .object({
    /** The transport steps k the probe runs at (`python3 -m f2dnet.diagnostics` uses the same grid). */
    kGrid: z.array(z.number().int().nonnegative()).min(1),
    /** T, the last step. */
    steps: z.number().int().positive(),
    /** The transport's noise strength the model was trained with, which the graph samples x_k with. */
    sigmasScale: z.number().nonnegative(),
    /** One golden run at a step k > 0, in the `golden` folder (`degraded`, `clean`, `eps`, `velocity`, `target`, `alpha`). */
    golden: z.object({ k: z.number().int().nonnegative(), files: z.record(z.string().min(1)) }).optional(),
  })
  .passthrough()
  .superRefine((v, ctx) => {
    const outside = v.kGrid.filter((k) => k > v.steps);
    if (outside.length > 0) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['kGrid'], message: `steps [${outside.join(', ')}] lie beyond the last, ${v.steps}` });
    }
  });

/** A manifest's `factors`: exactly {@link FACTORS}, in that order (maps and weights follow it). */
const factorsSchema = z.tuple([z.literal(FACTORS[0]), z.literal(FACTORS[1]), z.literal(FACTORS[2]), z.literal(FACTORS[3])]);

/** Schema of `manifest.json` (format `f2d-model/1`). */
export const manifestSchema = z
  .object({
    format: z.literal('f2d-model/1'),
    name: z.string().min(1),
    kind: z.literal('f2d-restorer'),
    sizeMultiple: z.number().int().positive(),
    mapsScale: z.number().int().positive(),
    factors: factorsSchema,
    /** `velocity` is optional: models exported before the probe, and the int8 ones, have none. */
    files: z.object({ parser: fileSchema, restorer: fileSchema, velocity: fileSchema.optional() }),
    io: z.object({ parser: graphIoSchema, restorer: graphIoSchema, velocity: graphIoSchema.optional() }),
    golden: z
      .object({ dir: z.string().min(1), width: z.number().int().positive(), height: z.number().int().positive() })
      .optional(),
    velocity: velocitySchema.optional(),
    config: z.record(z.unknown()).optional(),
    training: z.record(z.unknown()).optional(),
    metrics: z.record(z.unknown()).optional(),
    /** Present on int8 models made by scripts/quantize.ts: which float model, how. */
    quantization: z.object({ method: z.string(), from: z.object({ model: z.string() }).passthrough() }).passthrough().optional(),
  })
  .passthrough()
  .superRefine((m, ctx) => {
    if (m.sizeMultiple % m.mapsScale !== 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['sizeMultiple'],
        message: `sizeMultiple (${m.sizeMultiple}) must be a multiple of mapsScale (${m.mapsScale})`,
      });
    }
    for (const graph of ['parser', 'restorer'] as const) {
      for (const dir of ['inputs', 'outputs'] as const) {
        const declared = m.io[graph][dir].map((v) => v.name);
        const expected: readonly string[] = GRAPH_IO[graph][dir];
        const optional = dir === 'outputs' ? OPTIONAL_OUTPUTS[graph] : [];
        if (!sameNames(declared.filter((n) => !optional.includes(n)), expected)) {
          const also = optional.length > 0 ? ` (and optionally [${optional.join(', ')}])` : '';
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: ['io', graph, dir],
            message: `the runtime needs ${graph} ${dir} [${expected.join(', ')}]${also}, the manifest declares [${declared.join(', ')}]`,
          });
        }
      }
    }
    if (m.files.velocity === undefined) return;
    // A listed velocity graph comes with what the probe needs to run it.
    if (m.velocity === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['velocity'], message: 'files.velocity is listed, so the velocity section (kGrid, steps, sigmasScale) must be too' });
    }
    if (m.io.velocity === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['io', 'velocity'], message: 'files.velocity is listed, so io.velocity must declare its inputs and outputs' });
      return;
    }
    for (const dir of ['inputs', 'outputs'] as const) {
      const declared = m.io.velocity[dir].map((v) => v.name);
      if (!sameNames(declared, VELOCITY_IO[dir])) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['io', 'velocity', dir],
          message: `the velocity probe needs ${dir} [${VELOCITY_IO[dir].join(', ')}], the manifest declares [${declared.join(', ')}]`,
        });
      }
    }
  });

/** A parsed `manifest.json`. */
export type Manifest = z.infer<typeof manifestSchema>;

/** A manifest together with where it was loaded from. */
export interface LoadedManifest {
  readonly manifest: Manifest;
  /** Absolute directory of the model. */
  readonly dir: string;
  /** Absolute paths of the ONNX files. */
  readonly files: Readonly<Record<GraphName, string>>;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sortedB = [...b].sort();
  return [...a].sort().every((n, i) => n === sortedB[i]);
}

/**
 * Parses a restorer manifest object; throws `ERR_MODEL_MANIFEST_INVALID` naming every bad key.
 *
 * @param raw - the parsed JSON.
 * @param where - the file it came from, for the message.
 * @throws {F2dError} ERR_MODEL_MANIFEST_INVALID
 */
export function parseManifest(raw: unknown, where: string): Manifest {
  return parseWith(manifestSchema, raw, where);
}

function parseWith<S extends z.ZodTypeAny>(schema: S, raw: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues
      .map((i) => `  ${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
      .join('\n');
    throw new F2dError('ERR_MODEL_MANIFEST_INVALID', 'model', `invalid model manifest ${where}:\n${problems}`, {
      hint: 'regenerate the model with the export script (scripts/), or fix the keys listed above; the format is in models/README.md',
    });
  }
  return result.data as z.infer<S>;
}

/** Reads and JSON-parses `<dir>/manifest.json`. */
async function readManifestJson(dir: string): Promise<{ absDir: string; manifestPath: string; raw: unknown }> {
  const absDir = path.resolve(dir);
  const manifestPath = path.join(absDir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (cause) {
    throw new F2dError('ERR_MODEL_NOT_FOUND', 'model', `cannot read the model manifest ${manifestPath}`, {
      hint: 'point the model setting (--model) at a directory that holds manifest.json and its ONNX files',
      cause,
    });
  }
  try {
    return { absDir, manifestPath, raw: JSON.parse(text) as unknown };
  } catch (cause) {
    throw new F2dError('ERR_MODEL_MANIFEST_INVALID', 'model', `model manifest ${manifestPath} is not valid JSON`, {
      hint: 'regenerate it with the export script (scripts/)',
      cause,
    });
  }
}

/**
 * Reads `<dir>/manifest.json` of an F2D-Net restorer, validates it, and
 * checks the sha256 of every file it lists.
 *
 * @param dir - the model directory (relative paths resolve against the cwd).
 * @returns the manifest and the absolute paths of its ONNX files.
 * @throws {F2dError} ERR_MODEL_NOT_FOUND, ERR_MODEL_MANIFEST_INVALID, ERR_MODEL_FILE_MISSING, ERR_MODEL_SHA_MISMATCH
 * @example
 * const { manifest, files } = await loadManifest('models/f2d-lite');
 */
export async function loadManifest(dir: string): Promise<LoadedManifest> {
  const { absDir, manifestPath, raw } = await readManifestJson(dir);
  const manifest = parseWith(manifestSchema, raw, manifestPath);
  const files = {
    parser: path.join(absDir, manifest.files.parser.path),
    restorer: path.join(absDir, manifest.files.restorer.path),
  };
  await Promise.all(
    (['parser', 'restorer'] as const).map((g) => verifySha256(files[g], manifest.files[g].sha256, manifestPath)),
  );
  return { manifest, dir: absDir, files };
}

/** The names the synthesis runtime feeds and fetches. */
export const SYNTH_IO = { inputs: ['image', 'flags', 'params', 'noise'], outputs: ['degraded'] } as const;

/** Schema of the weather-synthesis manifest (`models/synth/manifest.json`, kind `f2d-synth`). */
export const synthManifestSchema = z
  .object({
    format: z.literal('f2d-model/1'),
    name: z.string().min(1),
    kind: z.literal('f2d-synth'),
    factors: factorsSchema,
    configurations: z.record(z.tuple([z.number(), z.number(), z.number(), z.number()])),
    tiers: z.record(z.array(z.string())).optional(),
    nParams: z.number().int().positive(),
    nNoise: z.number().int().positive(),
    files: z.object({ degrade: fileSchema }),
    io: z.object({ degrade: graphIoSchema }),
    golden: z
      .object({ dir: z.string().min(1), width: z.number().int().positive(), height: z.number().int().positive() })
      .optional(),
  })
  .passthrough()
  .superRefine((m, ctx) => {
    const declared = { inputs: m.io.degrade.inputs.map((v) => v.name), outputs: m.io.degrade.outputs.map((v) => v.name) };
    for (const dir of ['inputs', 'outputs'] as const) {
      const expected: readonly string[] = SYNTH_IO[dir];
      if (!sameNames(declared[dir], expected)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['io', 'degrade', dir],
          message: `the runtime needs degrade ${dir} [${expected.join(', ')}], the manifest declares [${declared[dir].join(', ')}]`,
        });
      }
    }
    for (const tier of Object.values(m.tiers ?? {})) {
      for (const name of tier) {
        if (!(name in m.configurations)) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['tiers'], message: `tier lists '${name}', which is not in configurations` });
        }
      }
    }
  });

/** A parsed synthesis manifest. */
export type SynthManifest = z.infer<typeof synthManifestSchema>;

/**
 * Reads and checks `<dir>/manifest.json` of the weather-synthesis graph.
 *
 * @throws {F2dError} as {@link loadManifest}.
 */
export async function loadSynthManifest(dir: string): Promise<{ manifest: SynthManifest; dir: string; file: string }> {
  const { absDir, manifestPath, raw } = await readManifestJson(dir);
  const manifest = parseWith(synthManifestSchema, raw, manifestPath);
  const file = path.join(absDir, manifest.files.degrade.path);
  await verifySha256(file, manifest.files.degrade.sha256, manifestPath);
  return { manifest, dir: absDir, file };
}

/**
 * Checks a file's sha256 against the manifest.
 *
 * @throws {F2dError} ERR_MODEL_FILE_MISSING, ERR_MODEL_SHA_MISMATCH
 */
export async function verifySha256(file: string, expected: string, manifestPath: string): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    throw new F2dError('ERR_MODEL_FILE_MISSING', 'model', `model file ${file} listed in ${manifestPath} cannot be read`, {
      hint: 'copy the missing file next to manifest.json, or re-export the model',
      cause,
    });
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expected) {
    throw new F2dError(
      'ERR_MODEL_SHA_MISMATCH',
      'model',
      `model file ${file} has sha256 ${actual}, but ${manifestPath} expects ${expected}`,
      { hint: 'the file is corrupt or from another export: re-export the model so the ONNX files and manifest.json match' },
    );
  }
}

/**
 * Checks the manifest's declared input/output names of one graph against the
 * names an opened session reports, naming both lists on a mismatch.
 *
 * @param graph - the graph's name in messages (`parser`, `restorer`, `degrade`).
 * @param io - the manifest's `io.<graph>` entry.
 * @throws {F2dError} ERR_MODEL_IO_MISMATCH
 */
export function checkSessionIo(
  graph: string,
  io: z.infer<typeof graphIoSchema>,
  file: string,
  session: { readonly inputNames: readonly string[]; readonly outputNames: readonly string[] },
): void {
  const declaredIn = io.inputs.map((v) => v.name);
  const declaredOut = io.outputs.map((v) => v.name);
  if (sameNames(declaredIn, session.inputNames) && sameNames(declaredOut, session.outputNames)) return;
  throw new F2dError(
    'ERR_MODEL_IO_MISMATCH',
    'model',
    `${graph} graph ${file} does not match its manifest: ` +
      `manifest inputs [${declaredIn.join(', ')}], session inputs [${session.inputNames.join(', ')}]; ` +
      `manifest outputs [${declaredOut.join(', ')}], session outputs [${session.outputNames.join(', ')}]`,
    { hint: 're-export the model so manifest.json and the ONNX graphs agree (models/README.md lists the names)' },
  );
}
