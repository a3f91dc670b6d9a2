import type { z } from 'zod';
import type { configSchema } from './schema.js';

/** The validated, deep-frozen configuration passed down from the CLI. */
export type Config = Readonly<DeepReadonly<z.infer<typeof configSchema>>>;

/** The sections, each read by its own component (`model` by src/model/open.ts, `serve` by the live job, …). */
export type ModelConfig = Config['model'];
export type EncodeConfig = Config['encode'];
export type ImageConfig = Config['image'];
export type ServeConfig = Config['serve'];
export type SynthConfig = Config['synth'];

type DeepReadonly<T> = T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/** Where a config value came from, for error messages and `--print-config`. */
export type ConfigSource = 'defaults' | `file ${string}` | `pipeline ${string}` | `env ${string}` | `flag ${string}`;
