// The workflow bundle's entry: every workflow of every family, whatever task queue serves it.
export { platformCanary } from './platform';
export { cvPipeline } from './cv';
