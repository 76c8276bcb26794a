import { migrate } from '../../lib/migrate';
import { createTestContext, type TestContext } from '../harness/context';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

describe('database module', () => {
  it('keeps dates and timestamps as written, whatever the process time zone', async () => {
    const { rows } = await ctx.db.query(
      `SELECT '2026-09-06'::date AS d, '2026-09-06 00:30:00'::timestamp AS ts, '2026-09-06T03:30:00Z'::timestamptz AS tz`,
    );
    expect(rows[0]).toEqual({ d: '2026-09-06', ts: '2026-09-06 00:30:00', tz: new Date('2026-09-06T03:30:00Z') });
  });

  it('does the same inside arrays', async () => {
    const { rows } = await ctx.db.query(
      `SELECT ARRAY['2026-09-06'::date, NULL] AS dates, ARRAY['2026-09-06 00:30:00'::timestamp] AS stamps,
              ARRAY[9007199254740993::bigint, NULL] AS bigs`,
    );
    expect(rows[0]).toEqual({
      dates: ['2026-09-06', null],
      stamps: ['2026-09-06 00:30:00'],
      bigs: [9007199254740993n, null],
    });
  });

  it('never rounds a bigint', async () => {
    const { rows } = await ctx.db.query('SELECT 9007199254740993::bigint AS big, count(*) AS n FROM (VALUES (1)) v');
    expect(rows[0]).toEqual({ big: 9007199254740993n, n: 1n });
  });

  it('rolls a failed transaction back and releases its client', async () => {
    await ctx.db.query('CREATE TABLE tx_probe (id int PRIMARY KEY)');
    await expect(
      ctx.db.withTransaction(async (client) => {
        await client.query('INSERT INTO tx_probe VALUES (1)');
        await client.query('INSERT INTO tx_probe VALUES (1)'); // duplicate key
      }),
    ).rejects.toThrow(/duplicate key/);
    expect((await ctx.db.query('SELECT count(*) AS n FROM tx_probe')).rows[0]?.n).toBe(0n);
    expect(ctx.db.pool.idleCount).toBe(ctx.db.pool.totalCount);
    await ctx.db.withTransaction((client) => client.query('INSERT INTO tx_probe VALUES (2)'));
    expect((await ctx.db.query('SELECT id FROM tx_probe')).rows).toEqual([{ id: 2 }]);
  });

  it('answers ping', async () => {
    await expect(ctx.db.ping()).resolves.toBe(true);
  });
});

describe('migrations', () => {
  it('run concurrently apply each migration once, and a re-run applies nothing', async () => {
    // The test database is a clone of the migrated template: start from an empty schema.
    await ctx.db.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    const runs = await Promise.all([migrate(ctx.databaseUrl), migrate(ctx.databaseUrl), migrate(ctx.databaseUrl)]);
    const applied = runs.flat();
    expect(applied).toContain('0001_platform');
    expect(new Set(applied).size).toBe(applied.length);
    const { rows } = await ctx.db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY id');
    expect(rows.map((row) => row.name)).toEqual([...applied].sort());
    await expect(migrate(ctx.databaseUrl)).resolves.toEqual([]);
  });
});
