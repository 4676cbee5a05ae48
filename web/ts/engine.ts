// A promise interface to one Web Worker running the module. Calls are
// answered in order; a caller that only wants the newest answer drops
// stale ones itself (see Latest). A call under way cannot be stopped
// inside the module, only with its worker (terminate).

import type { WorkerReply, WorkerRequest } from "./worker";

/** Canceled is how a call ends when its engine is terminated first. */
export class Canceled extends Error {
  constructor() {
    super("canceled: the worker was stopped");
  }
}

export class Engine {
  private worker: Worker;
  private next = 1;
  private pending = new Map<number, { answer: (r: WorkerReply) => void; cancel: (e: Error) => void }>();
  private fail!: (e: Error) => void;
  private stopped = false;
  /** Calls not yet answered, those waiting for the module to start included. */
  private calls = 0;
  readonly ready: Promise<void>;

  /**
   * module, when given, is the compiled tcpwrap.wasm, sent to the worker
   * (structured clone shares the compiled code); null lets the worker
   * fetch and compile it.
   */
  constructor(url: URL, module: Promise<WebAssembly.Module | null>) {
    this.worker = new Worker(url);
    module.then(
      (m) => this.stopped || this.worker.postMessage({ module: m }),
      () => this.stopped || this.worker.postMessage({ module: null }),
    );
    let resolve!: () => void, reject!: (e: Error) => void;
    this.ready = new Promise((res, rej) => ((resolve = res), (reject = rej)));
    this.fail = reject;
    // Whoever awaits ready gets its failure; a worker stopped before any
    // call awaited it is no error.
    this.ready.catch(() => {});
    this.worker.onmessage = (e: MessageEvent) => {
      const d = e.data;
      if (d && d.ready) return resolve();
      if (d && d.fatal) return reject(new Error(d.fatal));
      const r = d as WorkerReply;
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      p?.answer(r);
    };
    this.worker.onerror = (e) => reject(new Error(e.message || "the evaluation worker failed to start"));
  }

  /** call asks the worker; trim and limit are WorkerRequest's. */
  async call<T>(op: WorkerRequest["op"], input: unknown, trim = false, limit?: number): Promise<{ result: T; ms: number }> {
    this.calls++;
    try {
      await this.ready;
      if (this.stopped) throw new Canceled();
      const id = this.next++;
      return await new Promise((resolve, reject) => {
        this.pending.set(id, { answer: (r) => resolve({ result: r.result as T, ms: r.ms }), cancel: reject });
        const req: WorkerRequest = { id, op, input: JSON.stringify(input), trim };
        if (limit !== undefined) req.limit = limit;
        this.worker.postMessage(req);
      });
    } finally {
      this.calls--;
    }
  }

  /**
   * busy reports whether a call waits for its answer (or for the module
   * to start): the worker may be working on it.
   */
  get busy(): boolean {
    return this.calls > 0;
  }

  /**
   * terminate stops the worker at once, even inside the module, and ends
   * every call not answered, and every later one, with [Canceled]. The
   * engine cannot be used again.
   */
  terminate() {
    this.stopped = true;
    this.worker.terminate();
    this.fail(new Canceled());
    for (const p of this.pending.values()) p.cancel(new Canceled());
    this.pending.clear();
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
