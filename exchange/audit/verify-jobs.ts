import { randomUUID } from 'node:crypto';
import type { AuditVerifyJob } from '../../contracts/generated/api.ts';
import type { Db } from '../db/database.ts';
import type { AuditLog } from '../db/schema.ts';
import type { AuditCheckpointer } from './checkpointer.ts';
import { checkCheckpoints } from './checkpoint-check.ts';
import { readCheckpointFile } from './checkpoints.ts';
import { verifyChain } from './verify.ts';

type Job = { -readonly [K in keyof AuditVerifyJob]: AuditVerifyJob[K] };

const kept = 20;

/**
 * Full verifications run in the background: every entry of both chains from the first, and
 * every checkpoint in the file. On a log of millions of entries that takes minutes, longer than
 * a request may; the job is started, then polled for its progress and result. Jobs live in the
 * process that runs them (a restart forgets them; the CLI does the same walk with progress).
 * One at a time: asking again while one runs answers that one.
 */
export class VerifyJobs {
  readonly #jobs = new Map<string, Job>();
  #running: Job | null = null;

  constructor(
    readonly db: Db,
    readonly checkpointer: AuditCheckpointer,
    readonly now: () => Date,
  ) {}

  start(): AuditVerifyJob {
    if (this.#running) return this.#running;
    const job: Job = {
      id: randomUUID(),
      state: 'running',
      startedAt: this.now().toISOString(),
      finishedAt: null,
      progress: [
        { stage: 'admin', checked: 0, total: null },
        { stage: 'access', checked: 0, total: null },
        { stage: 'checkpoints', checked: 0, total: null },
      ],
      report: null,
      error: null,
    };
    this.#jobs.set(job.id, job);
    for (const id of [...this.#jobs.keys()].slice(0, Math.max(0, this.#jobs.size - kept))) this.#jobs.delete(id);
    this.#running = job;
    void this.#run(job).finally(() => {
      this.#running = null;
    });
    return job;
  }

  get(id: string): AuditVerifyJob | undefined {
    return this.#jobs.get(id);
  }

  /** The newest full verification that ran to its end in this process, for the quick check to name. */
  lastFull(): { startedAt: string; finishedAt: string; intact: boolean } | null {
    const done = [...this.#jobs.values()].filter((j) => j.state === 'done' && j.report && j.finishedAt);
    const last = done.at(-1);
    return last ? { startedAt: last.startedAt, finishedAt: last.finishedAt!, intact: last.report!.intact } : null;
  }

  async #run(job: Job): Promise<void> {
    const progress = (stage: string) => (checked: number, total: number) => {
      const p = job.progress.find((x) => x.stage === stage)!;
      p.checked = checked;
      p.total = total;
    };
    try {
      const logs = [];
      for (const log of ['admin', 'access'] as AuditLog[]) logs.push(await verifyChain(this.db, log, { onProgress: progress(log) }));
      const parsed = await readCheckpointFile(this.checkpointer.file);
      const checkpoints = await checkCheckpoints(this.db, parsed, this.checkpointer.publicKey, { onProgress: progress('checkpoints') });
      progress('checkpoints')(checkpoints.checked, parsed.checkpoints.length);
      job.report = { intact: logs.every((l) => l.intact) && checkpoints.intact, scope: 'full', logs, checkpoints };
      job.state = 'done';
    } catch (error) {
      job.state = 'failed';
      job.error = (error as Error).message;
    } finally {
      job.finishedAt = this.now().toISOString();
    }
  }
}
