// The primary's listeners. It accepts each connection and hands it to the next ready worker
// (round robin) over IPC, keeping its own copy until the worker says it took it. A worker killed
// before that (node:cluster's round robin, and Node's handle queue, then keep the connection
// open with nobody reading it: the client hangs) has its untaken connections closed here.
import type { Worker } from 'node:cluster';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { bindServer } from '../server/listeners.js';

/** Connections waiting while no worker is ready (all restarting); more are refused. */
const MAX_WAITING = 1024;

export class Dispatcher {
  readonly #servers: Server[] = [];
  #ready: Worker[] = [];
  #next = 0;
  readonly #waiting: Array<{ listener: number; socket: Socket }> = [];
  /** Connections sent to a worker that has not said it took them yet, by id. */
  readonly #sent = new Map<number, { worker: Worker; socket: Socket }>();
  #ids = 0;

  /** Binds every listener; the addresses in the same order. */
  async listen(addresses: ReadonlyArray<{ host: string; port: number }>): Promise<AddressInfo[]> {
    for (const [i, at] of addresses.entries()) {
      const server = createServer({ pauseOnConnect: true }, (socket) => this.#hand(i, socket));
      await bindServer(server, at.host, at.port);
      this.#servers.push(server);
    }
    return this.#servers.map((s) => s.address() as AddressInfo);
  }

  ready(worker: Worker): void {
    this.#ready.push(worker);
    for (const w of this.#waiting.splice(0)) this.#hand(w.listener, w.socket);
  }

  gone(worker: Worker): void {
    this.#ready = this.#ready.filter((w) => w !== worker);
    for (const [id, sent] of this.#sent) {
      if (sent.worker !== worker) continue;
      this.#sent.delete(id);
      sent.socket.destroy();
    }
  }

  /** The worker has its copy of connection `id`: this one is closed (the connection lives on). */
  took(id: number): void {
    this.#sent.get(id)?.socket.destroy();
    this.#sent.delete(id);
  }

  /** Stops accepting; connections already handed over stay with their workers. */
  close(): void {
    for (const s of this.#servers) s.close();
    for (const w of this.#waiting.splice(0)) w.socket.destroy();
  }

  #hand(listener: number, socket: Socket): void {
    const worker = this.#ready[this.#next++ % Math.max(1, this.#ready.length)];
    if (!worker?.isConnected()) {
      if (this.#waiting.length < MAX_WAITING) this.#waiting.push({ listener, socket });
      else socket.destroy();
      return;
    }
    const id = ++this.#ids;
    this.#sent.set(id, { worker, socket });
    worker.send({ trove: 1, t: 'conn', listener, id }, socket, { keepOpen: true }, (err) => {
      if (err) this.took(id);
    });
  }
}
