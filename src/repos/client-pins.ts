// Which generation's top file each client fetched last, per root, for a few minutes: a client
// that read the old InRelease just before a new set was published still gets the old set's
// indexes by their plain names (repositories without by-hash), never a mix. The connection is
// asked first (apt keeps one for a whole update, so clients behind one address stay apart),
// then the address (a client that reconnected).
/** A client's generation of a root, by its address. */
export interface AddressPin {
  address: string;
  root: string;
  id: number;
}

export interface Client {
  address: string;
  connection: string;
}

export class ClientPins {
  readonly #max: number;
  readonly #ttl: number;
  readonly #pins = new Map<string, { id: number; at: number }>();
  readonly #now: () => number;

  constructor(max = 20_000, ttlMs = 10 * 60_000, now: () => number = Date.now) {
    this.#max = max;
    this.#ttl = ttlMs;
    this.#now = now;
  }

  pin(client: Client, root: string, id: number): void {
    this.#hold(`c ${client.connection} ${root}`, id);
    this.pinAddress(client.address, root, id);
  }

  /** A pin by address alone: what another worker saw the client fetch. */
  pinAddress(address: string, root: string, id: number): void {
    this.#hold(`a ${address} ${root}`, id);
  }

  #hold(key: string, id: number): void {
    this.#pins.delete(key);
    this.#pins.set(key, { id, at: this.#now() });
    while (this.#pins.size > this.#max) {
      const oldest = this.#pins.keys().next().value;
      if (oldest === undefined) break;
      this.#pins.delete(oldest);
    }
  }

  get(client: Client, root: string): number | undefined {
    for (const who of [`c ${client.connection}`, `a ${client.address}`]) {
      const p = this.#pins.get(`${who} ${root}`);
      if (p && this.#now() - p.at <= this.#ttl) return p.id;
    }
    return undefined;
  }
}
