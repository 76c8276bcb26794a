import type { Config } from '../lib/config';
import type { LocalServices } from './services';

export interface BannerInput {
  config: Config;
  services: LocalServices;
  apiUrl: string;
  workers: readonly string[];
  seconds: number;
}

/** The one block an operator reads after `npm start`: every URL and the key to use them. */
export function printBanner({ config, services, apiUrl, workers, seconds }: BannerInput): void {
  const key = services.devApiKey;
  const rows: [string, string][] = [
    ['API', apiUrl],
    ['API docs', `${apiUrl}/docs`],
    ['Health', `${apiUrl}/health`],
    ['Temporal UI', config.temporal.uiUrl],
    ...services.lines,
    ['Workers', `${workers.join(', ')} (metrics http://${config.worker.metricsAddress}/metrics)`],
    ['API key', key ? `${key}  (operator, from ${config.dataDir}/dev-api-key)` : 'from API_KEYS'],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [
    '',
    `Durable pipelines: local stack ready in ${seconds.toFixed(1)} s`,
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
    '',
    `  Try: curl -H "Authorization: Bearer ${key ?? '<key>'}" ${apiUrl}/api/v1/schedules`,
    '  Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
