/**
 * Which synthesis folder a `synth` config section names: `synth.dir` when set,
 * else the bundled folder of `synth.generator`.
 */
import { resolve } from 'node:path';
import { BUNDLED_MODELS_DIR } from './load.js';
import type { SynthConfig } from './types.js';

/** The bundled folder (under models/) of each synthesis generator. */
export const SYNTH_GENERATOR_DIRS: Readonly<Record<SynthConfig['generator'], string>> = {
  train: 'synth',
  independent: 'synth-independent',
};

/** The folder holding the synthesis `manifest.json` and `degrade.onnx` that `synth` selects. */
export function synthDir(synth: Pick<SynthConfig, 'dir' | 'generator'>): string {
  return synth.dir ?? resolve(BUNDLED_MODELS_DIR, SYNTH_GENERATOR_DIRS[synth.generator]);
}
