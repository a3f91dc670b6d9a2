import assert from 'node:assert/strict';
import { CLOSE_UNAUTHORIZED, TOKEN_CLOSE_REASONS } from '../../src/server/auth.js';
// The viewer's own modules: plain ES modules, run here without a browser.
import { explainClose } from '../../src/viewer/close-reasons.js';
import { Connection } from '../../src/viewer/connection.js';
import * as viewerProtocol from '../../src/viewer/protocol.js';
import { viewLabels } from '../../src/viewer/view-labels.js';

/** A stand-in for the browser's WebSocket: records instances so a test can count (re)connections. */
class FakeBrowserSocket {
  static readonly OPEN = 1;
  static instances: FakeBrowserSocket[] = [];
  readyState = 0;
  binaryType = 'blob';
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeBrowserSocket.instances.push(this);
  }
  send(): void {}
  close(): void {}
}

describe('viewer: explains why it is not showing video', () => {
  const realWebSocket = (globalThis as { WebSocket?: unknown }).WebSocket;
  beforeEach(() => {
    FakeBrowserSocket.instances = [];
    (globalThis as { WebSocket?: unknown }).WebSocket = FakeBrowserSocket;
  });
  afterEach(() => {
    (globalThis as { WebSocket?: unknown }).WebSocket = realWebSocket;
  });

  it('shares the token close code and reasons with the server', () => {
    assert.equal(viewerProtocol.CLOSE_UNAUTHORIZED, CLOSE_UNAUTHORIZED);
    assert.match(explainClose(CLOSE_UNAUTHORIZED, TOKEN_CLOSE_REASONS.missing).text, /needs a token.*\?token=/);
    assert.match(explainClose(CLOSE_UNAUTHORIZED, TOKEN_CLOSE_REASONS.wrong).text, /token .*was rejected/);
    assert.equal(explainClose(CLOSE_UNAUTHORIZED, TOKEN_CLOSE_REASONS.wrong).retry, false);
    assert.deepEqual(explainClose(1008, 'too many messages: at most 20 a second'), { state: 'closed', text: 'Disconnected by the server: too many messages: at most 20 a second.', retry: true });
    assert.equal(explainClose(1006, '').retry, true);
  });

  it('stops retrying after a refused token and says so, instead of looping "closed (1006)"', async () => {
    const states: Array<[string, string]> = [];
    const connection = new Connection('ws://127.0.0.1:1/ws?token=wrong', { onState: (s, d) => states.push([s, d]), onJson: () => undefined, onBinary: () => undefined });
    connection.connect();
    FakeBrowserSocket.instances[0]?.onclose?.({ code: 4401, reason: 'token rejected' });
    await new Promise((r) => setTimeout(r, 700)); // longer than the first retry delay (500 ms)
    assert.equal(FakeBrowserSocket.instances.length, 1, 'no reconnection');
    assert.deepEqual(states.at(-1)?.[0], 'unauthorized');
    assert.match(states.at(-1)?.[1] ?? '', /rejected/);
    assert.doesNotMatch(states.map((s) => s[1]).join('\n'), /1006|token=wrong/);
  });

  it('keeps retrying a dropped connection, saying when', async () => {
    const states: Array<[string, string]> = [];
    const connection = new Connection('ws://127.0.0.1:1/ws', { onState: (s, d) => states.push([s, d]), onJson: () => undefined, onBinary: () => undefined });
    connection.connect();
    FakeBrowserSocket.instances[0]?.onclose?.({ code: 1006, reason: '' });
    assert.deepEqual(states.at(-1), ['closed', 'Connection lost (the server is not reachable). Retrying in 0.5 s…']);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(FakeBrowserSocket.instances.length, 2, 'reconnected once');
    connection.close();
  });

  it('describes each view mode in the captions and the canvas label', () => {
    assert.deepEqual(viewLabels('split', null).captions, ['original', 'restored']);
    assert.match(viewLabels('split', null).description, /original left of the line, restored right/);
    assert.deepEqual(viewLabels('side', 'rain map'), { captions: ['original', 'restored + rain map'], description: 'Live video side by side: original on the left, restored on the right, with the rain map over it.' });
    assert.deepEqual(viewLabels('restored', null), { captions: ['restored'], description: 'Live video: restored only.' });
    assert.deepEqual(viewLabels('original', null).captions, ['original (unrestored)']);
    assert.match(viewLabels('original', 'haze map').description, /original only, unrestored, with the haze map over it/);
  });
});
