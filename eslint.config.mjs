import { builtinModules } from 'node:module';
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * Few but sharp rules (floating or misused promises, type-only imports, import cycles, strict equality),
 * plus the boundary that keeps workflows deterministic.
 */
export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', 'coverage/', 'test/histories/', '*.config.js', '*.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no I/O, no Node built-ins.
    files: ['workflows/**/*.ts', 'test/fixtures/*-workflow.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflows are deterministic: no Node built-ins; use an activity.' },
            {
              group: builtinModules.flatMap((name) => [name, `${name}/*`]),
              message: 'Workflows are deterministic: no Node built-ins; use an activity.',
            },
            {
              group: ['pg', 'pg-*', 'axios', 'undici', 'node-fetch', 'got', 'express', '@google-cloud/*'],
              message: 'Workflows do no I/O: call an activity.',
            },
            {
              group: ['@temporalio/client', '@temporalio/worker', '@temporalio/testing', '@temporalio/activity'],
              message: 'Workflows use @temporalio/workflow (and @temporalio/common) only.',
            },
            {
              group: [
                '**/activities',
                '**/activities/*',
                '**/*-activities',
                '**/api/**',
                '**/workers/**',
                '**/local/**',
                '**/schedules/**',
                '**/lib/db',
                '**/lib/config',
                '**/lib/logger',
                '**/lib/migrate',
                '**/lib/secret',
                '**/lib/temporal',
              ],
              allowTypeImports: true,
              message:
                'Workflows do no I/O: import activities with `import type` and call them through proxyActivities.',
            },
          ],
        },
      ],
    },
  },
);
