/**
 * A worker's Prometheus metrics (jobs, frames, fps, failures), on its own
 * {@link MetricsRegistry}, served on `/metrics` when `queue.metricsPort` is set.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { F2dError } from '../errors.js';
import { MetricsRegistry } from '../prometheus.js';

/** The series a worker updates as it runs jobs. */
export class WorkerMetrics {
  readonly registry: MetricsRegistry;
  readonly jobs;
  readonly failures;
  readonly frames;
  readonly active;
  readonly fps;

  constructor(registry = new MetricsRegistry({ labels: { service: 'worker' } })) {
    this.registry = registry;
    this.jobs = registry.counter('f2d_queue_jobs_total', 'Queue jobs finished by this worker, by result (ok, failed)', ['result']);
    this.failures = registry.counter('f2d_queue_job_failures_total', 'Failed tries of queue jobs, by error code', ['code']);
    this.frames = registry.counter('f2d_queue_frames_total', 'Frames (or images) restored by this worker');
    this.active = registry.gauge('f2d_queue_jobs_active', 'Queue jobs this worker is running now');
    this.fps = registry.gauge('f2d_queue_fps', 'Frames per second of the job this worker finished last');
  }
}

/**
 * Serves `registry` on `http://host:port/metrics` (port 0 = any free port).
 *
 * @throws {F2dError} ERR_SERVER_LISTEN when the port is taken
 */
export async function serveMetrics(registry: MetricsRegistry, host: string, port: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('not found: the metrics are on /metrics\n');
      return;
    }
    registry.render().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) =>
      reject(new F2dError('ERR_SERVER_LISTEN', 'network', `cannot serve the worker metrics on ${host}:${port}: ${cause.message}`, { hint: 'pick another --metrics-port, or 0 for any free one', cause })),
    );
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return { server, url: `http://${host}:${bound}/metrics` };
}
