// A promise interface to one Web Worker running the module. Calls are
// answered in order; a caller that only wants the newest answer drops
// stale ones itself (see Latest).

import type { WorkerReply } from "./worker";

export class Engine {
  private worker: Worker;
  private next = 1;
  private pending = new Map<number, (r: WorkerReply) => void>();
  readonly ready: Promise<void>;

  /**
   * module, when given, is the compiled tcpwrap.wasm, sent to the worker
   * (structured clone shares the compiled code); null lets the worker
   * fetch and compile it.
   */
  constructor(url: URL, module: Promise<WebAssembly.Module | null>) {
    this.worker = new Worker(url);
    module.then(
      (m) => this.worker.postMessage({ module: m }),
      () => this.worker.postMessage({ module: null }),
    );
    let resolve!: () => void, reject!: (e: Error) => void;
    this.ready = new Promise((res, rej) => ((resolve = res), (reject = rej)));
    this.worker.onmessage = (e: MessageEvent) => {
      const d = e.data;
      if (d && d.ready) return resolve();
      if (d && d.fatal) return reject(new Error(d.fatal));
      const r = d as WorkerReply;
      const cb = this.pending.get(r.id);
      this.pending.delete(r.id);
      cb?.(r);
    };
    this.worker.onerror = (e) => reject(new Error(e.message || "the evaluation worker failed to start"));
  }

  async call<T>(op: "evaluate" | "check" | "format", input: unknown, trim = false): Promise<{ result: T; ms: number }> {
    await this.ready;
    const id = this.next++;
    return new Promise((resolve) => {
      this.pending.set(id, (r) => resolve({ result: r.result as T, ms: r.ms }));
      this.worker.postMessage({ id, op, input: JSON.stringify(input), trim });
    });
  }
}

/**
 * Latest runs one job at a time and, while one runs, keeps only the
 * newest next job: typing fast never queues stale evaluations.
 */
export class Latest {
  private running = false;
  private queued: (() => Promise<void>) | null = null;

  /** Whether a newer job waits: the running one's result is stale. */
  get pending(): boolean {
    return this.queued !== null;
  }

  run(job: () => Promise<void>): void {
    if (this.running) {
      this.queued = job;
      return;
    }
    this.running = true;
    job()
      .catch((e) => console.warn("tcpwrap:", e))
      .finally(() => {
        this.running = false;
        const q = this.queued;
        this.queued = null;
        if (q) this.run(q);
      });
  }
}
