import path from 'node:path';
import type { WorkerOptions } from '@temporalio/worker';

/** The workflow bundle's entry module (every family's workflows): `index.ts` from source, `index.js` once built. */
export const WORKFLOWS_ENTRY = require.resolve('../workflows');

/**
 * Production workers load the bundle `npm run build` made (no webpack at start-up);
 * development bundles from source so a code change needs no build step.
 */
export function workflowSource(
  bundlePath: string | undefined,
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  return bundlePath ? { workflowBundle: { codePath: path.resolve(bundlePath) } } : { workflowsPath: WORKFLOWS_ENTRY };
}
