/**
 * Request decompression for ingest. The gunzip stream is handed back to
 * Fastify, which counts *decompressed* bytes against the body limit, so a gzip
 * bomb is cut off at the limit with a 413 instead of filling memory.
 */
import { createGunzip } from 'node:zlib';
import type { Transform } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { Errors } from '../errors.js';

export async function decompressRequest(request: FastifyRequest, payload: NodeJS.ReadableStream): Promise<NodeJS.ReadableStream> {
  const encoding = String(request.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (encoding === 'identity' || encoding === '') return payload;
  if (encoding !== 'gzip' && encoding !== 'x-gzip') throw new Errors.UnsupportedEncoding(encoding);
  const gunzip = createGunzip() as unknown as Transform & { receivedEncodedLength: number };
  gunzip.receivedEncodedLength = 0;
  payload.on('data', (chunk: Buffer) => {
    gunzip.receivedEncodedLength += chunk.length;
  });
  payload.on('error', (err) => gunzip.destroy(err));
  gunzip.on('error', (err: Error & { statusCode?: number; code?: string }) => {
    if (!err.statusCode) {
      err.statusCode = 400;
      err.message = `body is not valid gzip: ${err.message}`;
      err.code = 'RW_BAD_GZIP';
    }
  });
  payload.pipe(gunzip);
  return gunzip;
}
