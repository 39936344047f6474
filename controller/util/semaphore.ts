// A counting semaphore (the Kubernetes client's cap on requests in flight).

/** Counts permits; `acquire` resolves with a release function. */
export class Semaphore {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  /** `permits`: how many holders at once. */
  constructor(permits: number) {
    this.#free = permits;
  }

  /** Waits for a permit; the returned function gives it back (calling it twice is harmless). */
  async acquire(): Promise<() => void> {
    if (this.#free > 0) {
      this.#free--;
    } else {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}
