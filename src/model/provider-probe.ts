/**
 * Tries an execution provider for real: opens a graph on it in a child
 * process (`worker/provider-probe.ts`) and reads back what happened. A
 * provider that crashes its process (a native abort, a segfault in a driver)
 * or hangs is reported as such instead of taking `f2d doctor` down.
 */
import { spawn } from 'node:child_process';
import { PROBE_MARKER, type ProbeReply } from './probe-protocol.js';
import { childProcessArgs, siblingModule } from './worker-url.js';

/** How a probe ended. */
export type ProbeOutcome =
  | {
      readonly kind: 'reply';
      readonly reply: ProbeReply;
      /**
       * What the dynamic loader said, from onnxruntime's own log: its exception only says
       * "Failed to load shared library", the log names the file (`libcublasLt.so.13: cannot open …`).
       */
      readonly loaderErrors: readonly string[];
    }
  /** The child died or printed no reply: its exit code or signal and the last lines it printed. */
  | { readonly kind: 'crashed'; readonly detail: string }
  | { readonly kind: 'timeout'; readonly afterMs: number };

export interface ProbeOptions {
  /** Environment of the child (LD_LIBRARY_PATH decides what it finds). Default: this process's. */
  readonly env?: NodeJS.ProcessEnv;
  /** Kill it after this long; a GPU provider's first session can take seconds (cuDNN, kernels). */
  readonly timeoutMs?: number;
}

/** Reads the child's output: the reply line, or `null`. */
export function parseProbeOutput(stdout: string): ProbeReply | null {
  const line = stdout.split('\n').find((l) => l.startsWith(PROBE_MARKER));
  if (line === undefined) return null;
  try {
    return JSON.parse(line.slice(PROBE_MARKER.length)) as ProbeReply;
  } catch {
    // A reply cut off mid-line (the child killed while writing) is no reply.
    return null;
  }
}

/** onnxruntime's "Failed to load library <file> with error: <dlerror>" lines, colours stripped. */
export function loaderErrors(stderr: string): string[] {
  const plain = stderr.replace(/\u001b\[[0-9;]*m/g, '');
  return [...plain.matchAll(/Failed to load library (\S+) with error: ([^\n]+)/g)].map((m) => `${m[1]}: ${m[2]!.trim()}`);
}

/** What a dead child said: its error lines (a JS stack's first line, an abort, a fault), else its last lines. */
function lastWords(text: string): string {
  const lines = text.replace(/\u001b\[[0-9;]*m/g, '').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const errors = lines.filter((l) => /error|abort|fault|terminat|cannot|failed/i.test(l) && !l.startsWith('at '));
  return (errors.length > 0 ? errors.slice(0, 2) : lines.slice(-3)).join(' | ');
}

/**
 * Opens `graph` on `provider` in a child process and runs it once.
 *
 * @example
 * const outcome = await probeProvider('cuda', '/pkg/models/f2d-lite/parser.onnx');
 * if (outcome.kind === 'reply' && outcome.reply.ok) console.log('cuda works');
 */
export function probeProvider(provider: string, graph: string, options: ProbeOptions = {}): Promise<ProbeOutcome> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const [command, ...args] = childProcessArgs(siblingModule(import.meta.url, 'worker/provider-probe'));
  const child = spawn(command!, [...args, provider, graph], { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const done = (detail: string): void => {
      clearTimeout(timer);
      if (timedOut) return resolve({ kind: 'timeout', afterMs: timeoutMs });
      const reply = parseProbeOutput(stdout);
      resolve(reply !== null ? { kind: 'reply', reply, loaderErrors: loaderErrors(stderr) } : { kind: 'crashed', detail: `${detail}${stderr.trim() === '' ? '' : `: ${lastWords(stderr)}`}` });
    };
    child.on('error', (err) => done(`could not start ${command}: ${err.message}`));
    child.on('close', (code, signal) => done(signal !== null ? `killed by ${signal}` : `exited with code ${code}`));
  });
}
