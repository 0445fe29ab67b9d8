/**
 * Import rules of src/, checked by `npm run lint:deps` (dependency-cruiser) in CI: no circles, and
 * each module imports only what scripts/layers.cjs allows it, which is only modules below it.
 */
const { LAYERS } = require('./scripts/layers.cjs');

/** The src/ paths of a module: its folder, or its file. */
const pathOf = (name) => (name.endsWith('/') ? `^src/${name}` : `^src/${name}\\.ts$`);
const anyOf = (names) => `(${names.map(pathOf).join('|')})`;

const order = new Map(LAYERS.map(([name], index) => [name, index]));
for (const [name, { imports = [], types = [] }] of LAYERS) {
  if (imports === '*') continue;
  for (const target of [...imports, ...types]) {
    if (!order.has(target))
      throw new Error(`.dependency-cruiser.cjs: ${name} names ${target}, which is not a module`);
    if (order.get(target) >= order.get(name))
      throw new Error(`.dependency-cruiser.cjs: ${name} may not import ${target}, which is not below it`);
  }
}

const layerRules = LAYERS.filter(([, rule]) => rule.imports !== '*').flatMap(
  ([name, { imports = [], types = [] }]) => {
    const rules = [
      {
        name: `layers: ${name}`,
        severity: 'error',
        comment: `${name} may import ${[...imports, ...types].join(', ') || 'nothing'} (see LAYERS).`,
        from: { path: pathOf(name) },
        to: { path: '^src/', pathNot: anyOf([name, ...imports, ...types]) },
      },
    ];
    if (types.length)
      rules.push({
        name: `layers: ${name} (types only)`,
        severity: 'error',
        comment: `${name} may import only types from ${types.join(', ')} (see LAYERS).`,
        from: { path: pathOf(name) },
        to: { path: anyOf(types), dependencyTypesNot: ['type-only'] },
      });
    return rules;
  },
);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'No import circles, type-only imports included: a circle hides which module is below the other.',
      from: { path: '^src' },
      to: { circular: true },
    },
    {
      name: 'layers: every module listed',
      severity: 'error',
      comment: 'A new module of src/ gets its place in LAYERS.',
      from: { path: '^src/', pathNot: anyOf(LAYERS.map(([name]) => name)) },
      to: {},
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
};
