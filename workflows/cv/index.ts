export { cvPipeline } from './pipeline';
