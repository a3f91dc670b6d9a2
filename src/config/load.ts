/**
 * Builds the effective configuration: defaults < config file < env < CLI flags,
 * merged key by key, validated once against the schema and deep-frozen.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { F2dError } from '../errors.js';
import { childKeys, coerce, configKeys, describeAllowed, findKey } from './keys.js';
import { configSchema, PATH_KEYS, SECRET_KEYS } from './schema.js';
import type { Config, ConfigSource } from './types.js';

/** The package root (`src/config/` and `dist/config/` are both two levels down). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The bundled defaults file. */
export const DEFAULTS_PATH = resolve(PACKAGE_ROOT, 'config', 'default.json');
/** The models shipped with the package (`models/<name>/`). */
export const BUNDLED_MODELS_DIR = resolve(PACKAGE_ROOT, 'models');

/** One value set by a CLI flag: the dotted key, the raw string or typed value, and the flag's name. */
export interface FlagValue {
  readonly key: string;
  readonly value: string | boolean | number;
  /** How the user wrote it, e.g. `--crf` or `--set encode.crf=20`. */
  readonly flag: string;
}

export interface LoadConfigOptions {
  /** Defaults file; {@link DEFAULTS_PATH} unless a test passes another. */
  readonly defaultsPath?: string;
  /** `--config <file>`. */
  readonly configFile?: string;
  /** `--pipeline <name|file>`: a pipelines/*.json layer between the config file and env. */
  readonly pipeline?: string;
  /** Environment to read `F2D_*` variables from. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly flags?: readonly FlagValue[];
  /** Base for relative paths given in env vars and flags. */
  readonly cwd?: string;
}

export interface LoadedConfig {
  readonly config: Config;
  /** Which layer set each leaf key. */
  readonly sources: ReadonlyMap<string, ConfigSource>;
  /** Non-fatal findings, e.g. an unknown `F2D_*` variable. */
  readonly warnings: readonly string[];
}

type Flat = Map<string, { value: unknown; source: ConfigSource }>;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function flatten(obj: Record<string, unknown>, source: ConfigSource, baseDir: string, out: Flat, prefix = ''): void {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isPlainObject(v)) flatten(v, source, baseDir, out, key);
    else out.set(key, { value: resolvePath(key, v, baseDir), source });
  }
}

function resolvePath(key: string, value: unknown, baseDir: string): unknown {
  if (!PATH_KEYS.includes(key) || typeof value !== 'string' || isAbsolute(value)) return value;
  const here = resolve(baseDir, value);
  // `--model f2d-lite-int8` names a bundled model from any directory, unless a folder of that name is here.
  if (key === 'model.dir' && !/[\\/]/.test(value) && !existsSync(here) && existsSync(resolve(BUNDLED_MODELS_DIR, value, 'manifest.json'))) {
    return resolve(BUNDLED_MODELS_DIR, value);
  }
  return here;
}

function unflatten(flat: Flat): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, { value }] of flat) {
    const parts = key.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (isPlainObject(next)) node = next;
      else node = node[part] = {};
    }
    node[parts[parts.length - 1] as string] = value;
  }
  return root;
}

function readJsonFile(path: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new F2dError('ERR_CONFIG_FILE_UNREADABLE', 'config', `cannot read ${what} ${path}`, {
      hint: 'check the path given to --config (relative paths start at the current directory)',
      cause,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new F2dError('ERR_CONFIG_FILE_INVALID', 'config', `${what} ${path} is not valid JSON: ${(cause as Error).message}`, {
      hint: 'fix the JSON syntax (no comments or trailing commas)',
      cause,
    });
  }
  if (!isPlainObject(parsed)) {
    throw new F2dError('ERR_CONFIG_FILE_INVALID', 'config', `${what} ${path} must hold a JSON object`, {
      hint: 'write the settings as { "section": { "key": value } }; see config/default.json',
    });
  }
  return parsed;
}

/**
 * A secret given as text must be one: `--token ""`, `--token null` and
 * `F2D_SERVE_TOKEN=` would otherwise turn into "no token" and serve openly.
 */
function refuseBlankSecret(key: string, raw: string, where: string): void {
  if (!SECRET_KEYS.includes(key) || (raw.trim() !== '' && raw.trim() !== 'null')) return;
  const leaf = findKey(key);
  throw new F2dError('ERR_CONFIG_INVALID', 'config', `${where} is ${raw.trim() === '' ? 'empty' : '"null"'}: ${key} must be ${leaf ? describeAllowed(leaf.schema).replace(/, or null$/, '') : 'a secret'}`, {
    hint: `to serve without a token leave ${where} unset (fine on 127.0.0.1); otherwise pick a secret of at least 8 characters, e.g. from \`openssl rand -hex 16\``,
  });
}

function readEnv(env: Readonly<Record<string, string | undefined>>, cwd: string, out: Flat, warnings: string[]): void {
  const known = new Map(configKeys().map((k) => [k.env, k]));
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('F2D_') || raw === undefined) continue;
    const key = known.get(name);
    if (!key) {
      warnings.push(`environment variable ${name} is not a known setting and is ignored (known: ${[...known.keys()].join(', ')})`);
      continue;
    }
    refuseBlankSecret(key.key, raw, name);
    out.set(key.key, { value: resolvePath(key.key, coerce(key.schema, raw), cwd), source: `env ${name}` });
  }
}

function readFlags(flags: readonly FlagValue[], cwd: string, out: Flat): void {
  for (const f of flags) {
    const key = findKey(f.key);
    if (!key) {
      throw new F2dError('ERR_CONFIG_UNKNOWN_KEY', 'config', `${f.flag}: "${f.key}" is not a config key`, {
        hint: `known keys: ${configKeys().map((k) => k.key).join(', ')}`,
      });
    }
    if (typeof f.value === 'string') refuseBlankSecret(key.key, f.value, f.flag);
    const value = typeof f.value === 'string' ? coerce(key.schema, f.value) : f.value;
    out.set(key.key, { value: resolvePath(key.key, value, cwd), source: `flag ${f.flag}` });
  }
}

const show = (v: unknown): string => (v === undefined ? 'missing' : JSON.stringify(v));

function describeIssue(issue: z.ZodIssue, flat: Flat): string {
  if (issue.code === 'unrecognized_keys') {
    const parent = issue.path.join('.');
    return issue.keys
      .map((k) => {
        const full = parent ? `${parent}.${k}` : k;
        const from = [...flat.entries()].find(([key]) => key === full || key.startsWith(`${full}.`))?.[1].source;
        const allowed = childKeys(issue.path).join(', ');
        return `config key "${full}"${from ? ` (from ${from})` : ''} is not known; allowed ${parent ? `keys in "${parent}"` : 'sections'}: ${allowed}`;
      })
      .join('\n');
  }
  const key = issue.path.join('.');
  const entry = flat.get(key);
  const leaf = findKey(key);
  const allowed = leaf ? describeAllowed(leaf.schema) : issue.message;
  const from = entry ? ` (from ${entry.source})` : '';
  // A secret is described, never echoed: error output ends up in logs and bug reports.
  const value = SECRET_KEYS.includes(key) && typeof entry?.value === 'string' ? `(hidden, ${entry.value.length} characters)` : show(entry?.value);
  if (issue.code === 'custom') return `config key "${key}" = ${value}${from}: ${issue.message}`;
  return `config key "${key}" = ${value}${from} is not allowed: must be ${allowed}`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The bundled pipelines folder. */
export const PIPELINES_DIR = resolve(PACKAGE_ROOT, 'pipelines');

/**
 * Finds a pipeline: a bundled name (`dashcam-live` → pipelines/dashcam-live.json)
 * or a path to a JSON file.
 *
 * @throws {F2dError} ERR_CONFIG_PIPELINE_NOT_FOUND naming the bundled pipelines
 */
export function resolvePipeline(nameOrPath: string, cwd: string): string {
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  const file = isPath ? resolve(cwd, nameOrPath) : resolve(PIPELINES_DIR, `${nameOrPath}.json`);
  if (existsSync(file)) return file;
  const bundled = existsSync(PIPELINES_DIR)
    ? readdirSync(PIPELINES_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5))
    : [];
  throw new F2dError('ERR_CONFIG_PIPELINE_NOT_FOUND', 'config', `pipeline "${nameOrPath}" not found (looked for ${file})`, {
    hint: `bundled pipelines: ${bundled.join(', ') || 'none'}; or pass a path to a pipeline JSON file`,
  });
}

/**
 * Loads, merges and validates the configuration.
 *
 * @param options - layers to merge over the defaults
 * @returns the frozen config, where each value came from, and warnings
 * @throws {F2dError} ERR_CONFIG_INVALID naming each bad key, its value, its source and the allowed values;
 *   ERR_CONFIG_FILE_UNREADABLE / ERR_CONFIG_FILE_INVALID for a bad `--config` file;
 *   ERR_CONFIG_UNKNOWN_KEY for `--set` with an unknown key
 * @example
 * ```ts
 * const { config } = loadConfig({ env: process.env, flags: [{ key: 'encode.crf', value: '18', flag: '--crf' }] });
 * config.encode.crf; // 18
 * ```
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const warnings: string[] = [];
  const flat: Flat = new Map();
  const defaultsPath = options.defaultsPath ?? DEFAULTS_PATH;
  flatten(readJsonFile(defaultsPath, 'defaults file'), 'defaults', dirname(dirname(defaultsPath)), flat);
  if (options.configFile !== undefined) {
    const file = resolve(cwd, options.configFile);
    flatten(readJsonFile(file, 'config file'), `file ${file}`, dirname(file), flat);
  }
  if (options.pipeline !== undefined) {
    const file = resolvePipeline(options.pipeline, cwd);
    flatten(readJsonFile(file, 'pipeline file'), `pipeline ${file}`, dirname(file), flat);
  }
  readEnv(options.env ?? {}, cwd, flat, warnings);
  readFlags(options.flags ?? [], cwd, flat);

  const result = configSchema.safeParse(unflatten(flat));
  if (!result.success) {
    const lines = result.error.issues.map((i) => describeIssue(i, flat));
    throw new F2dError('ERR_CONFIG_INVALID', 'config', `invalid configuration:\n  ${lines.join('\n  ')}`, {
      hint: 'fix the value where it was set; `f2d --print-config` shows the effective configuration',
    });
  }
  const sources = new Map<string, ConfigSource>([...flat].map(([k, v]) => [k, v.source]));
  return { config: deepFreeze(result.data) as Config, sources, warnings };
}
