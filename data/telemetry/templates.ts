import type { Database } from '../../lib/db';

/** `telemetry_templates` (reusable variable settings) and `telemetry_config_versions` (every effective configuration used). */

export interface Template {
  name: string;
  description: string;
  config: Record<string, unknown>;
}

export async function templateExists(db: Database, name: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM telemetry_templates WHERE name = $1', [name]);
  return Boolean(rowCount);
}

export async function listTemplates(db: Database): Promise<Template[]> {
  const { rows } = await db.query<Template>('SELECT name, description, config FROM telemetry_templates ORDER BY name');
  return rows;
}

/** False when a template of that name exists (it is left as it is). */
export async function insertTemplate(db: Database, template: Template): Promise<boolean> {
  const { rowCount } = await db.query(
    'INSERT INTO telemetry_templates (name, description, config) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [template.name, template.description, JSON.stringify(template.config)],
  );
  return Boolean(rowCount);
}

/** False when there is no such template. */
export async function updateTemplate(db: Database, template: Template): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE telemetry_templates SET description = $2, config = $3, updated_at = now() WHERE name = $1',
    [template.name, template.description, JSON.stringify(template.config)],
  );
  return Boolean(rowCount);
}

export async function saveConfigVersion(db: Database, version: string, config: unknown): Promise<void> {
  await db.query(
    'INSERT INTO telemetry_config_versions (version, config) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING',
    [version, JSON.stringify(config)],
  );
}
