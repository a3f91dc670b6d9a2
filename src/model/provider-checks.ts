/**
 * Which onnxruntime execution providers can run here, and why not: the
 * judgement of `f2d doctor`. Each provider is tried for real in a child
 * process (provider-probe.ts); around that, the files a provider needs are
 * looked for, so that "Failed to load shared library" becomes the library's
 * name and where it was looked for, a missing driver, or a provider of
 * another onnxruntime release than the core.
 *
 * The host and the probe are passed in: test/unit/model-provider-checks.test.ts
 * drives every branch without a GPU.
 */
import { join } from 'node:path';
import { describeLookup, describeMissing, findLibrary, nvidiaDriver, type HostProbe, type LibraryLookup } from '../native-libs.js';
import type { ProbeOutcome } from './provider-probe.js';
import type { ProbeReply } from './probe-protocol.js';

/** One provider's verdict. */
export interface ProviderStatus {
  readonly name: string;
  /** In onnxruntime-node's npm package (`true`), a separate download (`false`), unknown (`null`). */
  readonly bundled: boolean | null;
  /** A graph opened and ran on it. */
  readonly usable: boolean;
  /** Why it cannot run (empty when usable): each names the file, driver or version at fault. */
  readonly problems: readonly string[];
  /** What was found on the way: library paths, the driver, the probe's timings. */
  readonly notes: readonly string[];
  /** What to do, when not usable (each fix one sentence). */
  readonly fixes: readonly string[];
}

/** onnxruntime-node as found here. */
export interface OnnxruntimeReport {
  /** onnxruntime-node's version (its core library is the same release), or `null` when it did not load. */
  readonly version: string | null;
  /** Where it loads native libraries from, provider libraries included. */
  readonly nativeDir: string | null;
  readonly providers: readonly ProviderStatus[];
}

const SHARED = 'libonnxruntime_providers_shared.so';
const CUDA = 'libonnxruntime_providers_cuda.so';
const TENSORRT = 'libonnxruntime_providers_tensorrt.so';

/** Providers asked about when onnxruntime-node cannot even list its own (its CPU probe failed). */
const FALLBACK_PROVIDERS = ['cpu', 'webgpu', 'cuda', 'tensorrt'];

/** What a provider needs besides onnxruntime-node's bundled files. */
interface Needs {
  /** Provider libraries in onnxruntime-node's native folder; the last is the provider itself. */
  readonly files: readonly string[];
  /** Runtime libraries looked up when the provider file is not there to ask `ldd` (a prefix ending in `.so.` matches any major). */
  readonly runtime: readonly string[];
  /** Libraries the provider opens itself at run time (not in its ELF needs, so `ldd` does not show them). */
  readonly dlopened: readonly string[];
  readonly driver: boolean;
}

const NEEDS: Readonly<Record<string, Needs>> = {
  cuda: {
    files: [SHARED, CUDA],
    runtime: ['libcudart.so.', 'libcublas.so.', 'libcublasLt.so.', 'libcurand.so.'],
    dlopened: ['libcudnn.so.9'],
    driver: true,
  },
  tensorrt: { files: [SHARED, CUDA, TENSORRT], runtime: ['libnvinfer.so.', 'libcudart.so.'], dlopened: [], driver: true },
  webgpu: { files: [], runtime: [], dlopened: ['libvulkan.so.1'], driver: false },
};

const FIX_PROVIDER_FILES =
  "install onnxruntime-node's CUDA provider: online `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` (from NuGet), " +
  'offline the matching release copied into that folder (README, "GPU"; scripts/gpu/pack-cuda.sh)';
const FIX_RUNTIME =
  'put the CUDA and cuDNN libraries on LD_LIBRARY_PATH (pip: site-packages/nvidia/*/lib of a CUDA PyTorch; or the CUDA toolkit and cuDNN 9), ' +
  'of the CUDA major the provider was built for';

/** `ldd` lines: `\tlibcublasLt.so.13 => not found`, `\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)`. */
export function parseLdd(text: string): { name: string; path: string | null }[] {
  return [...text.matchAll(/^\s*(\S+)\s+=>\s+(not found|\S+)/gm)].map((m) => ({ name: m[1]!, path: m[2] === 'not found' ? null : m[2]! }));
}

interface Findings {
  readonly problems: string[];
  readonly notes: string[];
  readonly fixes: Set<string>;
}

function checkFiles(host: HostProbe, needs: Needs, dir: string, core: string | null, f: Findings): string | null {
  const missing = needs.files.filter((file) => !host.exists(join(dir, file)));
  if (missing.length > 0) {
    f.problems.push(`${missing.join(' and ')} not in ${dir} (onnxruntime-node loads provider libraries from its own folder only)`);
    f.fixes.add(FIX_PROVIDER_FILES);
    return null;
  }
  const provider = join(dir, needs.files.at(-1)!);
  const versions = host.versionsIn(provider);
  if (core !== null && versions.length > 0 && !versions.includes(core)) {
    f.problems.push(`${needs.files.at(-1)!} is onnxruntime ${versions.join('/')}, the core is ${core}: provider and core must be the same release`);
    f.fixes.add(`use onnxruntime-node@${versions[0]!} with this provider, or the provider of onnxruntime ${core}`);
  } else if (versions.length > 0) {
    f.notes.push(`${needs.files.at(-1)!}: onnxruntime ${versions.join('/')}`);
  }
  return provider;
}

function checkRuntime(host: HostProbe, needs: Needs, provider: string | null, f: Findings): void {
  const ldd = provider === null ? undefined : host.run('ldd', [provider]);
  const lookups =
    ldd !== undefined
      ? parseLdd(ldd).map((l) => (l.path === null ? findLibrary(host, l.name) : { name: l.name, path: l.path, searched: [] }))
      : needs.runtime.map((lib) => findLibrary(host, lib));
  const wanted = ldd !== undefined ? lookups.filter((l) => l.path === null || /cu|nv|vulkan/i.test(l.name)) : lookups;
  // libcuda.so.1 is the driver's own library: reported with the driver.
  const all = [...wanted, ...needs.dlopened.map((lib) => findLibrary(host, lib))].filter((l) => l.name !== 'libcuda.so.1');
  for (const l of all) if (l.path !== null) f.notes.push(describeLookup(l));
  const missing: LibraryLookup[] = all.filter((l) => l.path === null);
  if (missing.length === 0) return;
  f.problems.push(describeMissing(missing));
  f.fixes.add(missing.some((l) => l.name.startsWith('libvulkan')) ? 'install the Vulkan loader (libvulkan1) and a GPU driver, or Mesa lavapipe >= 25' : FIX_RUNTIME);
}

function checkDriver(host: HostProbe, f: Findings): void {
  const driver = nvidiaDriver(host);
  const libcuda = findLibrary(host, 'libcuda.so.1');
  if (driver.problem !== null) {
    f.problems.push(driver.problem);
    f.fixes.add('run on a machine with an NVIDIA GPU and its driver (in a container: expose the GPU, e.g. docker --gpus all)');
  } else {
    f.notes.push(`NVIDIA driver ${driver.version ?? '?'}${driver.gpus.length > 0 ? `: ${driver.gpus.join('; ')}` : ''}`);
  }
  if (libcuda.path === null && driver.problem === null) {
    f.problems.push(`${describeLookup(libcuda)} (the driver's user-space library)`);
    f.fixes.add('install the NVIDIA driver libraries (libcuda.so.1) matching the kernel module');
  } else if (libcuda.path !== null) {
    f.notes.push(describeLookup(libcuda));
  }
}

/**
 * onnxruntime's exception text without its source location and failed assertion
 * (`/onnxruntime_src/…/webgpu_context.cc:136 … was false. Failed to get a WebGPU adapter: …`).
 */
export function ortMessage(error: string): string {
  const m = /^\/\S+:\d+ .*? was false\. (.+)$/.exec(error);
  return (m?.[1] ?? error).trim();
}

function probeFindings(outcome: ProbeOutcome, f: Findings): boolean {
  if (outcome.kind === 'timeout') {
    f.problems.push(`opening a session on it did not finish in ${Math.round(outcome.afterMs / 1000)} s`);
    return false;
  }
  if (outcome.kind === 'crashed') {
    f.problems.push(`the process trying it crashed (${outcome.detail})`);
    return false;
  }
  const r = outcome.reply;
  if (r.ok) {
    f.notes.unshift(`a session opened in ${Math.round(r.loadMs)} ms and ran in ${Math.round(r.runMs)} ms`);
    return true;
  }
  f.problems.push(`onnxruntime: ${ortMessage(r.error)}${r.stage === 'run' ? ' (while running a graph)' : ''}`);
  for (const e of outcome.loaderErrors) f.problems.push(`dynamic loader: ${e}`);
  return false;
}

/** Judges one provider from its probe and the files around it. */
export function judgeProvider(name: string, bundled: boolean | null, outcome: ProbeOutcome, host: HostProbe, core: ProbeReply | null): ProviderStatus {
  const f: Findings = { problems: [], notes: [], fixes: new Set() };
  const usable = probeFindings(outcome, f);
  const needs = NEEDS[name];
  if (needs !== undefined) {
    // Looked at even when the probe worked: the notes say which libraries served it.
    const provider = core !== null && needs.files.length > 0 ? checkFiles(host, needs, core.nativeDir, core.versions['node'] ?? null, f) : null;
    checkRuntime(host, needs, provider, f);
    if (needs.driver) checkDriver(host, f);
  }
  if (usable) return { name, bundled, usable, problems: [], notes: [...f.notes, ...f.problems.map((p) => `(works despite: ${p})`)], fixes: [] };
  if (name === 'webgpu' && f.fixes.size === 0) f.fixes.add('webgpu needs a Vulkan adapter: a GPU driver, or Mesa lavapipe >= 25');
  return { name, bundled, usable, problems: f.problems, notes: f.notes, fixes: [...f.fixes] };
}

/**
 * Tries every provider onnxruntime-node knows (cpu first: its reply also
 * says which providers exist and where the native files are).
 *
 * @param probe - runs one provider in a child process (probeProvider in production).
 * @example
 * const report = await checkProviders(systemHost(), (p) => probeProvider(p, parserFile));
 */
export async function checkProviders(host: HostProbe, probe: (provider: string) => Promise<ProbeOutcome>): Promise<OnnxruntimeReport> {
  const cpu = await probe('cpu');
  const core = cpu.kind === 'reply' ? cpu.reply : null;
  const names = core?.backends.map((b) => b.name) ?? FALLBACK_PROVIDERS;
  const providers: ProviderStatus[] = [];
  for (const name of ['cpu', ...names.filter((n) => n !== 'cpu')]) {
    const bundled = core?.backends.find((b) => b.name === name)?.bundled ?? null;
    providers.push(judgeProvider(name, bundled, name === 'cpu' ? cpu : await probe(name), host, core));
  }
  return { version: core?.versions['node'] ?? null, nativeDir: core?.nativeDir ?? null, providers };
}
