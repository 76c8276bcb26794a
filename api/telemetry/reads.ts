import { pointExists } from '../../data/telemetry';
import type { Database } from '../../lib/db';
import { notFound } from '../http/problem';

/** For actions on a point: a 404 before anything starts when there is no such point. */
export async function requirePoint(db: Database, code: string): Promise<void> {
  if (!(await pointExists(db, code))) throw notFound(`No point with code "${code}"`);
}
