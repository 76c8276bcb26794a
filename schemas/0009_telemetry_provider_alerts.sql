-- Up Migration

-- PROVIDER_DOWN is about a provider, not about each of its points: one alert per provider (point
-- null, provider set), notified once to everyone following any of its points. Alerts about a
-- point keep their point; exactly one of the two is set.
ALTER TABLE telemetry_alerts ADD COLUMN provider text;
ALTER TABLE telemetry_alerts ALTER COLUMN point_code DROP NOT NULL;
-- The per-point PROVIDER_DOWN alerts still open give way to the provider's (the next health check opens it).
UPDATE telemetry_alerts SET status = 'RESOLVED', resolved_at = now() WHERE rule = 'PROVIDER_DOWN' AND status = 'OPEN';
ALTER TABLE telemetry_alerts ADD CONSTRAINT telemetry_alerts_point_or_provider
  CHECK ((point_code IS NULL) <> (provider IS NULL));
CREATE UNIQUE INDEX telemetry_alerts_one_open_provider ON telemetry_alerts (provider, rule)
  WHERE status = 'OPEN' AND point_code IS NULL;
