import { readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import js from '@eslint/js';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const root = import.meta.dirname;

const LAYERS = 'error';

/*
 * The layers (README, Architecture), lowest first; a layer imports only from layers before it, less
 * those its row in CLOSED lists:
 *   lib ← data ← platform ← activities ← workflows ← schedules ← api, workers ← local, scripts ← bench, test
 * (bench/ starts its servers through the test harness, as the tests do).
 * Any layer may `import type` from workflows/ (a workflow's input and result types are its
 * contract), and workflows/ imports values only from the pure lib.
 *
 * Two rules hold them, each for what it can see:
 * - `import-x/no-restricted-paths` resolves an import to its file, so a zone holds however the
 *   relative path is spelt; it cannot tell `import type` from a value import, so it holds the edges
 *   that are closed even to types (every edge but those into workflows/, and workflows/ upwards).
 * - `@typescript-eslint/no-restricted-imports` matches the import's text and knows `import type`
 *   (`allowTypeImports`): it holds the edges open to types only (into workflows/; the workflow
 *   allow-list) and the npm packages a layer may not use.
 */

/** What each layer may not import, even as a type (its upper layers and the tooling outside production). */
const CLOSED = {
  lib: ['data', 'platform', 'activities', 'schedules', 'api', 'workers', 'local', 'bench', 'scripts', 'test'],
  data: ['platform', 'activities', 'schedules', 'api', 'workers', 'local', 'bench', 'scripts', 'test'],
  platform: ['activities', 'schedules', 'api', 'workers', 'local', 'bench', 'scripts', 'test'],
  activities: ['schedules', 'api', 'workers', 'local', 'bench', 'scripts', 'test'],
  workflows: ['schedules', 'api', 'workers', 'local', 'bench', 'scripts', 'test'],
  schedules: ['data', 'platform', 'activities', 'api', 'workers', 'local', 'bench', 'scripts', 'test'],
  api: ['activities', 'workers', 'local', 'bench', 'scripts', 'test'],
  workers: ['api', 'local', 'bench', 'scripts', 'test'],
  local: ['test'],
  bench: [],
  scripts: ['test'],
};

/** lib/'s foundations that do I/O or hold process state: never in the pure domain of lib/<family>/. */
const IMPURE_LIB = ['db', 'config', 'logger', 'temporal', 'migrate', 'bigquery', 'pem-files'];

/** Every folder in activities/ is a family's; activities/*.ts are the helpers they share. */
const ACTIVITY_FAMILIES = readdirSync(path.join(root, 'activities'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

const layerZones = [
  ...Object.entries(CLOSED).flatMap(([layer, closed]) =>
    closed.map((from) => ({
      target: `${layer}/**`,
      from,
      message: `Imports run one way (README, Architecture): ${layer}/ never imports ${from}/.`,
    })),
  ),
  {
    target: 'lib/*/**',
    from: IMPURE_LIB.map((name) => `lib/${name}.ts`),
    message:
      'lib/<family>/ is the pure domain: plain functions over plain data; I/O lives in data/, platform/ or activities/.',
  },
  ...ACTIVITY_FAMILIES.map((family) => ({
    target: `activities/${family}/**`,
    from: path.join(root, 'activities/*/**'),
    except: [path.join(root, `activities/${family}/**`)],
    message: `activities/${family}/ never imports another family's activities: share through data/, platform/ or activities/*.ts.`,
  })),
];

/** Into workflows/ from the layers below it (and from schedules/ and api/): types only. */
const workflowValues = {
  group: ['**/workflows', '**/workflows/**'],
  allowTypeImports: true,
  message:
    "Only types cross into workflows/ (a workflow's input and result are its contract); shared values belong in lib/.",
};

/** Built-ins that compute and do no I/O: the pure domain may use them. */
const PURE_BUILTINS = ['assert', 'buffer', 'crypto', 'querystring', 'string_decoder', 'url', 'util'];
const pureDomain = [
  {
    group: builtinModules
      .filter((name) => !name.startsWith('_') && !PURE_BUILTINS.includes(name.split('/')[0]))
      .flatMap((name) => [name, `node:${name}`]),
    message: 'lib/<family>/ does no I/O: files, sockets and processes belong in data/, platform/ or activities/.',
  },
  {
    group: [
      'pg',
      'pg-*',
      'node-pg-migrate',
      'axios',
      'undici',
      'node-fetch',
      'got',
      'express',
      'express-*',
      'nodemailer',
      'google-auth-library',
      '@google-cloud/*',
      'pino',
      'prom-client',
      '@temporalio/client',
      '@temporalio/worker',
      '@temporalio/activity',
      '@temporalio/testing',
    ],
    message:
      'lib/<family>/ is the pure domain: no database, HTTP, mail, logging or Temporal client; those live above lib/.',
  },
];

/**
 * Workflow code runs in Temporal's deterministic sandbox, so its value imports are an allow-list:
 * @temporalio/workflow and @temporalio/common, workflows/ itself, and the pure lib (lib/<family>/,
 * which its own zone keeps pure, and the pure foundations). Anything else, with `import type`.
 * A relative path's meaning depends on how deep the file sits: `depth` folders below workflows/.
 */
function workflowAllowList(depth) {
  const up = (count) => `(?:\\.\\./){${count}}`;
  const allowed = [
    '@temporalio/(?:workflow|common)(?:/|$)',
    '\\./',
    ...(depth > 0 ? [`(?:\\.\\./){1,${depth}}(?!\\.\\./)`] : []),
    `${up(depth + 1)}lib/(?:[^/]+/|(?:time|errors|families|search-attributes)$)`,
  ];
  return {
    regex: `^(?!${allowed.join('|')})`,
    allowTypeImports: true,
    message:
      'Workflows are deterministic: values only from @temporalio/workflow, @temporalio/common, workflows/ and the pure lib (lib/<family>/, lib/time, lib/errors, lib/families, lib/search-attributes). Anything else with `import type`; call activities through proxyActivities.',
  };
}

const restrictImports = (severity, ...patterns) => ({
  '@typescript-eslint/no-restricted-imports': [severity, { patterns }],
});

/** Few but sharp rules, plus the layers, which keep workflows deterministic and imports running one way. */
export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', 'coverage/', 'test/histories/', '*.config.js', '*.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    // Without `.ts` the plugin resolves no import of ours, and its zones see nothing; without a parser for
    // `.ts` it cannot read the files it resolves, and `no-cycle` finds no cycle (two files importing each
    // other passed lint until these settings).
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json', '.node'] })],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js'],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': [LAYERS, { basePath: root, zones: layerZones }],
      eqeqeq: ['error', 'always'],
    },
  },
  { files: ['lib/*.ts', 'data/**/*.ts', 'platform/**/*.ts'], rules: restrictImports(LAYERS, workflowValues) },
  { files: ['activities/**/*.ts', 'schedules/**/*.ts', 'api/**/*.ts'], rules: restrictImports(LAYERS, workflowValues) },
  { files: ['lib/*/**/*.ts'], rules: restrictImports(LAYERS, workflowValues, ...pureDomain) },
  { files: ['workflows/*.ts'], rules: restrictImports('error', workflowAllowList(0)) },
  // Test workflows sit one folder down (test/fixtures/), like a family's workflows.
  { files: ['workflows/*/*.ts', 'test/fixtures/*-workflow.ts'], rules: restrictImports('error', workflowAllowList(1)) },
  { files: ['workflows/*/*/**/*.ts'], rules: restrictImports('error', workflowAllowList(2)) },
);
