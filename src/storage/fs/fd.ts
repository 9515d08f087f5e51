// Promise wrappers over node:fs's callback calls on a plain descriptor. A hit on a small blob
// is open, fstat, read and close: through fs/promises' FileHandle these cost about three times
// the CPU of the callback calls (about 150 against 60 µs per hit on Node 20), and that CPU is
// what bounds hits served from disk.
import { close, fstat, open, read, type BigIntStats } from 'node:fs';

export function openRead(path: string): Promise<number> {
  return new Promise((resolve, reject) =>
    open(path, 'r', (err, fd) => (err ? reject(err) : resolve(fd))),
  );
}

export function fstatBig(fd: number): Promise<BigIntStats> {
  return new Promise((resolve, reject) =>
    fstat(fd, { bigint: true }, (err, st) => (err ? reject(err) : resolve(st))),
  );
}

export function readAt(
  fd: number,
  buf: Buffer,
  offset: number,
  length: number,
  position: number,
): Promise<number> {
  return new Promise((resolve, reject) =>
    read(fd, buf, offset, length, position, (err, n) => (err ? reject(err) : resolve(n))),
  );
}

export function closeFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => close(fd, (err) => (err ? reject(err) : resolve())));
}
