import { z } from 'zod';
import { BadCredentialsError, MissingConfigurationError } from '../../../lib/errors';
import { requestJson, ProviderTransientError, type HttpOptions } from './http';
import { sinceOf, type FetchRequest, type FetchResult, type ProviderAdapter } from './types';

/**
 * TagoIO (Tago): the device token in `Authorization` (no `Bearer`), every variable in one query,
 * paged with `qty`/`skip` inside a fixed window (so new data at the top does not shift pages).
 * Negative values are logger status codes, not measurements.
 */
const CredentialsSchema = z.object({ baseUrl: z.url(), token: z.string().min(1) });
const AnswerSchema = z.object({
  status: z.literal(true),
  result: z.array(
    z.object({ variable: z.string(), value: z.unknown(), unit: z.string().optional(), time: z.string() }),
  ),
});

export function createTagoAdapter(pageSize = 1000): ProviderAdapter {
  return {
    async fetchReadings(request: FetchRequest, rawCredentials: unknown, http: HttpOptions): Promise<FetchResult> {
      const parsed = CredentialsSchema.safeParse(rawCredentials);
      if (!parsed.success) throw new MissingConfigurationError('credentials need baseUrl and token');
      const { baseUrl, token } = parsed.data;
      const from = Math.min(...request.variables.map((variable) => sinceOf(request, variable))) + 1;
      const query = new URLSearchParams();
      for (const variable of request.variables) query.append('variable', variable);
      query.set('start_date', new Date(from).toISOString());
      query.set('end_date', request.until.toISOString());
      query.set('qty', String(pageSize));
      const result: FetchResult = { readings: [], sentinels: 0, calls: 0 };
      for (let skip = 0; ; skip += pageSize) {
        query.set('skip', String(skip));
        result.calls += 1;
        const answer = await requestJson(
          `${baseUrl.replace(/\/$/, '')}/data?${query}`,
          { headers: { authorization: token } },
          http,
        );
        if (answer.status === 'unauthorized') throw new BadCredentialsError('the provider refused the device token');
        const page = AnswerSchema.safeParse(answer.body);
        if (!page.success) throw new ProviderTransientError('data answer is not {status: true, result: [...]}');
        for (const item of page.data.result) {
          const value = typeof item.value === 'number' ? item.value : Number(item.value);
          const at = Date.parse(item.time);
          if (!Number.isFinite(value) || Number.isNaN(at)) continue;
          if (value < 0) {
            result.sentinels += 1;
            continue;
          }
          const variable = item.variable as (typeof request.variables)[number];
          if (!request.variables.includes(variable) || at <= sinceOf(request, variable)) continue;
          result.readings.push({ variable, value, unit: item.unit, measuredAt: new Date(at).toISOString(), raw: item });
        }
        if (page.data.result.length < pageSize) break;
      }
      return result;
    },
  };
}
