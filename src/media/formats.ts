/**
 * Which file names mean which media kind and output format. Pure: no node-av.
 */
import { extname } from 'node:path';

/** Still-image formats read and written (same format in and out). */
export const IMAGE_FORMATS = ['png', 'jpeg', 'webp'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

const IMAGE_EXTENSIONS: Readonly<Record<string, ImageFormat>> = {
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.webp': 'webp',
};

/**
 * Containers a restored video can be written to (H.264 video). WebM is left
 * out on purpose: it cannot hold H.264.
 */
const VIDEO_OUTPUT_EXTENSIONS: readonly string[] = ['.mp4', '.m4v', '.mov', '.mkv', '.avi', '.ts', '.flv'];

/** The image format a path names by its extension, or `undefined`. */
export function imageFormatOf(path: string): ImageFormat | undefined {
  return IMAGE_EXTENSIONS[extname(path).toLowerCase()];
}

/** The image file extensions accepted, for messages. */
export function imageExtensions(): string[] {
  return Object.keys(IMAGE_EXTENSIONS);
}

/** Whether a restored video can be written to this file name. */
export function isVideoOutputName(path: string): boolean {
  return VIDEO_OUTPUT_EXTENSIONS.includes(extname(path).toLowerCase());
}

/** The video container extensions accepted for output, for messages. */
export function videoOutputExtensions(): readonly string[] {
  return VIDEO_OUTPUT_EXTENSIONS;
}
