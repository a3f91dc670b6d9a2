// @ts-check
/**
 * Estimates the offset between this browser's clock and the server's with
 * ping/pong round trips (NTP-style, keeping the sample with the shortest round
 * trip), so glass-to-glass latency can be measured against the server's
 * capture timestamps even when the viewer runs on another machine.
 */

/** Milliseconds since the epoch, sub-millisecond. */
export function localNow() {
  return performance.timeOrigin + performance.now();
}

export class ServerClock {
  constructor() {
    /** @type {{ rtt: number, offset: number }[]} */
    this.samples = [];
    /** server time = local time + offset */
    this.offset = 0;
    this.synced = false;
  }

  /**
   * Records a pong.
   * @param {number} sentLocal local time the ping left
   * @param {number} serverMs server time in the pong
   */
  addSample(sentLocal, serverMs) {
    const now = localNow();
    const rtt = now - sentLocal;
    this.samples.push({ rtt, offset: serverMs - (sentLocal + rtt / 2) });
    if (this.samples.length > 8) this.samples.shift();
    const best = this.samples.reduce((a, b) => (b.rtt < a.rtt ? b : a));
    this.offset = best.offset;
    this.synced = true;
  }

  /** @returns {number} the server's wall clock now, estimated */
  serverNow() {
    return localNow() + this.offset;
  }
}
