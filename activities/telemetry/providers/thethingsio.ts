import { z } from 'zod';
import { BadCredentialsError, MissingConfigurationError } from '../../../lib/errors';
import { requestJson, ProviderTransientError, type HttpOptions } from './http';
import { sinceOf, type FetchRequest, type FetchResult, type ProviderAdapter } from './types';

/**
 * thethings.io-style providers (ThingsIO, Nettra, Novus): the thing token in the path, one
 * resource per call, at most 100 values, newest first, paged backwards by `endDate` (to the
 * second). `sentinel` values (Novus −3200: a disconnected input) are not measurements.
 */
const CredentialsSchema = z.object({ baseUrl: z.url(), token: z.string().min(1) });
const PageSchema = z.array(z.object({ value: z.unknown(), datetime: z.string() }));

/** `YYYYMMDDHHmmss` in UTC. */
export const compactDate = (ms: number) => new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);

export function createTheThingsIoAdapter(options: { sentinel?: number; pageSize?: number } = {}): ProviderAdapter {
  const pageSize = options.pageSize ?? 100;
  return {
    async fetchReadings(request: FetchRequest, rawCredentials: unknown, http: HttpOptions): Promise<FetchResult> {
      const parsed = CredentialsSchema.safeParse(rawCredentials);
      if (!parsed.success) throw new MissingConfigurationError('credentials need baseUrl and token');
      const { baseUrl, token } = parsed.data;
      const base = `${baseUrl.replace(/\/$/, '')}/v2/things/${encodeURIComponent(token)}/resources`;
      const result: FetchResult = { readings: [], sentinels: 0, calls: 0 };
      for (const variable of request.variables) {
        // Whole seconds: the first second after the watermark.
        const start = Math.floor(sinceOf(request, variable) / 1000) * 1000 + 1000;
        let end = request.until.getTime();
        while (end >= start) {
          result.calls += 1;
          const answer = await requestJson(
            `${base}/${variable}?limit=${pageSize}&startDate=${compactDate(start)}&endDate=${compactDate(end)}`,
            {},
            http,
          );
          if (answer.status === 'unauthorized') throw new BadCredentialsError('the provider refused the thing token');
          const page = PageSchema.safeParse(answer.body);
          if (!page.success) throw new ProviderTransientError('resource answer is not [{value, datetime}]');
          for (const item of page.data) {
            const value = typeof item.value === 'number' ? item.value : Number(item.value);
            const at = Date.parse(item.datetime);
            if (!Number.isFinite(value) || Number.isNaN(at)) continue;
            if (options.sentinel !== undefined && value === options.sentinel) {
              result.sentinels += 1;
              continue;
            }
            result.readings.push({ variable, value, measuredAt: new Date(at).toISOString(), raw: item });
          }
          if (page.data.length < pageSize) break;
          end = Math.min(...page.data.map((item) => Date.parse(item.datetime))) - 1000;
        }
      }
      return result;
    },
  };
}
