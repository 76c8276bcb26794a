export { platformCanary } from './canary';
