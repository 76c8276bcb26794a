import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { loadConfigOrExit } from '../lib/config';
import { connectClient } from '../lib/temporal';

/**
 * `npm run histories:record -- <workflowId> [name]`: saves a finished run's history from a running
 * stack (TEMPORAL_ADDRESS, or the local one) under test/histories/, where the replay test replays
 * it on every CI run. The tests record their own with `npm run histories:record-tests`.
 */
async function main(): Promise<void> {
  const [workflowId, name] = process.argv.slice(2);
  if (!workflowId) throw new Error('usage: npm run histories:record -- <workflowId> [name]');
  const client = await connectClient(loadConfigOrExit());
  try {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const file = path.resolve(
      __dirname,
      '..',
      'test',
      'histories',
      `${name ?? workflowId.replace(/[^\w.-]+/g, '_')}.json`,
    );
    await writeFile(file, historyToJSON(history));
    process.stdout.write(`${file}: ${history.events?.length ?? 0} events\n`);
  } finally {
    await client.connection.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
