/**
 * Derived views of the schema: the list of leaf keys, their env var names,
 * string coercion for env vars and flags, and a description of allowed values
 * for error messages.
 */
import { z } from 'zod';
import { configSchema } from './schema.js';

/** One settable leaf of the config, e.g. `encode.crf`. */
export interface ConfigKey {
  /** Dotted path, e.g. `model.parserInterval`. */
  readonly key: string;
  /** `F2D_MODEL_PARSER_INTERVAL`. */
  readonly env: string;
  readonly schema: z.ZodTypeAny;
}

/** The object schema under the top-level refinement. */
function rootObject(): z.AnyZodObject {
  let s: z.ZodTypeAny = configSchema;
  while (s instanceof z.ZodEffects) s = s.innerType();
  if (!(s instanceof z.ZodObject)) throw new Error('config schema root must be an object');
  return s;
}

function unwrap(s: z.ZodTypeAny): z.ZodTypeAny {
  let cur = s;
  while (cur instanceof z.ZodEffects || cur instanceof z.ZodOptional || cur instanceof z.ZodDefault) {
    cur = cur instanceof z.ZodEffects ? cur.innerType() : cur instanceof z.ZodDefault ? cur.removeDefault() : cur.unwrap();
  }
  return cur;
}

const toSnake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

function collect(obj: z.AnyZodObject, prefix: string[], out: ConfigKey[]): void {
  for (const [name, child] of Object.entries(obj.shape as Record<string, z.ZodTypeAny>)) {
    const inner = unwrap(child);
    const path = [...prefix, name];
    if (inner instanceof z.ZodObject) collect(inner, path, out);
    else out.push({ key: path.join('.'), env: `F2D_${path.map(toSnake).join('_')}`, schema: child });
  }
}

let cached: readonly ConfigKey[] | undefined;

/** Every leaf key of the schema, in schema order. */
export function configKeys(): readonly ConfigKey[] {
  if (!cached) {
    const out: ConfigKey[] = [];
    collect(rootObject(), [], out);
    cached = Object.freeze(out);
  }
  return cached;
}

/** The keys directly under `path` (`''` = the sections), for "unknown key" messages. */
export function childKeys(path: readonly (string | number)[]): string[] {
  let s: z.ZodTypeAny = rootObject();
  for (const part of path) {
    const inner = unwrap(s);
    if (!(inner instanceof z.ZodObject)) return [];
    const next = (inner.shape as Record<string, z.ZodTypeAny>)[String(part)];
    if (!next) return [];
    s = next;
  }
  const inner = unwrap(s);
  return inner instanceof z.ZodObject ? Object.keys(inner.shape as object) : [];
}

/** Finds a leaf key by its dotted name. */
export function findKey(key: string): ConfigKey | undefined {
  return configKeys().find((k) => k.key === key);
}

/** Human description of the values a leaf accepts, e.g. "an integer from 0 to 51". */
export function describeAllowed(schema: z.ZodTypeAny): string {
  let s = unwrap(schema);
  let nullable = false;
  if (s instanceof z.ZodNullable) {
    nullable = true;
    s = unwrap(s.unwrap() as z.ZodTypeAny);
  }
  let text: string;
  if (s instanceof z.ZodEnum) text = `one of ${(s.options as string[]).join(', ')}`;
  else if (literals(s) !== undefined) text = `one of ${literals(s)!.join(', ')}`;
  else if (s instanceof z.ZodBoolean) text = 'true or false';
  else if (s instanceof z.ZodNumber) {
    const int = s.isInt;
    const min = s.minValue;
    const max = s.maxValue;
    const kind = int ? 'an integer' : 'a number';
    const positive = s._def.checks.some((c) => c.kind === 'min' && c.value === 0 && !c.inclusive);
    if (min !== null && max !== null) text = `${kind} from ${min} to ${max}`;
    else if (positive) text = `${kind} greater than 0`;
    else if (min !== null) text = `${kind} of at least ${min}`;
    else if (max !== null) text = `${kind} of at most ${max}`;
    else text = kind;
  } else if (s instanceof z.ZodString) text = (s.minLength ?? 0) > 1 ? `a string of at least ${s.minLength} characters` : 'a non-empty string';
  else if (s instanceof z.ZodArray) text = 'a list of non-empty strings (comma-separated in flags and env vars)';
  else text = 'a value of the documented type';
  return nullable ? `${text}, or null` : text;
}

/**
 * Converts a string from an env var or a CLI flag to the leaf's type.
 * Returns the string unchanged when it does not convert, so validation
 * reports it with the key and the allowed values.
 */
export function coerce(schema: z.ZodTypeAny, raw: string): unknown {
  let s = unwrap(schema);
  if (s instanceof z.ZodNullable) {
    if (raw === 'null' || raw === '') return null;
    s = unwrap(s.unwrap() as z.ZodTypeAny);
  }
  if (s instanceof z.ZodArray) {
    // A JSON array for lists of objects (`--set serve.streams='[{"name":"front","source":"rtsp://…"}]'`),
    // else a comma-separated list; JSON that does not parse is left for validation to report.
    if (raw.trim().startsWith('[')) {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        return raw;
      }
    }
    return raw.split(',').map((v) => v.trim()).filter((v) => v !== '');
  }
  const choices = literals(s);
  if (choices !== undefined) {
    // A flag's '4' is the literal 4 when the union has it; anything else is left for validation to name.
    const n = Number(raw);
    return choices.includes(raw) ? raw : choices.includes(n) ? n : raw;
  }
  if (s instanceof z.ZodNumber) {
    const n = raw.trim() === '' ? Number.NaN : Number(raw);
    return Number.isNaN(n) ? raw : n;
  }
  if (s instanceof z.ZodBoolean) {
    const v = raw.trim().toLowerCase();
    if (v === 'true' || v === '1' || v === 'yes') return true;
    if (v === 'false' || v === '0' || v === 'no') return false;
    return raw;
  }
  return raw;
}

/** The values of a union of literals (`z.union([z.literal('auto'), z.literal(1)])`), else undefined. */
function literals(s: z.ZodTypeAny): (string | number)[] | undefined {
  if (!(s instanceof z.ZodUnion)) return undefined;
  const values = (s.options as z.ZodTypeAny[]).map((o) => (o instanceof z.ZodLiteral && (typeof o.value === 'number' || typeof o.value === 'string') ? (o.value as string | number) : undefined));
  return values.every((v): v is string | number => v !== undefined) ? values : undefined;
}
