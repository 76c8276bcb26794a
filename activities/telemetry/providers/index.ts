import { NOVUS_SENTINEL, PROTOCOL_OF, type Provider } from '../../../lib/telemetry/providers';
import { createTagoAdapter } from './tago';
import { createTheThingsIoAdapter } from './thethingsio';
import { createThingsBoardAdapter, type TokenCache } from './thingsboard';
import type { ProviderAdapter } from './types';

export type { FetchRequest, FetchResult, ProviderAdapter } from './types';

/** One adapter per provider over its protocol's client; Novus adds its sentinel. */
export function createProviderAdapters(tokens: TokenCache = new Map()): Record<Provider, ProviderAdapter> {
  const thingsBoard = createThingsBoardAdapter(tokens);
  const theThingsIo = createTheThingsIoAdapter();
  const byProtocol = { thingsboard: thingsBoard, thethingsio: theThingsIo, tago: createTagoAdapter() };
  return {
    twin: byProtocol[PROTOCOL_OF.twin],
    tdata: byProtocol[PROTOCOL_OF.tdata],
    thingsio: theThingsIo,
    nettra: theThingsIo,
    novus: createTheThingsIoAdapter({ sentinel: NOVUS_SENTINEL }),
    tago: byProtocol.tago,
  };
}
