import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load.js';
import { printableConfig } from '../../src/config/printable.js';

describe('config: --print-config never shows a secret', () => {
  it('hides the token, URL passwords and secret parameters, and RTMP stream keys; keeps the rest', () => {
    const set = (key: string, value: string) => ({ key, value, flag: `--set ${key}` });
    const { config } = loadConfig({
      flags: [
        set('serve.token', 'sesame-street-42'),
        set('serve.source', 'rtsp://admin:hunter2@10.0.0.2/s1'),
        set('serve.publish', 'rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl'),
        set('serve.streams', JSON.stringify([{ name: 'rear', source: 'https://cdn/x.m3u8?token=abc' }])),
        set('queue.redis', 'redis://:redispass@queue-host:6379/0'),
      ],
    });
    const printed = JSON.stringify(printableConfig(config));
    for (const secret of ['sesame-street-42', 'hunter2', 'abcd-efgh-ijkl', 'token=abc', 'redispass']) assert.ok(!printed.includes(secret), `${secret} is hidden`);
    const p = printableConfig(config) as { serve: Record<string, unknown>; queue: Record<string, unknown>; encode: unknown };
    assert.equal(p.serve.token, '(hidden, 16 characters)');
    assert.equal(p.serve.source, 'rtsp://admin:***@10.0.0.2/s1');
    assert.equal(p.serve.publish, 'rtmp://a.rtmp.youtube.com/live2/***');
    assert.deepEqual(p.serve.streams, [{ name: 'rear', source: 'https://cdn/x.m3u8?token=***' }]);
    assert.equal(p.queue.redis, 'redis://:***@queue-host:6379/0');
    assert.deepEqual(p.encode, config.encode, 'settings without secrets are as they are');
  });
});
