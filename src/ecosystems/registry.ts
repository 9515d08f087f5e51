// Ecosystem types by their YAML `type`. Registering a name twice is a programming error.
import { apkEcosystem } from './apk/apk-ecosystem.js';
import { cargoEcosystem } from './cargo/cargo-ecosystem.js';
import type { EcosystemType } from './ecosystem.js';
import { debEcosystem } from './deb/deb-ecosystem.js';
import { fileEcosystem } from './file/file-ecosystem.js';
import { goEcosystem } from './go/go-ecosystem.js';
import { mavenEcosystem } from './maven/maven-ecosystem.js';
import { npmEcosystem } from './npm/npm-ecosystem.js';
import { ociEcosystem } from './oci/oci-ecosystem.js';
import { pacmanEcosystem } from './pacman/pacman-ecosystem.js';
import { pypiEcosystem } from './pypi/pypi-ecosystem.js';
import { rpmEcosystem } from './rpm/rpm-ecosystem.js';

export class EcosystemRegistry {
  readonly #types = new Map<string, EcosystemType>();

  register(t: EcosystemType): this {
    if (this.#types.has(t.type))
      throw new Error(`ecosystem type "${t.type}" is already registered`);
    this.#types.set(t.type, t);
    return this;
  }

  get(type: string): EcosystemType {
    const t = this.#types.get(type);
    if (!t) throw new Error(`unknown ecosystem type "${type}"`);
    return t;
  }

  all(): EcosystemType[] {
    return [...this.#types.values()];
  }
}

export function defaultRegistry(): EcosystemRegistry {
  return new EcosystemRegistry()
    .register(fileEcosystem)
    .register(goEcosystem)
    .register(ociEcosystem)
    .register(npmEcosystem)
    .register(pypiEcosystem)
    .register(cargoEcosystem)
    .register(mavenEcosystem)
    .register(debEcosystem)
    .register(rpmEcosystem)
    .register(pacmanEcosystem)
    .register(apkEcosystem);
}
