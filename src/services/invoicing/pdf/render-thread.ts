import { Worker } from "node:worker_threads";
import { invoicingErrors } from "../errors.ts";
import type { InvoiceDocument, RenderPdf, Seller } from "./render-invoice.ts";

/** What the main thread sends the render thread, and what comes back. */
export interface RenderRequest {
  readonly id: number;
  readonly invoice: InvoiceDocument;
  readonly seller: Seller;
}
export type RenderAnswer =
  { readonly id: number; readonly pdf: Uint8Array } | { readonly id: number; readonly error: string };

export interface RenderThreadOptions {
  /** How long the thread may stay without work before it is stopped (default 5 min). */
  readonly idleMs?: number;
  /** How long one render may take before the thread is taken for stuck and replaced (default 30 s). */
  readonly timeoutMs?: number;
  /** The thread's entry module (default the pdfkit renderer; tests pass one that misbehaves). */
  readonly entry?: URL;
  /** Told when the thread fails (it crashed, exited or hung); the renders it held are retried. */
  readonly onFailure?: (error: Error) => void;
  /** Told when a thread starts: for a render, or warmed ahead of one (`warm`). */
  readonly onStart?: (reason: "render" | "warm") => void;
}

interface Pending {
  readonly resolve: (pdf: Buffer) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const defaultEntry = new URL("./render-thread-entry.mjs", import.meta.url);

/**
 * Renders invoice PDFs on a worker thread of their own, so that pdfkit's few milliseconds per
 * document run beside the database and the log on the main thread instead of between them. The
 * thread starts with the first render and stops after `idleMs` without one, so an idle platform
 * holds no second heap. A render that throws in the thread rejects with its message (the invoice
 * is not renderable: it becomes failed); a thread that crashes, exits or hangs rejects what it
 * held with INVOICE_RENDERER_UNAVAILABLE (canRetry: the invoice stays pending and is tried
 * again), and the next render starts a new thread.
 */
export class RenderThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly idleMs: number;
  private readonly timeoutMs: number;
  private readonly entry: URL;

  constructor(private readonly options: RenderThreadOptions = {}) {
    this.idleMs = options.idleMs ?? 300_000;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.entry = options.entry ?? defaultEntry;
  }

  /** The renderer as InvoicingDeps takes it. */
  readonly render: RenderPdf = (invoice, seller) => {
    if (this.closed) return Promise.reject(unavailable("the renderer is closed"));
    const worker = this.started("render");
    const id = this.nextId++;
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(worker, unavailable(`a render took longer than ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      worker.ref();
      worker.postMessage({ id, invoice, seller } satisfies RenderRequest);
    });
  };

  /**
   * Starts the thread ahead of a render, so that render does not wait the thread's start (it
   * loads tsx and pdfkit: about 0.7 s), and keeps a running one from stopping for another
   * `idleMs`. Invoicing calls it when a user's invoices are listed: a user on the dashboard may
   * issue one next. A thread warmed and not used stops after `idleMs`, as after a render.
   */
  warm(): void {
    if (this.closed || this.pending.size > 0) return;
    this.idle(this.started("warm"));
  }

  /** Whether a thread is running now (it starts on demand and stops when idle). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Stops the thread; renders under way reject with INVOICE_RENDERER_UNAVAILABLE. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    if (!worker) return;
    this.fail(worker, unavailable("the renderer was closed"), false);
    await worker.terminate();
  }

  private started(reason: "render" | "warm"): Worker {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.worker) return this.worker;
    const worker = new Worker(this.entry);
    this.options.onStart?.(reason);
    worker.on("message", (answer: RenderAnswer) => this.settle(worker, answer));
    worker.on("error", (error) => this.fail(worker, unavailable(error.message, error)));
    worker.on("exit", (code) => this.fail(worker, unavailable(`the render thread exited (${code})`)));
    this.worker = worker;
    return worker;
  }

  private settle(worker: Worker, answer: RenderAnswer): void {
    const job = this.pending.get(answer.id);
    if (!job) return;
    this.pending.delete(answer.id);
    clearTimeout(job.timer);
    if ("error" in answer) job.reject(new Error(answer.error));
    else job.resolve(Buffer.from(answer.pdf.buffer, answer.pdf.byteOffset, answer.pdf.byteLength));
    if (this.pending.size === 0 && this.worker === worker) this.idle(worker);
  }

  private idle(worker: Worker): void {
    worker.unref();
    this.idleTimer = setTimeout(() => {
      if (this.worker !== worker || this.pending.size > 0) return;
      this.worker = undefined;
      void worker.terminate();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  /** Drops `worker` (once): every render it held is rejected with `error`, and it is stopped. */
  private fail(worker: Worker, error: Error, report = true): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    clearTimeout(this.idleTimer);
    for (const job of this.pending.values()) {
      clearTimeout(job.timer);
      job.reject(error);
    }
    this.pending.clear();
    if (report) this.options.onFailure?.(error);
    void worker.terminate();
  }
}

const unavailable = (why: string, cause?: unknown) =>
  invoicingErrors.INVOICE_RENDERER_UNAVAILABLE({
    message: `The PDF renderer is not available (${why}); rendering is tried again later.`,
    cause,
  });
