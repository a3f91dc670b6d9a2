/**
 * The queue's Redis connections. ioredis retries a lost connection forever by
 * default, so an unreachable Redis would hang `f2d queue` and `f2d worker`
 * silently: every command first checks that Redis answers, with a connect
 * timeout and no retries, and fails with ERR_QUEUE_REDIS when it does not.
 * Once it answered, the long-lived connections BullMQ uses keep ioredis'
 * retrying (a Redis restart must not kill the workers).
 */
import { Redis, type RedisOptions } from 'ioredis';
import { F2dError } from '../errors.js';
import { redactUrl } from '../redact.js';

/** What a command needs to reach the queue. */
export interface RedisTarget {
  /** `redis://[user:pass@]host:port[/db]` */
  readonly url: string;
  readonly connectTimeoutSec: number;
}

/**
 * Options of the connections BullMQ keeps open. `maxRetriesPerRequest: null` is what BullMQ
 * requires of a worker's blocking connection: a command waits for the reconnect instead of failing.
 */
export function bullConnection(target: RedisTarget): Redis {
  return new Redis(target.url, { maxRetriesPerRequest: null, connectTimeout: target.connectTimeoutSec * 1000 });
}

/**
 * Connects once, without retries, and pings.
 *
 * @throws {F2dError} ERR_QUEUE_REDIS naming the (password-free) URL and the cause, within about
 *   `connectTimeoutSec`
 */
export async function checkRedis(target: RedisTarget): Promise<void> {
  const options: RedisOptions = {
    lazyConnect: true,
    connectTimeout: target.connectTimeoutSec * 1000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  };
  let redis: Redis;
  try {
    redis = new Redis(target.url, options);
  } catch (cause) {
    throw unreachable(target, cause);
  }
  // The 'error' event has the reason (ECONNREFUSED, ETIMEDOUT); connect() then only rejects
  // with "Connection is closed".
  let reason: unknown = null;
  redis.on('error', (err) => (reason ??= err));
  try {
    await redis.connect();
    await redis.ping();
  } catch (cause) {
    throw unreachable(target, reason ?? cause);
  } finally {
    redis.disconnect();
  }
}

function unreachable(target: RedisTarget, cause: unknown): F2dError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new F2dError('ERR_QUEUE_REDIS', 'network', `cannot reach the queue's Redis at ${redactUrl(target.url)}: ${why}`, {
    hint: 'start redis-server there (apt-get install redis-server), or pass --redis redis://host:port (queue.redis)',
    cause,
  });
}
