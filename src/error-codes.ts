/**
 * Every error code f2d emits, with its category (which picks the CLI's exit
 * code, `EXIT_CODES` in `errors.ts`) and a one-line summary. `F2dError` only
 * takes codes listed here; test/unit/error-codes.test.ts checks that each
 * code thrown in `src/` uses its category here and that the README's error
 * table lists every code under its category.
 */

/** Coarse error categories; the CLI maps each to an exit code. */
export type ErrorCategory = 'config' | 'input' | 'decode' | 'model' | 'encode' | 'output' | 'network' | 'interrupted' | 'internal';

export interface ErrorCodeInfo {
  readonly category: ErrorCategory;
  readonly summary: string;
}

export const ERROR_CODES = {
  // config: the command line, the config layers, a setting a component refuses
  ERR_CONFIG_USAGE: { category: 'config', summary: 'unknown flag or command, a missing or extra argument, or a flag the command does not read' },
  ERR_CONFIG_INVALID: { category: 'config', summary: 'a setting out of its allowed values' },
  ERR_CONFIG_UNKNOWN_KEY: { category: 'config', summary: 'a key that is not in the config schema' },
  ERR_CONFIG_FILE_UNREADABLE: { category: 'config', summary: 'the config or pipeline file cannot be read' },
  ERR_CONFIG_FILE_INVALID: { category: 'config', summary: 'the config or pipeline file is not valid JSON' },
  ERR_CONFIG_PIPELINE_NOT_FOUND: { category: 'config', summary: '--pipeline names no pipelines/*.json file' },
  ERR_MODEL_SYNTH_CONFIG: { category: 'config', summary: 'an unknown --weather (names the known configurations)' },
  ERR_SOURCE_URI: { category: 'config', summary: 'an empty --source, or one with an unsupported scheme' },
  ERR_PUBLISH_URL: { category: 'config', summary: '--publish (serve.publish) is not an rtsp(s):// or rtmp(s):// URL with a host' },

  // input: what was given to read
  ERR_INPUT_NOT_FOUND: { category: 'input', summary: 'the input does not exist' },
  ERR_INPUT_NOT_FILE: { category: 'input', summary: 'the input is not a regular file' },
  ERR_INPUT_NOT_MEDIA: { category: 'input', summary: 'FFmpeg cannot read the input as media' },
  ERR_INPUT_TRUNCATED: { category: 'input', summary: 'an MP4/MOV input without its index (moov atom): cut off before its end was written' },
  ERR_INPUT_NO_VIDEO: { category: 'input', summary: 'the input has no video stream' },
  ERR_INPUT_UNSUPPORTED_CODEC: { category: 'input', summary: 'no decoder for the input video codec' },
  ERR_INPUT_NO_IMAGES: { category: 'input', summary: 'the input directory holds no png/jpg/webp images' },
  ERR_EVAL_PHOTOS_MISSING: { category: 'input', summary: 'no photo manifest for f2d eval (run npm run photos)' },
  ERR_EVAL_PHOTOS_INVALID: { category: 'input', summary: 'the photo manifest is not valid, or lists no photo in the split' },
  ERR_EVAL_PAIRS: { category: 'input', summary: 'f2d eval --pairs: no images, a clean image missing, or sizes that differ' },
  ERR_EVAL_CLIP: { category: 'input', summary: 'f2d eval --clip: the clip has fewer than two frames to compare' },
  ERR_MODEL_FRAME_INVALID: { category: 'input', summary: 'a frame whose size or byte length is not packed RGB24 (not fatal)' },
  ERR_MODEL_SYNTH_INPUT: { category: 'input', summary: 'synthesis flags, parameters or noise of the wrong length' },
  ERR_SOURCE_DEMO: { category: 'input', summary: 'models/demo/demo.json is missing or names no clip' },
  ERR_SOURCE_NO_VIDEO: { category: 'input', summary: 'the live source has no video stream' },

  // decode
  ERR_DECODE_NO_FRAMES: { category: 'decode', summary: 'no frame of the input could be decoded' },
  ERR_DECODE_IMAGE: { category: 'decode', summary: 'an image cannot be decoded' },
  ERR_SOURCE_CODEC: { category: 'decode', summary: 'no decoder for the live source codec' },

  // model: loading and running the ONNX graphs
  ERR_MODEL_NOT_FOUND: { category: 'model', summary: 'no readable manifest.json in the model directory' },
  ERR_MODEL_MANIFEST_INVALID: { category: 'model', summary: 'manifest.json does not follow models/README.md' },
  ERR_MODEL_FILE_MISSING: { category: 'model', summary: 'a file the manifest lists cannot be read' },
  ERR_MODEL_SHA_MISMATCH: { category: 'model', summary: 'a model file differs from the sha256 in its manifest' },
  ERR_MODEL_IO_MISMATCH: { category: 'model', summary: "a graph's inputs or outputs differ from its manifest" },
  ERR_MODEL_LOAD: { category: 'model', summary: 'onnxruntime cannot load a graph' },
  ERR_MODEL_RUN: { category: 'model', summary: 'an inference run failed' },
  ERR_MODEL_OUTPUT_SHAPE: { category: 'model', summary: 'a graph output has an unexpected shape' },
  ERR_MODEL_OUTPUT_TYPE: { category: 'model', summary: 'the restorer output is not uint8' },
  ERR_MODEL_OUTPUT_SIZE: { category: 'model', summary: 'the restored image differs in size from its input' },
  ERR_MODEL_WORKER_EXIT: { category: 'model', summary: 'the model worker thread died (a crash, or out of memory)' },

  // encode
  ERR_ENCODE_OPEN: { category: 'encode', summary: 'the H.264 encoder cannot start' },
  ERR_ENCODE_FAILED: { category: 'encode', summary: 'H.264 encoding failed mid-file' },
  ERR_ENCODE_IMAGE: { category: 'encode', summary: 'an image cannot be encoded' },
  ERR_JOIN_MISMATCH: { category: 'encode', summary: "a long video's restored segments cannot be joined with a stream copy (other H.264 parameters, unreadable)" },
  ERR_ENCODE_SIZE: { category: 'encode', summary: 'the live encoder was given an odd frame size (4:2:0 needs even sizes)' },
  ERR_ENCODE_FRAME: { category: 'encode', summary: 'the live encoder was given a picture of the wrong byte length' },

  // output: where results go
  ERR_OUTPUT_EXISTS: { category: 'output', summary: 'the output exists (pass --overwrite)' },
  ERR_OUTPUT_UNWRITABLE: { category: 'output', summary: "the output's directory cannot be created or written" },
  ERR_OUTPUT_FORMAT: { category: 'output', summary: 'the output name does not suit the input (video or image extension)' },
  ERR_OUTPUT_IS_INPUT: { category: 'output', summary: 'the output is the input' },
  ERR_OUTPUT_IS_DIR: { category: 'output', summary: 'the output of a file is a directory' },
  ERR_OUTPUT_NOT_DIR: { category: 'output', summary: 'the output of a directory is a file' },
  ERR_OUTPUT_OPEN: { category: 'output', summary: 'the output file cannot be created' },
  ERR_OUTPUT_CONTAINER: { category: 'output', summary: 'the container cannot be written' },
  ERR_OUTPUT_WRITE: { category: 'output', summary: 'writing or moving the finished output (or a report) failed' },
  ERR_RECORD_DIR: { category: 'output', summary: 'the recording folder cannot be created' },
  ERR_RECORD_WRITE: { category: 'output', summary: 'writing a recording segment failed' },

  // network: the live server and its sources
  ERR_SOURCE_OPEN: { category: 'network', summary: 'the live source cannot be opened (category input for a local path; f2d serve retries a feed)' },
  ERR_SERVER_LISTEN: { category: 'network', summary: 'the viewer server cannot listen on the host and port' },
  ERR_SOURCE_READ: { category: 'network', summary: 'reading the live source failed (not fatal: f2d serve reconnects)' },
  ERR_QUEUE_REDIS: { category: 'network', summary: "the queue's Redis (queue.redis, --redis) does not answer within queue.connectTimeoutSec" },
  ERR_WS_BAD_MESSAGE: { category: 'network', summary: 'sent to a viewer whose message was invalid (the viewer is dropped after serve.viewers.maxBadMessages)' },

  // interrupted: Ctrl-C
  ERR_INTERRUPTED: { category: 'interrupted', summary: 'stopped before the first frame was restored; nothing was written' },
  ERR_EVAL_INTERRUPTED: { category: 'interrupted', summary: 'f2d eval was stopped' },

  // internal: bugs, and objects used after close()
  ERR_INTERNAL: { category: 'internal', summary: 'an unexpected error: a bug (rerun with --verbose and report the stack)' },
  ERR_MODEL_INTERNAL: { category: 'internal', summary: 'the model worker broke its protocol' },
  ERR_MODEL_CLOSED: { category: 'internal', summary: 'a model used after close()' },
  ERR_MEDIA_CLOSED: { category: 'internal', summary: 'a video writer used after finish() or abort()' },
  ERR_MEDIA_RESIZE: { category: 'internal', summary: 'a crop outside the picture, or swscale failed' },
  ERR_ENCODE_CLOSED: { category: 'internal', summary: 'a live encoder used after close()' },
  ERR_ENCODE_BUSY: { category: 'internal', summary: 'a live encoder called while an encode is pending' },
  ERR_RECORD_CLOSED: { category: 'internal', summary: 'the recorder used after close()' },
  ERR_PUBLISH_CLOSED: { category: 'internal', summary: 'the publisher used after close()' },
  ERR_SOURCE_BUSY: { category: 'internal', summary: 'a live source read while a read is pending' },
  ERR_SOURCE_CLOSED: { category: 'internal', summary: 'a live source read after close()' },
  ERR_SERVER_VIEWER: { category: 'internal', summary: 'the viewer files are missing from the package' },
} as const satisfies Readonly<Record<string, ErrorCodeInfo>>;

/** A code of {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** `true` for a string that is a known code (e.g. one read back from the model worker). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}
