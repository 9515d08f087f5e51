// Reads a stored body in bounded pieces, in order, for scans that must not hold it whole.

export interface PositionalReader {
  size: number;
  read(position: number, length: number): Promise<Buffer>;
}

export const PIECE = 256 * 1024;

export async function* pieces(body: PositionalReader, piece = PIECE): AsyncGenerator<Buffer> {
  for (let pos = 0; pos < body.size;) {
    const chunk = await body.read(pos, Math.min(piece, body.size - pos));
    if (chunk.length === 0) return;
    pos += chunk.length;
    yield chunk;
  }
}
