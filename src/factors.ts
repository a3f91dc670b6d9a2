/**
 * The four degradation factors F2D-Net separates, in the one order used by the
 * parser's maps and weights, the synthesis flags, the model manifests and the
 * viewer (which keeps its own copy: it imports nothing from `src/`).
 */
export const FACTORS = ['low', 'haze', 'rain', 'snow'] as const;

export type Factor = (typeof FACTORS)[number];
