/**
 * What the provider probe child (`worker/provider-probe.ts`) prints, shared
 * by both ends.
 */

/** Starts the probe's one JSON line, so native libraries' own chatter on stdout is told apart. */
export const PROBE_MARKER = 'f2d-probe ';

/** Side of the black image the probe runs through the graph (a multiple of every model's sizeMultiple). */
export const PROBE_SIZE = 32;

/** One provider tried in a child process. */
export type ProbeReply = {
  readonly provider: string;
  /** onnxruntime-node's own versions (`ort.env.versions`): `node` is the core it ships with. */
  readonly versions: Readonly<Record<string, string>>;
  /** onnxruntime-node's `listSupportedBackends()`. */
  readonly backends: readonly { readonly name: string; readonly bundled: boolean }[];
  /** The folder onnxruntime-node loads its native libraries (and provider libraries) from. */
  readonly nativeDir: string;
} & (
  | { readonly ok: true; readonly loadMs: number; readonly runMs: number }
  | { readonly ok: false; readonly stage: 'load' | 'run'; readonly error: string }
);
