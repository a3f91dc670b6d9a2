// @ts-check
/**
 * The words that go with the picture for each view mode: the captions under
 * the canvas (left to right) and the canvas' accessible description, so a
 * screen reader and the captions say what is on screen, not what the page
 * showed at load.
 */

/** @typedef {import('./renderer.js').ViewMode} ViewMode */

/**
 * @param {ViewMode} mode
 * @param {string | null} overlay name of the map drawn over the restored picture, e.g. `rain map`; null for none
 * @returns {{ captions: string[], description: string }}
 */
export function viewLabels(mode, overlay) {
  const over = overlay === null ? '' : `, with the ${overlay} over it`;
  switch (mode) {
    case 'side':
      return { captions: ['original', `restored${overlay === null ? '' : ` + ${overlay}`}`], description: `Live video side by side: original on the left, restored on the right${over}.` };
    case 'restored':
      return { captions: [`restored${overlay === null ? '' : ` + ${overlay}`}`], description: `Live video: restored only${over}.` };
    case 'original':
      return { captions: [`original (unrestored)${overlay === null ? '' : ` + ${overlay}`}`], description: `Live video: original only, unrestored${over}.` };
    default:
      return { captions: ['original', `restored${overlay === null ? '' : ` + ${overlay}`}`], description: `Live video, split: original left of the line, restored right of it${over}; drag on the video to move the line.` };
  }
}
