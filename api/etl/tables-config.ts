import { ETL_TABLES, isNullable, PG_TYPE } from '../../lib/etl/registry';

/** `GET /api/v1/etl/config/tables`: the registry as the API shows it. */
export function tablesConfig() {
  return {
    tables: ETL_TABLES.map((table) => ({
      name: table.name,
      description: table.description,
      primaryKey: [...table.key],
      incrementalColumn: table.incrementalColumn,
      lookbackDays: table.lookbackDays,
      granularity: table.granularity,
      timescale: table.timescale,
      columns: table.columns.map((column) => ({
        name: column.name,
        bigqueryType: column.type,
        postgresType: PG_TYPE[column.type],
        nullable: isNullable(table, column),
        description: column.description,
      })),
    })),
  };
}
