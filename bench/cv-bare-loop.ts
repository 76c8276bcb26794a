import { createCvClient } from '../activities/cv/client';
import { splitValidated } from '../activities/cv/ingest';
import { insertEvents, insertRejects } from '../data/cv';
import { loadConfig } from '../lib/config';
import { createDatabase } from '../lib/db';

/**
 * The baseline: the same HTTP client, validation and insert SQL as the ingest activity, in a plain
 * loop (no Temporal, no checkpoint, no heartbeat). Prints `bare <ms> <stored> <rejected> <peakRssBytes>`.
 */
async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
  const db = createDatabase({ url: config.database.url!, max: 3 });
  const client = createCvClient(config.cv);
  const pageSize = 1000;
  const started = performance.now();
  let stored = 0;
  let rejected = 0;
  for (let offset = 0; ; offset += pageSize) {
    const page = await client.fetchPage(offset, pageSize);
    const { events, rejects } = splitValidated(page.items, config.timeZone);
    stored += await insertEvents(db, events);
    rejected += await insertRejects(db, rejects);
    if (page.items.length < pageSize) break;
  }
  const ms = performance.now() - started;
  await db.close();
  process.stdout.write(`bare ${ms} ${stored} ${rejected} ${process.resourceUsage().maxRSS * 1024}\n`);
}

void main();
