// A worker's side of the primary's listeners: connections arrive over IPC and are handed to
// the HTTP server of their listener, which never binds a port itself.
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Listener, Serving } from '../server/listeners.js';
import { isTroveMessage, type ToWorker } from './messages.js';

export class ConnectionInbox {
  readonly #servers: Server[] = [];
  readonly #addresses: AddressInfo[];

  /** `addresses`: what the primary bound, in listener order. */
  constructor(addresses: AddressInfo[]) {
    this.#addresses = addresses;
    process.on('message', (m: unknown, socket?: Socket) => {
      if (!isTroveMessage<ToWorker>(m) || m.t !== 'conn' || !socket) return;
      const server = this.#servers[m.listener];
      if (server) server.emit('connection', socket);
      else socket.destroy();
      if (process.connected)
        process.send?.({ trove: 1, t: 'took', id: m.id }, undefined, undefined, () => undefined);
    });
  }

  adopt(i: number, serving: Serving): Listener {
    const { server } = serving;
    this.#servers[i] = server;
    // node:http starts its connection tracking (idle closing, headers timeout) on 'listening'.
    server.emit('listening');
    const address = this.#addresses[i] as AddressInfo;
    return { ...serving, address: () => address };
  }
}
