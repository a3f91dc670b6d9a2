/**
 * Finding native libraries and the NVIDIA driver the way the dynamic loader
 * would, for `f2d doctor`: both onnxruntime's providers (src/model/) and
 * FFmpeg's NVDEC/NVENC (src/media/) fail at run time with little more than
 * "cannot load", so the doctor says beforehand which file is missing and
 * where it was looked for.
 *
 * Everything host-specific goes through {@link HostProbe}, so that the
 * decisions are tested with a fake host (test/unit/native-libs.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What the checks ask of the machine. */
export interface HostProbe {
  readonly env: Readonly<Record<string, string | undefined>>;
  exists(path: string): boolean;
  /** File names in a directory (empty when it is missing). */
  listDir(dir: string): readonly string[];
  /** A text file's content, or `undefined` when it cannot be read. */
  readText(path: string): string | undefined;
  /** A command's stdout when it ran and exited 0, else `undefined` (not installed, failed). */
  run(command: string, args: readonly string[]): string | undefined;
  /** `1.N.M` version strings stored in a binary (onnxruntime libraries keep their release there). */
  versionsIn(file: string): readonly string[];
}

/** Directories the loader searches after LD_LIBRARY_PATH and its cache (glibc, x86-64 and generic). */
export const DEFAULT_LIB_DIRS: readonly string[] = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib'];

/** A library looked for, and where. */
export interface LibraryLookup {
  /** The file name, or the prefix asked for (`libcudart.so.` finds any major version). */
  readonly name: string;
  /** Absolute path of the first match, or `null`. */
  readonly path: string | null;
  /** Where it was looked for, in the loader's order, for the "not found" message. */
  readonly searched: readonly string[];
}

/** `ldconfig -p` lines: `\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1`. */
export function parseLdconfig(text: string): ReadonlyMap<string, string> {
  const libs = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*(\S+)\s+\(([^)]*)\)\s+=>\s+(\S+)\s*$/.exec(line);
    // 32-bit entries (libc6 without x86-64) cannot serve a 64-bit Node.
    if (m === null || (m[2]!.startsWith('libc6') && !m[2]!.includes('64'))) continue;
    if (!libs.has(m[1]!)) libs.set(m[1]!, m[3]!);
  }
  return libs;
}

function ldconfigCache(host: HostProbe): ReadonlyMap<string, string> | null {
  // Debian keeps ldconfig in /sbin, which is not on every user's PATH.
  const text = host.run('/sbin/ldconfig', ['-p']) ?? host.run('ldconfig', ['-p']);
  return text === undefined ? null : parseLdconfig(text);
}

/**
 * Looks for a shared library as the loader does: LD_LIBRARY_PATH, the
 * ldconfig cache, the default directories. `name` ending in `.so.` matches
 * any version (`libcudart.so.` finds libcudart.so.13).
 *
 * @example
 * findLibrary(systemHost(), 'libcuda.so.1') // { name, path: '/usr/lib/x86_64-linux-gnu/libcuda.so.1' | null, searched }
 */
export function findLibrary(host: HostProbe, name: string): LibraryLookup {
  const envDirs = (host.env['LD_LIBRARY_PATH'] ?? '').split(':').filter((d) => d !== '');
  const cache = ldconfigCache(host);
  const matches = (file: string): boolean => (name.endsWith('.') ? file.startsWith(name) && /^\d/.test(file.slice(name.length)) : file === name);
  const searched = [
    `LD_LIBRARY_PATH (${envDirs.length > 0 ? envDirs.join(':') : 'unset'})`,
    cache === null ? 'the ldconfig cache (ldconfig did not run)' : 'the ldconfig cache',
    DEFAULT_LIB_DIRS.join(', '),
  ];
  const inDir = (dir: string): string | undefined => host.listDir(dir).filter(matches).sort()[0];
  for (const dir of envDirs) {
    const file = inDir(dir);
    if (file !== undefined) return { name, path: join(dir, file), searched };
  }
  for (const [file, path] of cache ?? []) if (matches(file)) return { name, path, searched };
  for (const dir of DEFAULT_LIB_DIRS) {
    const file = inDir(dir);
    if (file !== undefined) return { name, path: join(dir, file), searched };
  }
  return { name, path: null, searched };
}

/** A looked-for name as a user reads it: `libcudart.so.*` for any version. */
export function libraryLabel(name: string): string {
  return name.endsWith('.') ? `${name}*` : name;
}

/** One line for a lookup: where it is, or where it was looked for. */
export function describeLookup(lookup: LibraryLookup): string {
  return lookup.path !== null ? `${libraryLabel(lookup.name)}: ${lookup.path}` : describeMissing([lookup]);
}

/** One line for several libraries not found (they were all looked for in the same places). */
export function describeMissing(lookups: readonly LibraryLookup[]): string {
  const searched = lookups.find((l) => l.searched.length > 0)?.searched ?? [];
  return `${lookups.map((l) => libraryLabel(l.name)).join(', ')} not found${searched.length > 0 ? ` (looked in ${searched.join('; ')})` : ''}`;
}

/** The NVIDIA kernel driver and the GPUs it sees. */
export interface NvidiaDriver {
  /** The kernel module's version, or `null` without a driver. */
  readonly version: string | null;
  /** `name, memory` per GPU from nvidia-smi (empty when it is missing or fails). */
  readonly gpus: readonly string[];
  /** Why there is no usable driver, or `null`. */
  readonly problem: string | null;
}

/** Reads /proc/driver/nvidia/version and asks nvidia-smi for the GPUs. */
export function nvidiaDriver(host: HostProbe): NvidiaDriver {
  const proc = host.readText('/proc/driver/nvidia/version');
  const version = proc === undefined ? null : (/Kernel Module\s+(?:for\s+\S+\s+)?([\d.]+)/.exec(proc)?.[1] ?? proc.split('\n')[0]!.trim());
  const smi = host.run('nvidia-smi', ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader']);
  const gpus = (smi ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const problem =
    version === null && gpus.length === 0
      ? `no NVIDIA driver: /proc/driver/nvidia/version does not exist and nvidia-smi ${smi === undefined ? 'is not installed or failed' : 'lists no GPU'}`
      : null;
  return { version: version ?? (gpus[0]?.split(',').at(-1)?.trim() || null), gpus, problem };
}

/** Finds NUL-delimited `1.N.M` strings in a binary, reading it in chunks (the CUDA provider is 230 MB). */
function scanVersions(file: string): string[] {
  const found = new Set<string>();
  const chunk = Buffer.alloc(8 << 20);
  const overlap = 16;
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    for (let pos = 0; pos < size; pos += chunk.length - overlap) {
      const n = readSync(fd, chunk, 0, chunk.length, pos);
      const view = chunk.subarray(0, n);
      for (let i = view.indexOf('\u00001.', 0, 'latin1'); i !== -1; i = view.indexOf('\u00001.', i + 1, 'latin1')) {
        const end = view.indexOf(0, i + 1);
        if (end === -1 || end - i > 12) continue;
        const text = view.toString('latin1', i + 1, end);
        if (/^1\.\d{1,3}\.\d{1,3}$/.test(text)) found.add(text);
      }
      if (n < chunk.length) break;
    }
  } finally {
    closeSync(fd);
  }
  return [...found];
}

/** The real machine. */
export function systemHost(env: Readonly<Record<string, string | undefined>> = process.env): HostProbe {
  return {
    env,
    exists: (path) => existsSync(path),
    listDir: (dir) => {
      try {
        return readdirSync(dir);
      } catch {
        // A directory on LD_LIBRARY_PATH that does not exist is skipped by the loader too.
        return [];
      }
    },
    readText: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        // Missing or unreadable reads the same to the checks: "not there".
        return undefined;
      }
    },
    run: (command, args) => {
      const r = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000, env: { ...env } });
      return r.error === undefined && r.status === 0 ? r.stdout : undefined;
    },
    versionsIn: (file) => (existsSync(file) ? scanVersions(file) : []),
  };
}
