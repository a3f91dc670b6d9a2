import assert from 'node:assert/strict';
import { formatError } from '../../src/cli/report.js';
import { F2dError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { redactUrl } from '../../src/redact.js';
import { sourceLabel } from '../../src/server/source-label.js';

describe('redactUrl: credentials never reach logs, errors or viewers', () => {
  it('hides the password of a URL and keeps the rest', () => {
    assert.equal(redactUrl('rtsp://admin:hunter2@10.0.0.2:554/stream1'), 'rtsp://admin:***@10.0.0.2:554/stream1');
    assert.equal(redactUrl('rtsps://:only-pass@cam/s'), 'rtsps://:***@cam/s');
    assert.equal(redactUrl('rtsp://admin:p@ss:w0rd@cam/s'), 'rtsp://admin:***@cam/s', 'a raw @ in the password');
    assert.equal(redactUrl('rtsp://admin@cam/s'), 'rtsp://admin@cam/s', 'no password, nothing to hide');
    assert.equal(redactUrl('rtsp://cam:554/s?x=a@b'), 'rtsp://cam:554/s?x=a@b', 'a port is not a password');
  });

  it('hides secret query parameters, and works inside any text', () => {
    assert.equal(redactUrl('https://cdn.example/live.m3u8?token=abc123&quality=hd'), 'https://cdn.example/live.m3u8?token=***&quality=hd');
    assert.equal(redactUrl('https://x/y?a=1&password=p&sig=zz'), 'https://x/y?a=1&password=***&sig=***');
    assert.equal(
      redactUrl('source rtsp://admin:hunter2@cam/s: Connection refused; reconnecting (was rtsp://u:v@other/x)'),
      'source rtsp://admin:***@cam/s: Connection refused; reconnecting (was rtsp://u:***@other/x)',
    );
    assert.equal(redactUrl('plain text, key = value, a@b.c'), 'plain text, key = value, a@b.c');
  });

  it('is applied to every log line and to the CLI error block', () => {
    const lines: string[] = [];
    const log = createLogger('serve', 'debug', (line) => lines.push(line));
    log.warn('source rtsp://admin:hunter2@cam/s: timed out; reconnecting in 500 ms (attempt 1)');
    log.child('live').debug('opening rtsp://admin:hunter2@cam/s');
    assert.ok(lines.every((l) => !l.includes('hunter2')), lines.join('\n'));
    assert.match(lines[0] ?? '', /rtsp:\/\/admin:\*\*\*@cam\/s/);
    const err = new F2dError('ERR_SOURCE_OPEN', 'input', 'cannot open rtsp://admin:hunter2@cam/s', { hint: 'check rtsp://admin:hunter2@cam/s' });
    const text = formatError(err, true);
    assert.doesNotMatch(text, /hunter2/);
    assert.match(text, /cannot open rtsp:\/\/admin:\*\*\*@cam\/s/);
  });

  it('labels the source for viewers and /healthz: network URL redacted, a file by its name', () => {
    assert.equal(sourceLabel({ kind: 'rtsp', url: 'rtsp://admin:hunter2@10.0.0.2/s1' }), 'rtsp://admin:***@10.0.0.2/s1');
    assert.equal(sourceLabel({ kind: 'http', url: 'https://cdn/x.m3u8?token=abc' }), 'https://cdn/x.m3u8?token=***');
    assert.equal(sourceLabel({ kind: 'file', url: '/home/me/clips/drive.mp4' }), 'drive.mp4');
    assert.equal(sourceLabel({ kind: 'demo', url: 'demo' }), 'demo');
  });
});
