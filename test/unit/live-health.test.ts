import assert from 'node:assert/strict';
import { F2dError } from '../../src/errors.js';
import { liveHealth, SourceRetries } from '../../src/server/health.js';

const status = { state: 'reconnecting', framesIn: 120, framesOut: 118, dropped: 2, lastFrameMs: 1_000, error: null };

describe('live: /healthz says why the source is down', () => {
  it('while reconnecting: the attempt, the last error (without credentials) and when the next try starts', () => {
    const retries = new SourceRetries();
    const t0 = Date.UTC(2025, 0, 1, 12, 0, 0);
    retries.retrying(3, 2000, new F2dError('ERR_SOURCE_OPEN', 'input', 'cannot open rtsp://admin:hunter2@cam/s: Connection refused', { fatal: false }), t0);
    const health = liveHealth({ ...status, lastFrameMs: t0 - 9000 }, { nowMs: t0 + 500, staleMs: 5000, viewers: 1, source: 'rtsp://admin:***@cam/s', retries });
    assert.equal(health.ok, false);
    assert.deepEqual(health.reconnect, {
      attempt: 3,
      lastError: 'cannot open rtsp://admin:***@cam/s: Connection refused',
      nextRetryAt: '2025-01-01T12:00:02.000Z',
      nextRetryInMs: 1500,
    });
    assert.equal(health.lastFrameAgoMs, 9500);
    assert.doesNotMatch(JSON.stringify(health), /hunter2/);
  });

  it('says "the feed ended" for a feed that ended, and nothing once frames flow again', () => {
    const retries = new SourceRetries();
    retries.retrying(1, 500, 'ended', 0);
    assert.equal(retries.snapshot(0)?.lastError, 'the feed ended');
    retries.opened();
    const health = liveHealth({ ...status, state: 'live', lastFrameMs: 10_000 }, { nowMs: 10_100, staleMs: 5000, viewers: 0, source: 'demo', retries });
    assert.equal(health.ok, true);
    assert.equal(health.reconnect, null);
  });

  it('hides credentials in a fatal error too', () => {
    const health = liveHealth({ ...status, state: 'failed', error: 'no video stream in rtsp://a:b@cam/s' }, { nowMs: 0, staleMs: 5000, viewers: 0, source: 'x', retries: new SourceRetries() });
    assert.equal(health.error, 'no video stream in rtsp://a:***@cam/s');
  });
});
