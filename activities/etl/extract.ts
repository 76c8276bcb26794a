import type { Job } from '@google-cloud/bigquery';
import { CancelledFailure } from '@temporalio/common';
import type { BigQuerySource } from '../../lib/bigquery';
import { isNotFound } from '../../lib/bigquery';
import type { Database } from '../../lib/db';
import { compareSchema, type UpstreamField } from '../../lib/etl/drift';
import { encodeRow, type RawRow } from '../../lib/etl/encode';
import type { TableDeclaration } from '../../lib/etl/registry';
import { extractionQuery } from '../../lib/etl/sql';
import type { EtlWindow } from '../../lib/etl/window';
import { SchemaMismatchError } from '../../lib/errors';
import {
  createStaging,
  discardStaged,
  loadCheckpoint,
  saveCheckpointJob,
  setRunJob,
  stagedRowCount,
  stagingTableName,
  writeStagedPage,
  type Checkpoint,
  type StagedPage,
} from '../../data/etl';

export interface ExtractProgress {
  phase: 'schema' | 'query' | 'extract' | 'staged';
  page: number;
  rows: number;
  rejected?: number;
}

export interface ExtractResult {
  jobId: string;
  pages: number;
  rows: number;
  rejected: number;
  /** Columns upstream has that the registry does not. */
  addedColumns: string[];
  /** The extraction started over because the job or its results were gone. */
  requeried: number;
}

export interface ExtractDeps {
  db: Database;
  source: BigQuerySource;
  stagingWrite: StagedPage['stagingWrite'];
  signal: AbortSignal;
  onProgress: (progress: ExtractProgress) => void;
}

/** Checks the upstream schema; throws SchemaMismatch listing every fatal difference. */
export async function checkUpstreamSchema(source: BigQuerySource, table: TableDeclaration): Promise<string[]> {
  let metadata: { schema?: { fields?: UpstreamField[] }; tableConstraints?: { primaryKey?: { columns?: string[] } } };
  try {
    [metadata] = await source.client.dataset(source.dataset).table(table.name).getMetadata();
  } catch (error) {
    if (isNotFound(error)) {
      throw new SchemaMismatchError(`${table.name}: the table does not exist upstream`, {
        table: table.name,
        problems: ['table missing upstream'],
      });
    }
    throw error;
  }
  const report = compareSchema(table, metadata.schema?.fields ?? [], metadata.tableConstraints?.primaryKey?.columns);
  if (report.problems.length > 0) {
    throw new SchemaMismatchError(`${table.name}: upstream schema differs: ${report.problems.join('; ')}`, {
      table: table.name,
      problems: report.problems,
    });
  }
  return report.added;
}

/**
 * Extracts a run's window into its staging table, page by page. Each page is COPYed in its own
 * transaction with the checkpoint (job id, next page token), so a retry — on any worker — goes
 * on from the page after the last committed one, with the same query job. When the job or its
 * results are gone upstream, what was staged is discarded and the window is queried again.
 */
export async function extractToStaging(
  deps: ExtractDeps,
  input: { runId: string; table: TableDeclaration; window: EtlWindow; pageSize: number },
): Promise<ExtractResult> {
  const { db, source, signal, onProgress, stagingWrite } = deps;
  const { runId, table, window, pageSize } = input;
  onProgress({ phase: 'schema', page: 0, rows: 0 });
  const addedColumns = await checkUpstreamSchema(source, table);
  let checkpoint = await ensureCheckpoint(db, runId, table, window);
  let requeried = 0;
  if (checkpoint.rowsStaged > 0 && (await stagedRowCount(db, checkpoint)) !== checkpoint.rowsStaged) {
    // Staging is unlogged: a PostgreSQL crash emptied it behind the checkpoint. Start the window over.
    requeried += 1;
    checkpoint = await discardStaged(db, checkpoint);
  }

  while (!checkpoint.done) {
    if (signal.aborted) throw new CancelledFailure('extract cancelled');
    if (!checkpoint.jobId) {
      onProgress({ phase: 'query', page: 0, rows: 0 });
      const [job] = await source.client.createQueryJob(
        extractionQuery(table, source.projectId, source.dataset, window),
      );
      checkpoint = await saveJob(db, checkpoint, job);
    }
    const job = source.client.job(checkpoint.jobId!, checkpoint.location ? { location: checkpoint.location } : {});
    let page: { rows: RawRow[]; nextToken: string | null } | 'pending';
    try {
      page = await fetchPage(job, pageSize, checkpoint.pageToken);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      // BigQuery keeps results 24 hours (an emulator restart may lose them): start the window over.
      requeried += 1;
      checkpoint = await discardStaged(db, checkpoint);
      continue;
    }
    if (page === 'pending') {
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    checkpoint = await stagePage(db, stagingWrite, table, checkpoint, page.rows, page.nextToken);
    onProgress({
      phase: 'extract',
      page: checkpoint.pages,
      rows: checkpoint.rowsStaged,
      rejected: checkpoint.rowsRejected,
    });
  }
  onProgress({
    phase: 'staged',
    page: checkpoint.pages,
    rows: checkpoint.rowsStaged,
    rejected: checkpoint.rowsRejected,
  });
  return {
    jobId: checkpoint.jobId ?? '',
    pages: checkpoint.pages,
    rows: checkpoint.rowsStaged,
    rejected: checkpoint.rowsRejected,
    addedColumns,
    requeried,
  };
}

async function fetchPage(job: Job, pageSize: number, pageToken: string | null) {
  const [rows, next, response] = await job.getQueryResults({
    maxResults: pageSize,
    pageToken: pageToken ?? undefined,
    autoPaginate: false,
    // Raw REST values (strings): nothing is rounded through a JavaScript number (lib/etl/encode.ts).
    skipParsing: true,
    timeoutMs: 10_000,
  });
  if ((response as { jobComplete?: boolean } | undefined)?.jobComplete === false) return 'pending' as const;
  return { rows: rows as unknown as RawRow[], nextToken: next?.pageToken ?? null };
}

export async function ensureCheckpoint(db: Database, runId: string, table: TableDeclaration, window: EtlWindow) {
  const existing = await loadCheckpoint(db, runId);
  if (existing) return existing;
  const stagingTable = stagingTableName(table.name, runId);
  await db.withTransaction((client) => createStaging(client, { runId, table, stagingTable, window }));
  return (await loadCheckpoint(db, runId))!;
}

async function saveJob(db: Database, checkpoint: Checkpoint, job: Job): Promise<Checkpoint> {
  const location = (job.location as string | undefined) ?? null;
  await saveCheckpointJob(db, checkpoint.runId, { id: job.id ?? null, location });
  await setRunJob(db, checkpoint.runId, job.id ?? null);
  return { ...checkpoint, jobId: job.id ?? null, location, pageToken: null };
}

/** One page: COPY its rows, keep its rejects, move the checkpoint — all or nothing. */
export async function stagePage(
  db: Database,
  stagingWrite: ExtractDeps['stagingWrite'],
  table: TableDeclaration,
  checkpoint: Checkpoint,
  rows: RawRow[],
  nextToken: string | null,
): Promise<Checkpoint> {
  const values: (string | null)[][] = [];
  const rejects: { reason: string; raw: Record<string, unknown> }[] = [];
  for (const row of rows) {
    const encoded = encodeRow(table, row);
    if (encoded.ok) values.push(encoded.values);
    else rejects.push({ reason: encoded.reason, raw: encoded.raw });
  }
  await db.withTransaction((client) =>
    writeStagedPage(client, { stagingWrite, table, checkpoint, values, rejects, nextToken }),
  );
  return {
    ...checkpoint,
    pageToken: nextToken,
    pages: checkpoint.pages + 1,
    rowsStaged: checkpoint.rowsStaged + values.length,
    rowsRejected: checkpoint.rowsRejected + rejects.length,
    done: nextToken === null,
  };
}
