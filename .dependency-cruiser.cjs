/**
 * The one-way dependency rule (see ARCHITECTURE.md):
 *
 *   cli, app.ts, main.ts (composition root: may import anything)
 *     server -> schema -> live -> projection -> events
 *     source -> projection                      (events, util, config below everything)
 *     simulator -> events
 *
 * Each layer lists what it may import from src/; anything else in src/ is a violation.
 * Type-only imports count: a type is a dependency too. `npm run lint` (and so `npm test`) runs this.
 */

/** Folders (or files) under src/ and what each may import from src/ besides itself. */
const LAYERS = {
  util: [],
  'config.ts': ['util'],
  events: ['util'],
  projection: ['events', 'util'],
  live: ['projection', 'events', 'util'],
  schema: ['live', 'projection', 'events', 'util', 'config.ts'],
  source: ['projection', 'events', 'util', 'config.ts'],
  server: ['schema', 'live', 'projection', 'events', 'util', 'config.ts'],
  simulator: ['events', 'util'],
};

const escape = (name) => name.replace(/\./g, '\\.');
/** `events` -> matches src/events/…; `config.ts` -> matches src/config.ts. */
const pathOf = (name) => (name.endsWith('.ts') ? `^src/${escape(name)}$` : `^src/${name}/`);
const anyOf = (names) => (names.length === 0 ? '^$' : `^src/(${names.map((n) => (n.endsWith('.ts') ? escape(n) + '$' : `${n}/`)).join('|')})`);

const layerRules = Object.entries(LAYERS).map(([layer, allowed]) => ({
  name: `${layer.replace(/\.ts$/, '')}-imports-only-${allowed.length ? allowed.join('-').replace(/\.ts/g, '') : 'itself'}`,
  comment: `src/${layer} may import from src/ only ${allowed.length ? allowed.join(', ') : 'itself'} (one-way rule, ARCHITECTURE.md)`,
  severity: 'error',
  from: { path: pathOf(layer) },
  to: { path: '^src/', pathNot: [pathOf(layer), anyOf(allowed)] },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'composition-root-is-imported-by-no-one',
      comment: 'src/app.ts, src/main.ts and src/cli/ wire everything; nothing below them imports them back',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(app\\.ts$|main\\.ts$|cli/)' },
      to: { path: '^src/(app\\.ts$|main\\.ts$|cli/)' },
    },
    {
      name: 'pure-core-has-no-io',
      comment: 'src/events and src/projection stay pure: no NATS client, no graphql, no sockets or HTTP',
      severity: 'error',
      from: { path: '^src/(events|projection)/' },
      to: { path: '(^|/)node_modules/(@nats-io/|graphql)|^(node:)?(net|http|https|http2)$' },
    },
    {
      name: 'no-circular',
      comment: 'no import cycles anywhere in src/',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'every import resolves (a typo or a missing dependency)',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
    {
      name: 'src-not-to-dev-dependency',
      comment: 'the server runs from `npm ci --omit=dev`: src/ imports only runtime dependencies',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
