// @ts-check
/**
 * What the viewer says when its connection closes, and whether retrying can
 * help: a missing or wrong token cannot fix itself, so the viewer says so and
 * stops, instead of looping "closed (1006)". The server closes for a token
 * with 4401 after the handshake because a browser page cannot read the status
 * of a refused handshake.
 */
import { CLOSE_UNAUTHORIZED } from './protocol.js';

/**
 * @typedef {object} CloseExplanation
 * @property {'closed' | 'unauthorized'} state  `unauthorized`: do not retry
 * @property {string} text  what the status line says (a retry delay is added by the caller)
 * @property {boolean} retry
 */

/**
 * @param {number} code WebSocket close code
 * @param {string} reason close reason sent by the server (may be empty)
 * @returns {CloseExplanation}
 */
export function explainClose(code, reason) {
  if (code === CLOSE_UNAUTHORIZED) {
    const text =
      reason === 'token required'
        ? 'This server needs a token: open the address that f2d serve printed (it ends in ?token=…).'
        : 'The token in this page’s address was rejected: open the address that f2d serve printed, with the current token.';
    return { state: 'unauthorized', text, retry: false };
  }
  if (code === 1008) return { state: 'closed', text: `Disconnected by the server: ${reason || 'policy violation'}.`, retry: true };
  if (code === 1001) return { state: 'closed', text: 'The server is stopping or restarting.', retry: true };
  if (code === 1006) return { state: 'closed', text: 'Connection lost (the server is not reachable).', retry: true };
  return { state: 'closed', text: `Connection closed (${code}${reason ? ` ${reason}` : ''}).`, retry: true };
}
