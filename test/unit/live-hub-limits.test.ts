import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { StreamHub, type PolicyCloseReason } from '../../src/server/stream-hub.js';

/** Just enough of a ws socket for the hub: records what it sends and how it is closed. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  /** What the server has queued and the client has not read yet. */
  bufferedAmount = 0;
  readonly sent: string[] = [];
  closed: { code: number; reason: string } | null = null;

  send(data: unknown): void {
    const text = typeof data === 'string' ? data : '';
    this.sent.push(text);
  }

  close(code: number, reason: string): void {
    this.closed ??= { code, reason };
    this.readyState = 2; // CLOSING: ws keeps delivering what was already received
  }

  terminate(): void {
    this.readyState = 3;
  }

  /** The client sends a text message. */
  say(message: unknown): void {
    this.emit('message', Buffer.from(JSON.stringify(message)), false);
  }

  json(type: string): Array<Record<string, unknown>> {
    return this.sent.map((t) => JSON.parse(t) as Record<string, unknown>).filter((m) => m.type === type);
  }
}

function makeHub(events: { closes?: PolicyCloseReason[]; dropped?: number[] } = {}): StreamHub {
  return new StreamHub(
    { maxBufferedBytes: 64 * 1024, keyRequestIntervalMs: 0, maxBadMessages: 5, hello: {}, messageRate: { perSecond: 20, burst: 40 } },
    {
      onPolicyClose: (reason) => events.closes?.push(reason),
      onReplyDropped: () => events.dropped?.push(1),
    },
  );
}

function attach(hub: StreamHub): FakeSocket {
  const ws = new FakeSocket();
  hub.attach(ws as unknown as WebSocket);
  return ws;
}

describe('live: the hub bounds what one viewer can make it do', () => {
  it('answers pings at a viewer’s pace (burst of 40, then 20 a second)', async () => {
    const hub = makeHub();
    const ws = attach(hub);
    for (let id = 1; id <= 40; id++) ws.say({ type: 'ping', id, t: id });
    assert.equal(ws.json('pong').length, 40);
    assert.equal(ws.closed, null);
    // Half a second later the bucket holds 10 more.
    await new Promise((r) => setTimeout(r, 520));
    for (let id = 41; id <= 50; id++) ws.say({ type: 'ping', id, t: id });
    assert.equal(ws.json('pong').length, 50);
    assert.equal(ws.closed, null);
    hub.close();
  });

  it('closes a viewer that floods with valid pings (1008, saying why), and answers nothing more', () => {
    const closes: PolicyCloseReason[] = [];
    const hub = makeHub({ closes });
    const ws = attach(hub);
    const other = attach(hub);
    for (let id = 1; id <= 1000; id++) ws.say({ type: 'ping', id, t: id });
    assert.deepEqual(ws.closed, { code: 1008, reason: 'too many messages: at most 20 a second' });
    assert.equal(ws.json('pong').length, 40, 'only the burst was answered');
    assert.deepEqual(closes, ['rate-limit']);
    // The other viewer is not affected.
    other.say({ type: 'ping', id: 1, t: 1 });
    assert.equal(other.json('pong').length, 1);
    assert.equal(other.closed, null);
    hub.close();
  });

  it('sends no pong, stats or error to a viewer whose queue is full (as for video), and counts them', () => {
    const dropped: number[] = [];
    const hub = makeHub({ dropped });
    const ws = attach(hub);
    ws.bufferedAmount = 64 * 1024 + 1;
    const before = ws.sent.length;
    ws.say({ type: 'ping', id: 1, t: 1 });
    ws.emit('message', Buffer.from('not json'), false);
    hub.broadcast({ type: 'stats' });
    assert.equal(ws.sent.length, before, 'nothing more was queued');
    assert.equal(dropped.length, 3);
    // Once it reads again, it gets answers again.
    ws.bufferedAmount = 0;
    ws.say({ type: 'ping', id: 2, t: 2 });
    assert.equal(ws.json('pong').length, 1);
    hub.close();
  });

  it('closes a viewer that keeps sending invalid messages with its own reason', () => {
    const closes: PolicyCloseReason[] = [];
    const hub = makeHub({ closes });
    const ws = attach(hub);
    for (let i = 0; i < 5; i++) ws.emit('message', Buffer.from('{'), false);
    assert.deepEqual(ws.closed, { code: 1008, reason: 'too many invalid messages' });
    assert.deepEqual(closes, ['invalid-messages']);
    hub.close();
  });

  it('reports each viewer’s queued bytes by id, and its leaving', () => {
    const left: string[] = [];
    const hub = new StreamHub({ maxBufferedBytes: 1 << 20, keyRequestIntervalMs: 0, maxBadMessages: 5, hello: {} }, { onViewerLeft: (id) => left.push(id) });
    const a = attach(hub);
    const b = attach(hub);
    b.bufferedAmount = 777;
    assert.deepEqual([...hub.queuedBytes()], [['1', 0], ['2', 777]]);
    a.emit('close');
    assert.deepEqual(left, ['1']);
    assert.deepEqual([...hub.queuedBytes()], [['2', 777]]);
    hub.close();
  });
});
