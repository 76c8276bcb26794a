import type { Client } from '@temporalio/client';
import type { Config } from '../lib/config';
import type { Database } from '../lib/db';
import type { Logger } from '../lib/logger';
import type { AnyScheduleDeclaration } from '../schedules';

/** Everything the API talks to, built by the entry point (or a test) and passed in. */
export interface ApiDeps {
  config: Config;
  db: Database;
  client: Client;
  /** The declared schedules (`declareSchedules`); the API shows and acts on these only. */
  schedules: readonly AnyScheduleDeclaration[];
  logger: Logger;
}
