// Test helpers: queues to wait on, hex, deadlines. No sleeps: tests wait on
// conditions with a deadline.

/** Bytes of a hex string. */
export function unhex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, "hex"));
}

/** Hex of bytes. */
export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

/** Rejects after ms with a message saying what was awaited. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout>;
  const deadline = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(t));
}

/** A FIFO of values that a test awaits one at a time. */
export class Queue<T> {
  private items: T[] = [];
  private waiters: ((v: T) => void)[] = [];

  /** Adds v, waking the oldest waiter. */
  put(v: T): void {
    const w = this.waiters.shift();
    if (w) w(v);
    else this.items.push(v);
  }

  /** Resolves with the next value, or rejects after ms. */
  next(what: string, ms = 10_000): Promise<T> {
    const v = this.items.shift();
    if (v !== undefined) return Promise.resolve(v);
    let w!: (v: T) => void;
    const p = new Promise<T>((resolve) => {
      w = resolve;
      this.waiters.push(resolve);
    });
    return within(p, ms, what).catch((e) => {
      this.waiters = this.waiters.filter((x) => x !== w);
      throw e;
    });
  }

  /** The values waiting. */
  get size(): number {
    return this.items.length;
  }
}

/** A promise with its resolve function exposed. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
