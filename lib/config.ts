import { IANAZone } from 'luxon';
import { z } from 'zod';
import { TASK_QUEUES, type TaskQueue } from './families';
import { keyMatchesCertificate, readPemFile, type PemKind } from './pem-files';
import { Secret } from './secret';

/**
 * Every environment variable the system reads, validated once at start-up.
 * Unset variables that name an external service (DATABASE_URL, TEMPORAL_ADDRESS, BigQuery,
 * upstream URLs) mean "the local stack provides it"; see `local/start.ts`.
 */

const port = z.coerce.number().int().min(1).max(65535);
const optionalUrl = z.url({ protocol: /^https?$/ }).optional();
const blankAsUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const ROLES = ['viewer', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKey {
  readonly name: string;
  readonly role: Role;
  readonly secret: Secret;
}

const apiKeys = z.string().transform((raw, ctx): ApiKey[] => {
  const keys: ApiKey[] = [];
  for (const entry of raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    // The secret may itself contain ':', so split on the first two only.
    const [name, role, ...rest] = entry.split(':');
    const secret = rest.join(':');
    if (!name || !role || !secret) {
      ctx.addIssue({ code: 'custom', message: 'each entry must be name:role:secret' });
      return z.NEVER;
    }
    if (!(ROLES as readonly string[]).includes(role)) {
      ctx.addIssue({ code: 'custom', message: `key "${name}": role must be one of ${ROLES.join(', ')}` });
      return z.NEVER;
    }
    if (secret.length < 16) {
      ctx.addIssue({ code: 'custom', message: `key "${name}": secret must be at least 16 characters` });
      return z.NEVER;
    }
    if (keys.some((key) => key.name === name)) {
      ctx.addIssue({ code: 'custom', message: `key "${name}" is declared twice` });
      return z.NEVER;
    }
    keys.push({ name, role: role as Role, secret: new Secret(secret) });
  }
  return keys;
});

const taskQueues = z.string().transform((raw, ctx): TaskQueue[] => {
  const names = [
    ...new Set(
      raw
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    ),
  ];
  const unknown = names.filter((name) => !(TASK_QUEUES as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    ctx.addIssue({
      code: 'custom',
      message: `unknown task queue(s) "${unknown.join(', ')}"; known: ${TASK_QUEUES.join(', ')}`,
    });
    return z.NEVER;
  }
  return names as TaskQueue[];
});

/** A duration such as `500ms`, `1s`, `5m`, `2h`, `1d`, in milliseconds. */
const DURATION_UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'must be a duration such as 500ms, 1s, 5m, 2h or 1d')
  .transform((value) => {
    const [, amount, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(value)!;
    return Number(amount) * DURATION_UNITS_MS[unit as keyof typeof DURATION_UNITS_MS];
  })
  .refine((ms) => ms > 0 && Number.isSafeInteger(ms), 'must be a positive duration');

const secret = z
  .string()
  .min(1)
  .transform((value) => new Secret(value));

/**
 * The path of a PEM file (not the PEM itself: a key in a variable shows in `docker inspect` and
 * `/proc/<pid>/environ`, a mounted file does not). Read and checked once, here.
 */
const pemFile = (kind: PemKind) =>
  z.string().transform((file, ctx) => {
    try {
      return { file, pem: readPemFile(file, kind) };
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Where the local stack keeps its state (PostgreSQL data, Temporal's SQLite file, the dev API key). */
  DATA_DIR: z.string().min(1).default('.data'),

  API_PORT: port.default(3000),
  /** Interface the API binds to; the local stack keeps it on loopback. */
  API_HOST: z.string().min(1).default('0.0.0.0'),
  /** Requests larger than this are answered 413. */
  API_BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/)
    .default('100kb'),
  API_KEYS: apiKeys.optional(),
  /** Requests per API_RATE_LIMIT_WINDOW per API key, and per client address for requests without a valid key. */
  API_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(600),
  API_RATE_LIMIT_ANONYMOUS: z.coerce.number().int().min(1).max(1_000_000).default(120),
  // At most a day: a window is a timer's delay, and Node's timers stop at about 24.8 days.
  API_RATE_LIMIT_WINDOW: duration.refine((ms) => ms <= 86_400_000, 'must be at most 1d').prefault('1m'),

  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[\w.-]+:\d+$/, 'must be host:port')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** Base URL of the Temporal Web UI, used to build `temporalUiUrl` links. */
  TEMPORAL_UI_URL: z.url().default('http://localhost:8233'),
  /** mTLS: this client's certificate and its private key (PEM files, set together). */
  TEMPORAL_TLS_CERT: pemFile('certificate').optional(),
  TEMPORAL_TLS_KEY: pemFile('private key')
    .transform(({ file, pem }) => ({ file, pem: new Secret(pem) }))
    .optional(),
  /** The CA that signed the server's certificate (PEM file); unset trusts the system's roots. */
  TEMPORAL_TLS_CA: pemFile('certificate').optional(),
  /** The name the server's certificate is checked against, when it is not TEMPORAL_ADDRESS's host. */
  TEMPORAL_TLS_SERVER_NAME: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i, 'must be a host name')
    .optional(),
  /** Temporal Cloud's API key, sent as `authorization: Bearer …`; implies TLS. */
  TEMPORAL_API_KEY: secret.optional(),

  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .transform((value) => new Secret(value))
    .optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),

  PIPELINES_TZ: z
    .string()
    .refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone such as America/Santiago')
    .default('America/Santiago'),

  WORKER_TASK_QUEUES: taskQueues.default([...TASK_QUEUES]),
  /** Prometheus endpoint of the worker's Temporal runtime (`host:port`). */
  WORKER_METRICS_ADDRESS: z
    .string()
    .regex(/^[\w.-]+:\d+$/, 'must be host:port')
    .default('127.0.0.1:9464'),
  /** A prebuilt workflow bundle (`npm run build`); without it the worker bundles from source. */
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),

  CV_BASE_URL: optionalUrl,
  CV_USERNAME: z.string().min(1).optional(),
  CV_PASSWORD: secret.optional(),
  /** How often the CV pipeline's schedule runs, in minutes (a divisor of 60 keeps the spacing even). */
  CV_SCHEDULE_MINUTES: z.coerce.number().int().min(1).max(60).default(10),

  BIGQUERY_PROJECT_ID: z.string().min(1).optional(),
  BIGQUERY_DATASET: z.string().regex(/^\w+$/, 'must be a BigQuery dataset id').optional(),
  BIGQUERY_API_ENDPOINT: optionalUrl,
  GOOGLE_APPLICATION_CREDENTIALS: z.string().min(1).optional(),
  /** How the ETL writes pages into staging: COPY, or INSERT for a server without COPY FROM STDIN. */
  ETL_STAGING_WRITE: z.enum(['copy', 'insert']).default('copy'),

  DGA_BASE_URL: optionalUrl,
  SMA_BASE_URL: optionalUrl,
  /** The DGA's sending rules: sends of one work at least this far apart (the manual's backlog spacing). */
  DGA_BACKLOG_SPACING: duration.prefault('5m'),
  /** …and a measurement not answered "00" is sent again this long after its last attempt (the manual's day). */
  DGA_RETRY_EVERY: duration.prefault('1d'),

  /** Credentials by reference: a JSON file (mode 600) mapping a name to a secret object. */
  CREDENTIALS_FILE: z.string().min(1).optional(),
  /** Notifications by email: `smtp://user:pass@host:port` (or `smtps://`). */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL')
    .transform((value) => new Secret(value))
    .optional(),
  NOTIFY_FROM: z
    .string()
    .regex(/^[^\s@<>]+@[^\s@<>]+$/, 'must be an email address')
    .default('pipelines@localhost'),
  /** Notifications by SMS: the gateway's base URL, with its account and token as user and password. */
  SMS_GATEWAY_URL: z
    .url({ protocol: /^https?$/ })
    .transform((value) => new Secret(value))
    .optional(),

  /** Local stack only: the ports of what `npm start` runs when the services above are unset. */
  SIMULATORS_PORT: port.default(4010),
  BIGQUERY_EMULATOR_PORT: port.default(9050),
  LOCAL_POSTGRES_PORT: port.default(54329),
  LOCAL_TEMPORAL_PORT: port.default(7233),
  LOCAL_TEMPORAL_UI_PORT: port.default(8233),
  MAILDEV_WEB_PORT: port.default(1080),
  MAILDEV_SMTP_PORT: port.default(1025),
});

const TEMPORAL_TLS_VARIABLES = [
  'TEMPORAL_TLS_CERT',
  'TEMPORAL_TLS_KEY',
  'TEMPORAL_TLS_CA',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_API_KEY',
] as const;

/** The rules between variables; each issue names the variable to fix. */
const checkedEnvSchema = envSchema.superRefine((e, ctx) => {
  const issue = (variable: string, message: string) => ctx.addIssue({ code: 'custom', path: [variable], message });
  if (e.TEMPORAL_TLS_CERT && !e.TEMPORAL_TLS_KEY) issue('TEMPORAL_TLS_KEY', 'is required with TEMPORAL_TLS_CERT');
  if (e.TEMPORAL_TLS_KEY && !e.TEMPORAL_TLS_CERT) issue('TEMPORAL_TLS_CERT', 'is required with TEMPORAL_TLS_KEY');
  if (e.TEMPORAL_TLS_CERT && e.TEMPORAL_TLS_KEY) {
    if (!keyMatchesCertificate(e.TEMPORAL_TLS_CERT.pem, e.TEMPORAL_TLS_KEY.pem.reveal())) {
      issue('TEMPORAL_TLS_KEY', `${e.TEMPORAL_TLS_KEY.file} is not the key of the certificate in TEMPORAL_TLS_CERT`);
    }
  }
  // Unset, the address is the local stack's dev server, which speaks plain gRPC.
  const set = TEMPORAL_TLS_VARIABLES.filter((name) => e[name] !== undefined);
  if (set.length > 0 && !e.TEMPORAL_ADDRESS) {
    issue('TEMPORAL_ADDRESS', `is required with ${set.join(', ')} (the local dev server has no TLS)`);
  }
});

type Env = z.infer<typeof envSchema>;

export interface Config {
  readonly nodeEnv: Env['NODE_ENV'];
  readonly logLevel: Env['LOG_LEVEL'];
  readonly dataDir: string;
  readonly api: {
    readonly host: string;
    readonly port: number;
    readonly bodyLimit: string;
    readonly keys: readonly ApiKey[] | undefined;
    readonly rateLimit: { readonly perKey: number; readonly perAddress: number; readonly windowMs: number };
  };
  readonly temporal: {
    /** Unset means the local stack runs the dev server. */
    readonly address: string | undefined;
    readonly namespace: string;
    readonly uiUrl: string;
    /** Unset: plain gRPC (the local dev server, or a cluster without TLS). */
    readonly tls: TemporalTls | undefined;
    readonly apiKey: Secret | undefined;
  };
  readonly database: { readonly url: Secret | undefined; readonly poolMax: number };
  readonly timeZone: string;
  readonly worker: {
    readonly taskQueues: readonly TaskQueue[];
    readonly metricsAddress: string;
    readonly workflowBundlePath: string | undefined;
  };
  readonly cv: {
    readonly baseUrl: string | undefined;
    readonly username: string | undefined;
    readonly password: Secret | undefined;
    readonly scheduleMinutes: number;
  };
  readonly bigquery: {
    readonly projectId: string | undefined;
    readonly dataset: string | undefined;
    readonly apiEndpoint: string | undefined;
    readonly credentialsFile: string | undefined;
  };
  readonly etl: { readonly stagingWrite: 'copy' | 'insert' };
  readonly regulators: {
    readonly dgaBaseUrl: string | undefined;
    readonly smaBaseUrl: string | undefined;
    /** DGA_BACKLOG_SPACING, in milliseconds. */
    readonly backlogSpacingMs: number;
    /** DGA_RETRY_EVERY, in milliseconds. */
    readonly retryEveryMs: number;
  };
  /** CREDENTIALS_FILE: read by the activities that resolve a reference, never by workflows. */
  readonly credentialsFile: string | undefined;
  /** SMTP_URL, NOTIFY_FROM, SMS_GATEWAY_URL: the notification channels (unset: that channel is off). */
  readonly notifications: {
    readonly smtpUrl: Secret | undefined;
    readonly from: string;
    readonly smsGatewayUrl: Secret | undefined;
  };
  readonly local: {
    readonly simulatorsPort: number;
    readonly bigqueryEmulatorPort: number;
    readonly postgresPort: number;
    readonly temporalPort: number;
    readonly temporalUiPort: number;
    readonly maildevWebPort: number;
    readonly maildevSmtpPort: number;
  };
}

/** TLS to Temporal: any TEMPORAL_TLS_* variable or TEMPORAL_API_KEY turns it on. */
export interface TemporalTls {
  /** mTLS: the certificate this client presents, and its key. */
  readonly client: TemporalClientCertificate | undefined;
  /** Unset: the system's roots (as for Temporal Cloud). */
  readonly ca: { readonly file: string; readonly pem: string } | undefined;
  readonly serverName: string | undefined;
}

export interface TemporalClientCertificate {
  readonly certFile: string;
  readonly cert: string;
  readonly keyFile: string;
  readonly key: Secret;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
  }
}

/** The names of every variable `loadConfig` reads; docker-compose and `.env.example` are checked against it. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

/** Reads and validates the configuration. Throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input = Object.fromEntries(CONFIG_VARIABLES.map((name) => [name, blankAsUndefined(env[name])]));
  const parsed = checkedEnvSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '(root)'), message: issue.message })),
    );
  }
  const e = parsed.data;
  return {
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    dataDir: e.DATA_DIR,
    api: {
      host: e.API_HOST,
      port: e.API_PORT,
      bodyLimit: e.API_BODY_LIMIT,
      keys: e.API_KEYS,
      rateLimit: {
        perKey: e.API_RATE_LIMIT,
        perAddress: e.API_RATE_LIMIT_ANONYMOUS,
        windowMs: e.API_RATE_LIMIT_WINDOW,
      },
    },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      uiUrl: e.TEMPORAL_UI_URL.replace(/\/$/, ''),
      tls: temporalTls(e),
      apiKey: e.TEMPORAL_API_KEY,
    },
    database: { url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX },
    timeZone: e.PIPELINES_TZ,
    worker: {
      taskQueues: e.WORKER_TASK_QUEUES,
      metricsAddress: e.WORKER_METRICS_ADDRESS,
      workflowBundlePath: e.WORKFLOW_BUNDLE_PATH,
    },
    cv: {
      baseUrl: e.CV_BASE_URL,
      username: e.CV_USERNAME,
      password: e.CV_PASSWORD,
      scheduleMinutes: e.CV_SCHEDULE_MINUTES,
    },
    bigquery: {
      projectId: e.BIGQUERY_PROJECT_ID,
      dataset: e.BIGQUERY_DATASET,
      apiEndpoint: e.BIGQUERY_API_ENDPOINT,
      credentialsFile: e.GOOGLE_APPLICATION_CREDENTIALS,
    },
    etl: { stagingWrite: e.ETL_STAGING_WRITE },
    regulators: {
      dgaBaseUrl: e.DGA_BASE_URL,
      smaBaseUrl: e.SMA_BASE_URL,
      backlogSpacingMs: e.DGA_BACKLOG_SPACING,
      retryEveryMs: e.DGA_RETRY_EVERY,
    },
    credentialsFile: e.CREDENTIALS_FILE,
    notifications: { smtpUrl: e.SMTP_URL, from: e.NOTIFY_FROM, smsGatewayUrl: e.SMS_GATEWAY_URL },
    local: {
      simulatorsPort: e.SIMULATORS_PORT,
      bigqueryEmulatorPort: e.BIGQUERY_EMULATOR_PORT,
      postgresPort: e.LOCAL_POSTGRES_PORT,
      temporalPort: e.LOCAL_TEMPORAL_PORT,
      temporalUiPort: e.LOCAL_TEMPORAL_UI_PORT,
      maildevWebPort: e.MAILDEV_WEB_PORT,
      maildevSmtpPort: e.MAILDEV_SMTP_PORT,
    },
  };
}

function temporalTls(e: Env): TemporalTls | undefined {
  const { TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca } = e;
  if (!cert && !ca && !e.TEMPORAL_TLS_SERVER_NAME && !e.TEMPORAL_API_KEY) return undefined;
  return {
    client: cert && key ? { certFile: cert.file, cert: cert.pem, keyFile: key.file, key: key.pem } : undefined,
    ca,
    serverName: e.TEMPORAL_TLS_SERVER_NAME,
  };
}

/** For entry points: load the configuration or print the problems and exit(2). */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

/** Entry points that talk to services directly (not through the local stack) need these set. */
export function requireSetting<T>(value: T | undefined, variable: string): T {
  if (value === undefined) throw new ConfigError([{ variable, message: 'is required outside the local stack' }]);
  return value;
}
