import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

/** One link of a failure's cause chain: its type (`SuspiciousDeletion`, `ActivityFailure`) and message. */
export interface FailureLink {
  type: string | null;
  message: string;
}

/**
 * What an operator needs from a failed run: the root cause (the deepest link: the activity's own
 * error, not "Activity task failed"), its `type: message` in one line, and the chain that led there.
 */
export interface FailureView extends FailureLink {
  summary: string;
  chain: FailureLink[];
}

const linkOf = (error: Error): FailureLink => ({
  type: error instanceof ApplicationFailure ? (error.type ?? error.name) : error.name,
  message: error.message,
});

/** Walks `cause` from the outermost failure to the root; bounded, in case a chain ever loops. */
export function toFailureView(error: Error): FailureView {
  const chain: FailureLink[] = [];
  for (let link: unknown = error; link instanceof Error && chain.length < 20; link = link.cause) {
    chain.push(linkOf(link));
  }
  const root = chain.at(-1) ?? linkOf(error);
  return { ...root, summary: root.type ? `${root.type}: ${root.message}` : root.message, chain };
}

/**
 * The outcome of one closed run, read from its close event. `followRuns: false` keeps to this run:
 * following a continue-as-new chain would report a later run's outcome.
 */
export async function runOutcome(
  client: Client,
  workflowId: string,
  runId: string,
): Promise<{ result: unknown; failure: FailureView | null }> {
  const handle = client.workflow.getHandle(workflowId, runId, { followRuns: false });
  try {
    return { result: (await handle.result()) ?? null, failure: null };
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    // The WorkflowFailedError itself only says "Workflow execution failed": the chain starts at its cause.
    return { result: null, failure: toFailureView(error.cause ?? error) };
  }
}
