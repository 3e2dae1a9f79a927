// zlib inflate (RFC 1950) of compressed payloads (flag 0x10), bounded.

import { ProtocolError } from "./packet.js";

/**
 * Inflates a zlib stream (RFC 1950), refusing to produce more than maxSize
 * bytes. A client calls it for each payload with flag 0x10.
 */
export type Inflate = (data: Uint8Array, maxSize: number) => Promise<Uint8Array>;

/**
 * The default {@link Inflate}: the `DecompressionStream("deflate")` global
 * of browsers and Node 18+. Output beyond maxSize stops the stream and
 * rejects with a {@link ProtocolError} (a zip bomb closes the connection
 * after at most maxSize bytes plus one chunk were produced). Where the
 * global is missing (some game engines' native runtimes) it rejects: set
 * ConnectOptions.inflate there, or keep the server's compression off (its
 * default).
 */
export async function inflateZlib(data: Uint8Array, maxSize: number): Promise<Uint8Array> {
  const DS = (globalThis as { DecompressionStream?: typeof DecompressionStream }).DecompressionStream;
  if (DS === undefined) {
    throw new ProtocolError("zlib-compressed payload, but this runtime has no DecompressionStream (set ConnectOptions.inflate)");
  }
  const ds = new DS("deflate");
  const writer = ds.writable.getWriter();
  // Not awaited: with backpressure the write completes only as output is read.
  writer.write(data as Uint8Array<ArrayBuffer>).catch(ignore);
  writer.close().catch(ignore);
  const reader = ds.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxSize) {
        reader.cancel().catch(ignore);
        throw new ProtocolError(`compressed payload inflates beyond ${maxSize} bytes`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    throw new ProtocolError(`compressed payload does not inflate: ${(e as Error).message}`);
  }
  return concat(chunks, total);
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

function ignore(): void {}
