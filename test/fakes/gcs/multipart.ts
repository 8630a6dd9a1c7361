/**
 * Streaming parser for the multipart/related bodies of `uploadType=multipart`: a JSON metadata part,
 * then the media part, which is handed to `onMedia` chunk by chunk (never buffered whole).
 */
import { Readable } from 'node:stream';

export async function parseMultipartRelated(
  body: Readable,
  boundary: string,
  onMedia: (chunk: Buffer) => Promise<void>,
): Promise<Record<string, unknown>> {
  const opening = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let pending: Buffer = Buffer.alloc(0);
  let stage: 'preamble' | 'meta-headers' | 'meta-body' | 'media-headers' | 'media' | 'done' = 'preamble';
  let metadata: Record<string, unknown> | undefined;

  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (stage === 'done') continue; // drain the epilogue
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      if (stage === 'preamble') {
        const at = pending.indexOf(opening);
        if (at < 0) break;
        pending = pending.subarray(at + opening.length);
        stage = 'meta-headers';
      } else if (stage === 'meta-headers' || stage === 'media-headers') {
        const at = pending.indexOf('\r\n\r\n');
        if (at < 0) break;
        pending = pending.subarray(at + 4);
        stage = stage === 'meta-headers' ? 'meta-body' : 'media';
      } else if (stage === 'meta-body') {
        const at = pending.indexOf(delimiter);
        if (at < 0) break;
        const text = pending.subarray(0, at).toString('utf8').trim();
        metadata = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        pending = pending.subarray(at + delimiter.length);
        stage = 'media-headers';
      } else if (stage === 'media') {
        const at = pending.indexOf(delimiter);
        if (at >= 0) {
          await onMedia(pending.subarray(0, at));
          pending = Buffer.alloc(0);
          stage = 'done';
          break;
        }
        // Hold back what could be the start of a delimiter split across chunks.
        const safe = Math.max(0, pending.length - (delimiter.length - 1));
        if (safe > 0) {
          await onMedia(pending.subarray(0, safe));
          pending = Buffer.from(pending.subarray(safe));
        }
        break;
      } else {
        break;
      }
    }
  }
  if (stage !== 'done' || !metadata) throw new Error(`malformed multipart body (stopped in ${stage})`);
  return metadata;
}
