// @ts-check
/**
 * One WebCodecs H.264 decoder per track. Chunks are Annex-B access units
 * (no `description`), key frames carry SPS/PPS. The stream has no frame
 * reordering, so with `optimizeForLatency` each chunk comes out as soon as it
 * is decoded. If the decoder backs up (a slow machine) the track skips to the
 * next key frame rather than falling further behind.
 */

/** More chunks than this waiting in the decoder means it cannot keep up. */
const MAX_DECODE_QUEUE = 4;

export class TrackDecoder {
  /**
   * @param {(frame: VideoFrame, seq: number) => void} onFrame receives each decoded frame (and must close it)
   * @param {(message: string) => void} onError
   */
  constructor(onFrame, onError) {
    this.onFrame = onFrame;
    this.onError = onError;
    /** @type {VideoDecoder | null} */
    this.decoder = null;
    /** @type {string | null} */
    this.configKey = null;
    this.needKey = true;
    this.skipped = 0;
  }

  /**
   * (Re)configures for a codec announced by the server.
   * @param {{ codec: string, width: number, height: number }} config
   */
  configure(config) {
    const key = `${config.codec} ${config.width}x${config.height}`;
    if (this.decoder !== null && this.configKey === key && this.decoder.state === 'configured') return;
    this.close();
    const decoder = new VideoDecoder({
      output: (frame) => this.onFrame(frame, frame.timestamp),
      error: (err) => {
        this.onError(`decoder error: ${err.message}`);
        this.needKey = true;
        this.configKey = null;
      },
    });
    decoder.configure({ codec: config.codec, codedWidth: config.width, codedHeight: config.height, optimizeForLatency: true });
    this.decoder = decoder;
    this.configKey = key;
    this.needKey = true;
  }

  /**
   * @param {{ key: boolean, seq: number, data: Uint8Array }} message
   * @returns {boolean} whether the chunk went to the decoder
   */
  decode(message) {
    const decoder = this.decoder;
    if (decoder === null || decoder.state !== 'configured') return false;
    if (!message.key && (this.needKey || decoder.decodeQueueSize > MAX_DECODE_QUEUE)) {
      if (!this.needKey) this.needKey = true;
      this.skipped += 1;
      return false;
    }
    this.needKey = false;
    decoder.decode(new EncodedVideoChunk({ type: message.key ? 'key' : 'delta', timestamp: message.seq, data: message.data }));
    return true;
  }

  close() {
    if (this.decoder !== null && this.decoder.state !== 'closed') this.decoder.close();
    this.decoder = null;
    this.configKey = null;
    this.needKey = true;
  }
}
