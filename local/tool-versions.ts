/** The Go tools the local stack and the tests run, pinned in one place: every clone builds the same versions. */
export const TOOLS = {
  temporal: {
    binary: 'temporal',
    package: 'github.com/temporalio/cli/cmd/temporal',
    // Later versions cannot be built with `go install` because of a `replace` directive.
    version: 'v1.5.1',
  },
  'bigquery-emulator': {
    binary: 'bigquery-emulator',
    package: 'github.com/goccy/bigquery-emulator/cmd/bigquery-emulator',
    version: 'v0.8.1',
  },
} as const;

export type ToolName = keyof typeof TOOLS;
