// A whole body read into memory, refused once it passes `max` bytes (the stream is destroyed
// when the loop is left early).
export async function readBounded(
  body: AsyncIterable<unknown>,
  max: number,
  tooLarge: () => Error,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > max) throw tooLarge();
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}
