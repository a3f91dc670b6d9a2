/**
 * A FrameRestorer that returns each frame unchanged (a copy), for testing the
 * media path without a model. It follows the contract: one call at a time,
 * idempotent close(), restore() after close() rejects.
 */
import type { FrameRestorer, RestoreResult } from '../../src/model/types.js';
import type { RgbFrame } from '../../src/frame.js';

export class IdentityRestorer implements FrameRestorer {
  calls = 0;
  private closed = false;
  /** Optional hook run before each frame (e.g. to send SIGINT after N frames). */
  constructor(private readonly onFrame?: (index: number) => void) {}

  async restore(frame: RgbFrame): Promise<RestoreResult> {
    if (this.closed) throw new Error('IdentityRestorer: restore() after close()');
    this.onFrame?.(this.calls);
    this.calls++;
    const expected = frame.width * frame.height * 3;
    if (frame.data.byteLength !== expected) {
      throw new Error(`IdentityRestorer: ${frame.width}x${frame.height} frame has ${frame.data.byteLength} bytes, expected ${expected}`);
    }
    // Yield to the event loop like a worker round trip would.
    await new Promise((r) => setImmediate(r));
    return { frame: { width: frame.width, height: frame.height, data: frame.data.slice() }, timings: { identity: 0 } };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
