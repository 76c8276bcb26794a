import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Secret } from '../lib/secret';

/**
 * A secret generated on the first start and kept in the data directory (mode 600), so a
 * second start reuses it: the dev API key, the embedded PostgreSQL password.
 */
export function readOrCreateSecret(dataDir: string, name: string, bytes = 24): Secret {
  const file = path.join(dataDir, name);
  if (existsSync(file)) return new Secret(readFileSync(file, 'utf8').trim());
  mkdirSync(dataDir, { recursive: true });
  const value = randomBytes(bytes).toString('base64url');
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return new Secret(value);
}
