/**
 * Progress display: a redrawn bar on a terminal, a plain line every few
 * seconds otherwise (logs, CI), or nothing.
 */
import type { Progress } from '../restore/index.js';

export interface ProgressView {
  update(progress: Progress): void;
  /** Clears the bar line (before another line is printed). */
  clear(): void;
  done(): void;
}

export interface ProgressViewOptions {
  readonly mode: 'auto' | 'bar' | 'lines' | 'off';
  readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Seconds between plain lines. */
  readonly intervalSec: number;
  /** Noun for the counted items. */
  readonly unit: string;
}

/** Redraws per second at most; more is wasted terminal output. */
const BAR_REDRAWS_PER_SEC = 10;
const BAR_WIDTH = 24;

function clock(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

/** One progress text: `40/80 frames (50%)  24.5 fps  ETA 0:02`. */
export function describeProgress(p: Progress, unit: string): { count: string; fps: number; eta: number | null; ratio: number | null } {
  const fps = p.elapsedSec > 0 ? p.done / p.elapsedSec : 0;
  const ratio = p.total ? Math.min(1, p.done / p.total) : null;
  const eta = p.total && fps > 0 ? Math.max(0, (p.total - p.done) / fps) : null;
  const count = p.total ? `${p.done}/${p.total} ${unit}` : `${p.done} ${unit}`;
  return { count, fps, eta, ratio };
}

export function formatProgressLine(p: Progress, unit: string): string {
  const d = describeProgress(p, unit);
  const pct = d.ratio === null ? '' : ` (${Math.round(d.ratio * 100)}%)`;
  const eta = d.eta === null ? '' : `, ETA ${clock(d.eta)}`;
  return `progress: ${d.count}${pct}, ${d.fps.toFixed(1)} fps${eta}`;
}

export function formatProgressBar(p: Progress, unit: string): string {
  const d = describeProgress(p, unit);
  const filled = d.ratio === null ? 0 : Math.round(d.ratio * BAR_WIDTH);
  const bar = d.ratio === null ? '' : `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] `;
  const eta = d.eta === null ? '' : `  ETA ${clock(d.eta)}`;
  return `${bar}${d.count}  ${d.fps.toFixed(1)} fps${eta}`;
}

export function createProgressView(options: ProgressViewOptions): ProgressView {
  const { stream, unit } = options;
  const mode = options.mode === 'auto' ? (stream.isTTY ? 'bar' : 'lines') : options.mode;
  let last = Number.NEGATIVE_INFINITY;
  let shown = false;
  let latest: Progress | null = null;
  if (mode === 'off') return { update: () => undefined, clear: () => undefined, done: () => undefined };
  if (mode === 'bar') {
    const draw = (p: Progress): void => {
      stream.write(`\r\x1b[K${formatProgressBar(p, unit)}`);
      shown = true;
    };
    return {
      update(p) {
        latest = p;
        if (p.elapsedSec - last >= 1 / BAR_REDRAWS_PER_SEC) {
          last = p.elapsedSec;
          draw(p);
        }
      },
      clear() {
        if (shown) stream.write('\r\x1b[K');
        shown = false;
      },
      done() {
        if (latest) draw(latest);
        if (shown) stream.write('\n');
        shown = false;
      },
    };
  }
  let lastLine = 0;
  return {
    update(p) {
      latest = p;
      if (p.elapsedSec - lastLine >= options.intervalSec) {
        lastLine = p.elapsedSec;
        stream.write(`${formatProgressLine(p, unit)}\n`);
        latest = null;
      }
    },
    clear: () => undefined,
    done() {
      if (latest) stream.write(`${formatProgressLine(latest, unit)}\n`);
      latest = null;
    },
  };
}
