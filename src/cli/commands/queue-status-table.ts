/** The table `f2d queue status` prints (the JSON form is the status object itself). */
import { basename } from 'node:path';
import type { QueueStatus } from '../../queue/status.js';

export function formatQueueStatus(status: QueueStatus): string {
  const c = status.counts;
  const head = `queue "${status.queue}": ${c.done} done, ${c.active} active, ${c.waiting} waiting, ${c.retrying} retrying, ${c.failed} failed`;
  const rows = status.files.map((f) => {
    const frames = f.total === null ? `${f.frames}` : `${f.frames}/${f.total}`;
    const eta = f.etaSec === null ? '' : `, ETA ${Math.ceil(f.etaSec)} s`;
    const tries = f.attempts > 1 || (f.attempts > 0 && f.state !== 'done') ? `, ${f.attempts} tries` : '';
    const error = f.error === null ? '' : `\n      ${f.error}`;
    const segments = f.segments === null ? '' : `, segments ${f.segments.done}/${f.segments.total}`;
    return `  ${f.state.padEnd(8)} ${basename(f.input)}: ${frames} frames${segments}, ${f.fps.toFixed(1)} fps${eta}${tries}${error}`;
  });
  return [head, ...rows].join('\n');
}
