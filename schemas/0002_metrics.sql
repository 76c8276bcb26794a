-- Up Migration

-- The spare-parts marketplace the metric batches read (SPEC §5.1). In production these tables
-- belong to the application; locally `npm start` fills them with demo data (activities/metrics/demo-data.ts).
CREATE TABLE asesores (
  id integer PRIMARY KEY,
  nombre text NOT NULL,
  ciudad text NOT NULL,
  activo boolean NOT NULL DEFAULT true
);

CREATE TABLE solicitudes (
  id bigint PRIMARY KEY,
  cliente_id bigint NOT NULL,
  ciudad text NOT NULL,
  categoria_repuesto text NOT NULL,
  creada_en timestamptz NOT NULL,
  cerrada_en timestamptz,
  estado text NOT NULL,
  calificacion smallint CHECK (calificacion BETWEEN 1 AND 5)
);
-- Daily and weekly windows select requests by creation; satisfaction by closing.
CREATE INDEX solicitudes_creada_en ON solicitudes (creada_en) INCLUDE (ciudad, categoria_repuesto);
CREATE INDEX solicitudes_cerrada_en ON solicitudes (cerrada_en) INCLUDE (calificacion) WHERE calificacion IS NOT NULL;

CREATE TABLE ofertas (
  id bigint PRIMARY KEY,
  solicitud_id bigint NOT NULL REFERENCES solicitudes (id),
  asesor_id integer NOT NULL REFERENCES asesores (id),
  creada_en timestamptz NOT NULL,
  -- Chilean pesos have no minor unit.
  valor integer NOT NULL CHECK (valor > 0),
  ganadora boolean NOT NULL DEFAULT false
);
-- Advisor metrics read a window's offers with everything they aggregate, without the heap.
CREATE INDEX ofertas_creada_en ON ofertas (creada_en) INCLUDE (solicitud_id, asesor_id, valor, ganadora);
-- Conversion joins a request to its winning offer.
CREATE INDEX ofertas_ganadora ON ofertas (solicitud_id) INCLUDE (valor) WHERE ganadora;
CREATE INDEX ofertas_solicitud_id ON ofertas (solicitud_id);

CREATE TABLE eventos (
  id bigserial PRIMARY KEY,
  tipo text NOT NULL,
  ocurrido_en timestamptz NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX eventos_ocurrido_en ON eventos (ocurrido_en);

-- The seed's results table, with its columns. Periods are instants (timestamptz): a local day
-- is 23, 24 or 25 hours long, and [periodo_inicio, periodo_fin) says exactly which.
CREATE TABLE metricas_calculadas (
  id bigserial PRIMARY KEY,
  nombre varchar(100) NOT NULL,
  tipo varchar(20) NOT NULL,
  valor double precision NOT NULL,
  descripcion text,
  unidad varchar(20) NOT NULL DEFAULT 'count',
  dimensiones jsonb NOT NULL DEFAULT '{}',
  periodo_inicio timestamptz NOT NULL,
  periodo_fin timestamptz NOT NULL,
  calculado_en timestamptz NOT NULL DEFAULT now(),
  expira_en timestamptz NOT NULL
);
-- A re-run replaces a period's rows of each metric (activities/metrics/store.ts).
CREATE INDEX metricas_calculadas_periodo ON metricas_calculadas (nombre, periodo_inicio, periodo_fin);
-- `GET /dashboards/metrics/calculated` lists the newest first.
CREATE INDEX metricas_calculadas_recientes ON metricas_calculadas (calculado_en DESC, id);
CREATE INDEX metricas_calculadas_recientes_por_nombre ON metricas_calculadas (nombre, calculado_en DESC, id);
CREATE INDEX metricas_calculadas_expira_en ON metricas_calculadas (expira_en);

-- Down Migration

DROP TABLE metricas_calculadas;
DROP TABLE eventos;
DROP TABLE ofertas;
DROP TABLE solicitudes;
DROP TABLE asesores;
