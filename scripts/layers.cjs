/**
 * The "may import" table of src/: docs/ARCHITECTURE.md shows it, .dependency-cruiser.cjs turns it
 * into the import rules that \`npm run lint:deps\` checks in CI, and test/architecture.test.ts keeps
 * the document equal to it.
 *
 * LAYERS lists src/'s modules from the bottom up: a folder (\`catalog/\`) or a file of its own
 * (\`errors\`, for src/errors.ts). Each may import only what it names, and it can name only
 * modules listed before it, so no module imports one above it and modules cannot form a circle.
 * \`types\` are modules it may import types from (\`import type\`), nothing more.
 */
const LAYERS = [
  ['errors', {}],
  ['version', {}],
  ['util/', { imports: ['errors'] }],
  ['telemetry/', { imports: ['util/', 'version'] }],
  ['config/', { imports: ['errors', 'util/'] }],
  ['script/', { imports: ['util/'] }],
  ['store/', { imports: ['util/'] }],
  ['auth/', { imports: ['errors', 'util/', 'version'], types: ['store/'] }],
  ['catalog/', { imports: ['util/'], types: ['store/'] }],
  ['codegen/', { imports: ['catalog/', 'util/'] }],
  [
    'upstream/',
    {
      imports: ['auth/', 'catalog/', 'codegen/', 'config/', 'errors', 'util/', 'version'],
      types: ['script/', 'store/'],
    },
  ],
  ['sandbox/', { imports: ['errors', 'util/'] }],
  ['accounting/', { imports: ['util/'], types: ['catalog/'] }],
  ['pii/', { imports: ['util/'], types: ['config/', 'sandbox/'] }],
  ['workspace/', { imports: ['codegen/', 'errors', 'util/'], types: ['sandbox/'] }],
  ['discovery/', { imports: ['catalog/', 'codegen/', 'util/'], types: ['store/'] }],
  ['approvals/', { imports: ['catalog/', 'errors', 'telemetry/', 'util/'], types: ['config/', 'sandbox/'] }],
  [
    'skills/',
    { imports: ['codegen/', 'errors', 'script/', 'store/', 'util/'], types: ['catalog/', 'discovery/'] },
  ],
  [
    'bridge/',
    {
      imports: ['accounting/', 'codegen/', 'errors', 'telemetry/', 'upstream/', 'util/'],
      types: ['approvals/', 'catalog/', 'sandbox/'],
    },
  ],
  [
    'execution/',
    {
      imports: [
        'accounting/',
        'bridge/',
        'codegen/',
        'errors',
        'sandbox/',
        'script/',
        'skills/',
        'telemetry/',
        'util/',
        'workspace/',
      ],
      types: ['approvals/', 'catalog/', 'config/', 'pii/', 'upstream/'],
    },
  ],
  ['metrics/', { types: ['execution/'] }],
  ['insights/', { imports: ['discovery/', 'util/'], types: ['execution/', 'store/'] }],
  [
    'gateway/',
    {
      imports: [
        'accounting/',
        'approvals/',
        'auth/',
        'bridge/',
        'catalog/',
        'codegen/',
        'config/',
        'discovery/',
        'errors',
        'execution/',
        'insights/',
        'metrics/',
        'pii/',
        'sandbox/',
        'skills/',
        'store/',
        'telemetry/',
        'upstream/',
        'util/',
        'workspace/',
      ],
    },
  ],
  ['prompt/', { types: ['upstream/'] }],
  [
    'session/',
    {
      imports: [
        'accounting/',
        'codegen/',
        'discovery/',
        'execution/',
        'insights/',
        'prompt/',
        'config/',
        'skills/',
        'store/',
        'telemetry/',
        'util/',
      ],
      types: ['approvals/', 'catalog/', 'gateway/', 'pii/', 'upstream/', 'workspace/'],
    },
  ],
  [
    'dashboard/',
    {
      imports: ['approvals/', 'execution/', 'insights/', 'session/', 'skills/', 'util/'],
      types: ['gateway/', 'pii/'],
    },
  ],
  [
    'server/',
    {
      imports: [
        'accounting/',
        'approvals/',
        'dashboard/',
        'errors',
        'prompt/',
        'session/',
        'skills/',
        'telemetry/',
        'upstream/',
        'util/',
      ],
      types: ['gateway/', 'pii/', 'store/'],
    },
  ],
  ['adapters/', { imports: ['bridge/', 'session/'], types: ['approvals/', 'catalog/', 'gateway/'] }],
  ['agent/', { imports: ['adapters/', 'errors'], types: ['accounting/', 'approvals/', 'gateway/'] }],
  ['index', { imports: '*' }],
  ['cli/', { imports: '*' }],
];

module.exports = { LAYERS };
