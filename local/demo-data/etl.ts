import { DateTime } from 'luxon';
import type { BigQuerySource } from '../../lib/bigquery';
import type { Logger } from '../../lib/logger';
import { ETL_TABLES, type TableDeclaration } from '../../lib/etl/registry';
import { hash32 } from '../simulators/cv/generator';
import { createSourceTable, ensureDataset, insertSourceRows, runSourceDml, type SourceRow } from '../etl-source';

/**
 * Deterministic demo data for the ETL's five source tables, written through the BigQuery API
 * into the local emulator: a collections operation with a few assignment files, portfolios,
 * channels and agents. The same (table, day) always gives the same rows.
 */
const ARCHIVOS = ['ASIG_MOVIL', 'ASIG_FIJA'];
const CARTERAS = ['temprana', 'tardia', 'castigo'];
const SERVICIOS = ['movil', 'hogar'];
const CANALES = ['llamada', 'sms', 'whatsapp'];
const AGENTES = ['ana', 'bruno', 'carla', 'diego', 'elena', 'felipe', 'gabriela', 'hector'];

/** Days of demo data the first `npm start` writes. */
export const ETL_DEMO_DAYS = 60;

const draw = (day: string, salt: number, index = 0) => hash32(Number(day.replace(/-/g, '')), index, salt) / 2 ** 32;
const money = (value: number) => value.toFixed(2);
const stamp = (day: string, hour: number) => `${day}T${String(hour).padStart(2, '0')}:00:00.000000Z`;

export function demoRows(table: string, day: string): SourceRow[] {
  const rows: SourceRow[] = [];
  switch (table) {
    case 'dashboard_data':
      ARCHIVOS.forEach((archivo, a) =>
        CARTERAS.forEach((cartera, c) =>
          SERVICIOS.forEach((servicio, s) => {
            const i = a * 100 + c * 10 + s;
            const cuentas = 500 + Math.floor(draw(day, 1, i) * 1500);
            const asignada = cuentas * (80_000 + draw(day, 2, i) * 40_000);
            const recupero = asignada * (0.05 + draw(day, 3, i) * 0.2);
            rows.push({
              fecha_foto: day,
              archivo,
              cartera,
              servicio,
              cuentas: String(cuentas),
              clientes: String(Math.floor(cuentas * 0.9)),
              deuda_asignada: money(asignada),
              deuda_actual: money(asignada - recupero),
              monto_recuperado: money(recupero),
              pagos: String(Math.floor(cuentas * draw(day, 4, i) * 0.3)),
              contactabilidad: Number((0.3 + draw(day, 5, i) * 0.5).toFixed(4)),
              tasa_recupero: Number((recupero / asignada).toFixed(6)),
              es_cierre: DateTime.fromISO(day).endOf('month').toISODate() === day,
              actualizado_en: stamp(day, 23),
            });
          }),
        ),
      );
      return rows;
    case 'evolution_data':
      ARCHIVOS.forEach((archivo, a) => {
        const deuda = 90_000_000 + draw(day, 6, a) * 10_000_000;
        const recupero = deuda * (0.02 + draw(day, 7, a) * 0.1);
        rows.push({
          fecha_foto: day,
          archivo,
          dia_gestion: String(DateTime.fromISO(day).day),
          cuentas: String(3000 + Math.floor(draw(day, 8, a) * 500)),
          deuda: money(deuda),
          monto_recuperado: money(recupero),
          tasa_recupero: Number((recupero / deuda).toFixed(6)),
          contactabilidad: Number((0.4 + draw(day, 9, a) * 0.3).toFixed(4)),
          actualizado_en: stamp(day, 23),
        });
      });
      return rows;
    case 'assignment_data':
      ARCHIVOS.forEach((archivo, a) =>
        CARTERAS.forEach((cartera, c) => {
          const i = a * 10 + c;
          const cuentas = 1000 + Math.floor(draw(day, 10, i) * 2000);
          const asignada = cuentas * 95_000;
          rows.push({
            periodo: day,
            archivo,
            cartera,
            fecha_asignacion: day,
            clientes: String(Math.floor(cuentas * 0.92)),
            cuentas: String(cuentas),
            deuda_asignada: money(asignada),
            ticket_promedio: money(asignada / cuentas),
            es_refuerzo: draw(day, 11, i) < 0.2,
            actualizado_en: stamp(day, 6),
          });
        }),
      );
      return rows;
    case 'operation_data':
      for (let hora = 8; hora <= 20; hora++)
        CANALES.forEach((canal, c) =>
          ARCHIVOS.forEach((archivo, a) => {
            const i = hora * 100 + c * 10 + a;
            const gestiones = 50 + Math.floor(draw(day, 12, i) * 400);
            const contactos = Math.floor(gestiones * (0.2 + draw(day, 13, i) * 0.3));
            const compromisos = Math.floor(contactos * 0.25);
            rows.push({
              fecha_foto: day,
              hora: String(hora),
              canal,
              archivo,
              gestiones: String(gestiones),
              contactos_efectivos: String(contactos),
              compromisos: String(compromisos),
              monto_compromisos: money(compromisos * 45_000),
              duracion_media_seg: canal === 'llamada' ? Number((60 + draw(day, 14, i) * 180).toFixed(2)) : null,
              actualizado_en: stamp(day, 23),
            });
          }),
        );
      return rows;
    case 'productivity_data':
      AGENTES.forEach((agente, g) =>
        ARCHIVOS.forEach((archivo, a) => {
          const i = g * 10 + a;
          const gestiones = 80 + Math.floor(draw(day, 15, i) * 120);
          const contactos = Math.floor(gestiones * (0.25 + draw(day, 16, i) * 0.3));
          rows.push({
            fecha_foto: day,
            correo_agente: `${agente}@cobranzas.example`,
            archivo,
            nombre_agente: agente[0]!.toUpperCase() + agente.slice(1),
            gestiones: String(gestiones),
            contactos: String(contactos),
            compromisos: String(Math.floor(contactos * 0.3)),
            monto_recuperado: money(contactos * 0.3 * 40_000),
            tiempo_conectado_seg: String(25_000 + Math.floor(draw(day, 17, i) * 4_000)),
            tasa_contacto: Number((contactos / gestiones).toFixed(4)),
            actualizado_en: stamp(day, 21),
          });
        }),
      );
      return rows;
    default:
      throw new RangeError(`no demo data for ${table}`);
  }
}

/** The table's days (months for a monthly table) from `first` to `last`, inclusive. */
export function demoDays(table: TableDeclaration, first: string, last: string): string[] {
  const unit = table.granularity === 'month' ? 'month' : 'day';
  const days: string[] = [];
  let day = DateTime.fromISO(first).startOf(unit);
  const end = DateTime.fromISO(last);
  while (day <= end) {
    days.push(day.toISODate()!);
    day = day.plus({ [unit === 'month' ? 'months' : 'days']: 1 });
  }
  return days;
}

/**
 * `npm start`: the first time, 60 days up to today; afterwards the days since the last start
 * are added and the last two days are revised (amounts and update time), like a real upstream
 * whose recent figures settle, so each refresh has changes to pick up.
 */
export async function seedEtlDemoData(source: BigQuerySource, today: string, logger: Logger): Promise<void> {
  await ensureDataset(source);
  const started = Date.now();
  let inserted = 0;
  for (const table of ETL_TABLES) {
    await createSourceTable(source, table);
    const fq = `\`${source.projectId}.${source.dataset}.${table.name}\``;
    const [rows] = await source.client.query({
      query: `SELECT CAST(MAX(${table.incrementalColumn}) AS STRING) AS last FROM ${fq}`,
    });
    const last = (rows[0] as { last: string | null } | undefined)?.last ?? null;
    const first = last
      ? DateTime.fromISO(last).plus({ days: 1 }).toISODate()!
      : DateTime.fromISO(today)
          .minus({ days: ETL_DEMO_DAYS - 1 })
          .toISODate()!;
    const days = demoDays(table, first, today).filter((day) => !last || day > last);
    const fresh = days.flatMap((day) => demoRows(table.name, day));
    await insertSourceRows(source, table.name, fresh);
    inserted += fresh.length;
    if (last && table.granularity === 'day') {
      const since = DateTime.fromISO(last).minus({ days: 1 }).toISODate()!;
      const measure = table.columns.find((c) => c.type === 'NUMERIC')!.name;
      await runSourceDml(
        source,
        `UPDATE ${fq} SET ${measure} = ${measure} + 1000, actualizado_en = CURRENT_TIMESTAMP() WHERE ${table.incrementalColumn} >= '${since}' AND ${table.incrementalColumn} <= '${last}'`,
      );
    }
  }
  logger.info({ inserted, ms: Date.now() - started }, 'etl demo data written to the BigQuery emulator');
}
