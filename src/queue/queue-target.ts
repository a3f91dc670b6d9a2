/** Which queue a command talks to, and how: read from the `queue` config section. */
import type { Config } from '../config/types.js';
import type { RedisTarget } from './redis.js';

export interface QueueTarget extends RedisTarget {
  /** The BullMQ queue name (`queue.name`). */
  readonly name: string;
  /** Tries of a job added now (`queue.attempts`). */
  readonly attempts: number;
}

/** Takes the whole `queue` section, or only the keys it reads (the other keys may be given too). */
export function queueTarget(queue: Pick<Config['queue'], 'redis' | 'connectTimeoutSec' | 'name' | 'attempts'> & Partial<Config['queue']>): QueueTarget {
  return { url: queue.redis, connectTimeoutSec: queue.connectTimeoutSec, name: queue.name, attempts: queue.attempts };
}
