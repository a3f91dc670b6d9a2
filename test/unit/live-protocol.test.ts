import assert from 'node:assert/strict';
import {
  FLAG_KEY,
  FLAG_PASS_THROUGH,
  HEADER_BYTES,
  KIND_MAPS,
  KIND_VIDEO,
  MAX_CLIENT_MESSAGE_BYTES,
  TRACK_ORIGINAL,
  decodeHeader,
  encodeMapsPayload,
  encodeMessage,
  parseClientMessage,
} from '../../src/server/protocol.js';
// The browser's copy of the protocol: plain ES module, no DOM needed to decode.
import * as viewer from '../../src/viewer/protocol.js';

function arrayBufferOf(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

describe('live: viewer protocol', () => {
  it('the viewer shares the server constants', () => {
    assert.equal(viewer.HEADER_BYTES, HEADER_BYTES);
    assert.equal(viewer.KIND_VIDEO, KIND_VIDEO);
    assert.equal(viewer.KIND_MAPS, KIND_MAPS);
    assert.equal(viewer.FLAG_KEY, FLAG_KEY);
    assert.equal(viewer.FLAG_PASS_THROUGH, FLAG_PASS_THROUGH);
  });

  it('a video message encoded by the server decodes in the viewer', () => {
    const payload = Buffer.from([0, 0, 0, 1, 0x65, 1, 2, 3]);
    const msg = encodeMessage({ kind: KIND_VIDEO, track: TRACK_ORIGINAL, flags: FLAG_KEY | FLAG_PASS_THROUGH, seq: 70000, captureMs: 1_700_000_000_123.25, publishMs: 1_700_000_000_130.5 }, payload);
    const header = decodeHeader(msg);
    assert.equal(header?.seq, 70000);
    const v = viewer.decodeBinary(arrayBufferOf(msg));
    assert.ok(v !== null && v.kind === 'video');
    assert.equal(v.track, 'original');
    assert.equal(v.key, true);
    assert.equal(v.passThrough, true);
    assert.equal(v.captureMs, 1_700_000_000_123.25);
    assert.deepEqual([...v.data], [...payload]);
  });

  it('a maps message round-trips with its weights and planes', () => {
    const planes = [0, 1, 2, 3].map((i) => new Uint8Array(6).fill(i * 50));
    const msg = encodeMessage({ kind: KIND_MAPS, track: 0, flags: 0, seq: 3, captureMs: 1, publishMs: 2 }, encodeMapsPayload(3, 2, [0.1, 0.2, 0.3, 0.4], planes));
    const m = viewer.decodeBinary(arrayBufferOf(msg));
    assert.ok(m !== null && m.kind === 'maps');
    assert.deepEqual([m.width, m.height], [3, 2]);
    assert.deepEqual(m.weights.map((w) => Number(w.toFixed(3))), [0.1, 0.2, 0.3, 0.4]);
    assert.deepEqual(m.planes.map((p) => p[5]), [0, 50, 100, 150]);
  });

  it('the viewer ignores short, foreign-version and truncated messages', () => {
    assert.equal(viewer.decodeBinary(new ArrayBuffer(10)), null);
    const msg = encodeMessage({ kind: KIND_VIDEO, track: 0, flags: 0, seq: 1, captureMs: 0, publishMs: 0 }, Buffer.alloc(4));
    msg[3] = 9;
    assert.equal(viewer.decodeBinary(arrayBufferOf(msg)), null);
    assert.equal(decodeHeader(msg), null);
    const maps = encodeMessage({ kind: KIND_MAPS, track: 0, flags: 0, seq: 1, captureMs: 0, publishMs: 0 }, encodeMapsPayload(8, 8, [0, 0, 0, 0], []));
    assert.equal(viewer.decodeBinary(arrayBufferOf(maps.subarray(0, maps.length - 1))), null);
  });

  it('accepts valid viewer messages', () => {
    assert.deepEqual(parseClientMessage('{"type":"ping","id":3,"t":12.5}'), { ok: true, message: { type: 'ping', id: 3, t: 12.5 } });
    assert.equal(parseClientMessage('{"type":"subscribe","tracks":["restored"],"maps":false}').ok, true);
    assert.equal(parseClientMessage('{"type":"report","fps":24,"latencyMs":[40.5,52],"decoded":100}').ok, true);
  });

  it('rejects bad viewer messages with a reason', () => {
    const cases: Array<[string, RegExp]> = [
      ['not json', /not JSON/],
      ['{"type":"shutdown"}', /allowed types: ping, subscribe, report/],
      ['{"type":"ping","id":-1,"t":0}', /^id:/],
      ['{"type":"ping","id":1,"t":0,"extra":1}', /Unrecognized key/],
      ['{"type":"subscribe","tracks":["everything"],"maps":true}', /^tracks\.0:/],
      ['{"type":"report","fps":1,"latencyMs":[-5],"decoded":1}', /^latencyMs\.0:/],
      ['x'.repeat(MAX_CLIENT_MESSAGE_BYTES + 1), /exceeds 4096/],
    ];
    for (const [text, reason] of cases) {
      const r = parseClientMessage(text);
      assert.equal(r.ok, false, text.slice(0, 40));
      if (!r.ok) assert.match(r.error, reason);
    }
  });
});
