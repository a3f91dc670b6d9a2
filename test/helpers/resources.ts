/**
 * What a suite's `before` hook opens, closed in its `after` hook — also when
 * the hook failed or timed out while something was still opening. Mocha runs
 * `after` at once then, and a worker or server that finishes opening later,
 * with nobody left to close it, keeps the process (and mocha) running. The
 * abandoned hook may even go on to open more after `after` has run: those are
 * closed as soon as they are open.
 *
 * @example
 * const resources = new Resources();
 * before(async () => { synth = await resources.add(OnnxDegrader.create(options)); });
 * after(() => resources.closeAll());
 */
interface Closable {
  close(): unknown;
}

export class Resources {
  readonly #opening: Promise<Closable>[] = [];
  #closed = false;

  /** Tracks a resource being opened and hands the opening back, to await. */
  add<T extends Closable>(opening: Promise<T>): Promise<T> {
    this.#opening.push(opening);
    // Opened by a hook that mocha gave up on, after closeAll: close it once it is open.
    if (this.#closed) void this.closeAll().catch(() => {});
    return opening;
  }

  /** Closes every tracked resource, newest first, waiting for those still opening; one that failed to open is skipped. */
  async closeAll(): Promise<void> {
    this.#closed = true;
    const errors: unknown[] = [];
    for (const opening of this.#opening.splice(0).reverse()) {
      const resource = await opening.catch(() => null);
      try {
        await resource?.close();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'closing the suite resources failed');
  }
}
