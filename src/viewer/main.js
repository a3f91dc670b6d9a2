// @ts-check
/**
 * The viewer page: restored and original video (WebCodecs), the parser's
 * maps as overlays and its weights as bars, and live figures (fps, drops,
 * glass-to-glass latency). Roles: connection (source) → decoders → renderer.
 */
import { ServerClock, localNow } from './clock.js';
import { Connection } from './connection.js';
import { TrackDecoder } from './decoder.js';
import { Renderer } from './renderer.js';
import { ViewerStats, quantile } from './stats.js';
import { viewLabels } from './view-labels.js';

const FACTORS = ['low', 'haze', 'rain', 'snow'];
/** Names of the overlay choices (the `#overlay` values 0..3). */
const MAP_NAMES = ['low light map', 'haze map', 'rain map', 'snow map'];

/** @param {string} id */
function $(id) {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`viewer page lacks #${id}`);
  return el;
}

/** @param {string} id @param {string} text */
function setText(id, text) {
  $(id).textContent = text;
}

function start() {
  if (typeof VideoDecoder === 'undefined') {
    setText('status', window.isSecureContext
      ? 'This browser has no WebCodecs VideoDecoder: use current Chromium, Chrome, Edge or Firefox (130+).'
      : 'WebCodecs needs a secure context: open the page as http://127.0.0.1 / http://localhost, or over HTTPS.');
    $('status').dataset.state = 'unsupported';
    return;
  }
  const canvas = /** @type {HTMLCanvasElement} */ ($('video'));
  const renderer = new Renderer(canvas);
  const clock = new ServerClock();
  const stats = new ViewerStats();
  /** @type {Map<number, number>} seq → capture time, for frames in the restored decoder */
  const captures = new Map();
  /** @type {import('./protocol.js').StatsMessage | null} */
  let serverStats = null;

  /** @param {'restored' | 'original'} track */
  const makeDecoder = (track) =>
    new TrackDecoder(
      (frame, seq) => {
        try {
          renderer.draw(track, frame);
        } finally {
          frame.close();
        }
        if (track !== 'restored') return;
        const captureMs = captures.get(seq);
        captures.delete(seq);
        stats.decoded += 1;
        const latency = captureMs === undefined || !clock.synced ? NaN : clock.serverNow() - captureMs;
        stats.frameDrawn(latency, localNow());
      },
      (message) => setText('status', message),
    );
  const decoders = { restored: makeDecoder('restored'), original: makeDecoder('original') };

  const token = new URLSearchParams(location.search).get('token');
  // The stream's WebSocket sits beside its page: `/ws` for `/`, `/s/<name>/ws` for `/s/<name>/`.
  const folder = location.pathname.replace(/[^/]*$/, '');
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${folder}ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  const connection = new Connection(wsUrl, {
    onState: (state, detail) => {
      $('status').dataset.state = state;
      setText('status', state === 'open' ? 'live' : state === 'connecting' ? 'connecting…' : detail);
      if (state === 'closed' || state === 'unauthorized') {
        decoders.restored.close();
        decoders.original.close();
      }
    },
    onJson: (message) => {
      switch (message.type) {
        case 'hello':
          setText('source', `${message.sourceLabel ?? message.source} · ${message.pipeline}`);
          break;
        case 'config':
          decoders[message.track].configure(message);
          break;
        case 'pong':
          clock.addSample(message.sentLocal, message.serverMs);
          break;
        case 'stats':
          serverStats = message;
          break;
        case 'source':
          setText(
            'status',
            `source ${message.state} (attempt ${message.attempt}${message.reason ? `: ${message.reason}` : ''}); next try in ${(message.delayMs / 1000).toFixed(1)} s`,
          );
          break;
        case 'error':
          setText('status', `server: ${message.message}`);
          break;
        default:
          break;
      }
    },
    onBinary: (message) => {
      if (message.kind === 'maps') {
        renderer.setMaps(message);
        message.weights.forEach((w, i) => {
          const meter = /** @type {HTMLMeterElement} */ ($(`weight-${FACTORS[i]}`));
          meter.value = Math.max(0, Math.min(1, w));
          meter.title = `${FACTORS[i]} ${w.toFixed(2)}`;
          setText(`weight-${FACTORS[i]}-value`, w.toFixed(2));
        });
        return;
      }
      if (message.track === 'restored') {
        captures.set(message.seq, message.captureMs);
        if (captures.size > 120) captures.delete(/** @type {number} */ (captures.keys().next().value));
        $('passthrough').hidden = !message.passThrough;
      }
      decoders[message.track].decode(message);
    },
  });
  connection.connect();

  // Controls
  const slider = /** @type {HTMLInputElement} */ ($('split'));
  slider.addEventListener('input', () => {
    renderer.split = Number(slider.value) / 100;
  });
  canvas.addEventListener('pointermove', (event) => {
    if (renderer.mode !== 'split' || event.buttons !== 1) return;
    const rect = canvas.getBoundingClientRect();
    renderer.split = Math.max(0, Math.min(1, (event.clientX - rect.left) / rect.width));
    slider.value = String(Math.round(renderer.split * 100));
  });
  const mode = /** @type {HTMLSelectElement} */ ($('mode'));
  const overlay = /** @type {HTMLSelectElement} */ ($('overlay'));
  // Captions and the canvas description follow what is drawn.
  const describeView = () => {
    const labels = viewLabels(renderer.mode, MAP_NAMES[renderer.overlay] ?? null);
    canvas.setAttribute('aria-label', labels.description);
    $('view-captions').replaceChildren(...labels.captions.map((text) => Object.assign(document.createElement('span'), { textContent: text })));
  };
  mode.addEventListener('change', () => {
    renderer.setMode(/** @type {import('./renderer.js').ViewMode} */ (mode.value));
    $('split-control').hidden = mode.value !== 'split';
    describeView();
  });
  overlay.addEventListener('change', () => {
    renderer.setOverlay(Number(overlay.value));
    describeView();
  });
  describeView();
  const opacity = /** @type {HTMLInputElement} */ ($('opacity'));
  opacity.addEventListener('input', () => {
    renderer.overlayOpacity = Number(opacity.value) / 100;
  });

  // Figures, once a second; the latency samples also go to the server's /metrics.
  setInterval(() => {
    const now = localNow();
    const p50 = quantile(stats.latency, 0.5);
    const p95 = quantile(stats.latency, 0.95);
    const fps = stats.fps(now);
    setText('fps', String(fps));
    setText('latency-p50', Number.isFinite(p50) ? p50.toFixed(0) : '–');
    setText('latency-p95', Number.isFinite(p95) ? p95.toFixed(0) : '–');
    setText('frames-drawn', String(stats.drawn));
    setText('viewer-skipped', String(decoders.restored.skipped + decoders.original.skipped));
    $('latency-p50').dataset.value = Number.isFinite(p50) ? String(p50) : '';
    $('latency-p95').dataset.value = Number.isFinite(p95) ? String(p95) : '';
    $('frames-drawn').dataset.value = String(stats.drawn);
    if (serverStats !== null) {
      setText('fps-in', serverStats.fpsIn.toFixed(1));
      setText('fps-out', serverStats.fpsOut.toFixed(1));
      setText('dropped', `${serverStats.dropped} (${serverStats.framesIn > 0 ? ((100 * serverStats.dropped) / serverStats.framesIn).toFixed(0) : 0}%)`);
      setText('viewers', String(serverStats.viewers));
    }
    connection.send({ type: 'report', fps, latencyMs: stats.takeUnreported(), decoded: stats.decoded });
  }, 1000);
}

start();
