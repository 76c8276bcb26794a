import type * as workflows from './index';

/** Every workflow the bundle registers, keyed by its workflow type (the name Temporal knows it by). */
export type Workflows = typeof workflows;
export type WorkflowType = keyof Workflows;
/** The arguments a start of `T` passes: a renamed workflow or a changed signature fails to compile. */
export type WorkflowArgs<T extends WorkflowType> = Parameters<Workflows[T]>;
