// @ts-check
/**
 * Draws the two tracks onto one canvas: restored over original with a split
 * line (original left, restored right), side by side, or one of them alone;
 * and a parser map as a coloured overlay.
 */

/** Overlay colours per factor: low, haze, rain, snow. */
const COLOURS = [
  [255, 170, 0],
  [180, 180, 200],
  [40, 140, 255],
  [255, 255, 255],
];

/** @typedef {'split' | 'side' | 'restored' | 'original'} ViewMode */

export class Renderer {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    this.canvas = canvas;
    const ctx = canvas.getContext('2d');
    if (ctx === null) throw new Error('no 2D canvas context');
    this.ctx = ctx;
    /** @type {ViewMode} */
    this.mode = 'split';
    /** split position, 0..1 of the width */
    this.split = 0.5;
    /** index of the map shown (0..3) or -1 for none */
    this.overlay = -1;
    this.overlayOpacity = 0.6;
    this.overlayCanvas = document.createElement('canvas');
    /** @type {{ width: number, height: number, planes: Uint8Array[] } | null} */
    this.maps = null;
    this.frameWidth = 0;
    this.frameHeight = 0;
  }

  /** @param {number} width @param {number} height */
  resize(width, height) {
    const w = this.mode === 'side' ? width * 2 : width;
    if (this.canvas.width !== w || this.canvas.height !== height) {
      this.canvas.width = w;
      this.canvas.height = height;
    }
    this.frameWidth = width;
    this.frameHeight = height;
  }

  /** @param {ViewMode} mode */
  setMode(mode) {
    this.mode = mode;
    if (this.frameWidth > 0) this.resize(this.frameWidth, this.frameHeight);
  }

  /** @param {{ width: number, height: number, planes: Uint8Array[] }} maps */
  setMaps(maps) {
    this.maps = maps;
    this.paintOverlay();
  }

  /** @param {number} index -1 for none */
  setOverlay(index) {
    this.overlay = index;
    this.paintOverlay();
  }

  paintOverlay() {
    const maps = this.maps;
    if (maps === null || this.overlay < 0) return;
    const plane = maps.planes[this.overlay];
    const colour = COLOURS[this.overlay];
    if (plane === undefined || colour === undefined) return;
    this.overlayCanvas.width = maps.width;
    this.overlayCanvas.height = maps.height;
    const octx = this.overlayCanvas.getContext('2d');
    if (octx === null) return;
    const image = octx.createImageData(maps.width, maps.height);
    for (let i = 0; i < plane.length; i++) {
      const v = plane[i] ?? 0;
      image.data[i * 4] = colour[0] ?? 0;
      image.data[i * 4 + 1] = colour[1] ?? 0;
      image.data[i * 4 + 2] = colour[2] ?? 0;
      image.data[i * 4 + 3] = v;
    }
    octx.putImageData(image, 0, 0);
  }

  /**
   * Draws one decoded frame of a track into its region.
   * @param {'restored' | 'original'} track
   * @param {VideoFrame} frame
   */
  draw(track, frame) {
    const w = frame.displayWidth;
    const h = frame.displayHeight;
    if (w !== this.frameWidth || h !== this.frameHeight) this.resize(w, h);
    const ctx = this.ctx;
    if (this.mode === 'side') {
      const x = track === 'original' ? 0 : w;
      ctx.drawImage(frame, x, 0, w, h);
      if (track === 'restored') this.drawOverlay(x, 0, w, h);
      return;
    }
    if (this.mode === 'restored' || this.mode === 'original') {
      if (track !== this.mode) return;
      ctx.drawImage(frame, 0, 0, w, h);
      this.drawOverlay(0, 0, w, h);
      return;
    }
    // split: original on the left of the line, restored on the right
    const cut = Math.round(this.split * w);
    ctx.save();
    ctx.beginPath();
    if (track === 'original') ctx.rect(0, 0, cut, h);
    else ctx.rect(cut, 0, w - cut, h);
    ctx.clip();
    ctx.drawImage(frame, 0, 0, w, h);
    this.drawOverlay(0, 0, w, h);
    ctx.restore();
    ctx.fillStyle = 'rgba(255,255,255,0.9)';
    ctx.fillRect(cut - 1, 0, 2, h);
  }

  /** @param {number} x @param {number} y @param {number} w @param {number} h */
  drawOverlay(x, y, w, h) {
    if (this.overlay < 0 || this.maps === null) return;
    this.ctx.save();
    this.ctx.globalAlpha = this.overlayOpacity;
    this.ctx.imageSmoothingEnabled = true;
    this.ctx.drawImage(this.overlayCanvas, x, y, w, h);
    this.ctx.restore();
  }
}
