/** The Go tools the local stack and the tests run, pinned in one place (SPEC §3). */
export const TOOLS = {
  temporal: {
    binary: 'temporal',
    module: 'github.com/temporalio/cli',
    package: 'github.com/temporalio/cli/cmd/temporal',
    // Later versions cannot be built with `go install` because of a `replace` directive.
    version: 'v1.5.1',
    cgo: false,
  },
  'bigquery-emulator': {
    binary: 'bigquery-emulator',
    module: 'github.com/goccy/bigquery-emulator',
    package: 'github.com/goccy/bigquery-emulator/cmd/bigquery-emulator',
    version: 'v0.8.1',
    // go-zetasql is C++: the first build takes several minutes and needs a C++ compiler.
    cgo: true,
  },
} as const;

export type ToolName = keyof typeof TOOLS;
