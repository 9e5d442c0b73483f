// Lint exists mainly to enforce the architecture: Nx project tags (in each project.json) decide who
// may import whom, and the domain libraries may not import frameworks, transports, stores or Node
// built-ins. The rule reads the project graph Nx caches in .nx/: `npm run lint` and the Nx `lint`
// targets compute it first; a bare `eslint .` on a fresh clone only warns "No cached ProjectGraph".
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const infrastructure = [
  '@nestjs/*', 'kafkajs', 'better-sqlite3', '@eventstore/*', 'class-validator', 'class-transformer',
  'express', 'yaml', 'pg', 'node:*', 'fs', 'path', 'crypto', 'os', 'child_process', 'net', 'http',
  // Observability is the shell's: domains neither log nor count.
  'pino', 'pino-*', 'prom-client', '@opentelemetry/*',
];

// Layers: what kind of code may import what.
const layers = [
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain'], bannedExternalImports: infrastructure },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
  { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:infra'] },
  { sourceTag: 'type:shell', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:infra', 'type:shell'] },
  { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:infra', 'type:shell'] },
  { sourceTag: 'type:composition', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:infra', 'type:shell', 'type:service'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:infra', 'type:shell', 'type:service', 'type:composition', 'type:testing'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:infra', 'type:shell', 'type:service', 'type:composition', 'type:testing'] },
];

// Scopes: which bounded context may import which. Every project has one scope tag:
//   scope:pricing, scope:wallet, scope:scheduler, scope:refund, scope:ops  the bounded contexts;
//   scope:shared       kernel, contracts, event-store, messaging, shell: every context may use them;
//   scope:tenancy      tenancy: shared like scope:shared, under its own tag because it alone also
//                      reads the contexts' domains (below);
//   scope:composition  the apps, the embedded platform (libs/platform) and libs/testing: they put
//                      the contexts together and may import any scope.
// A context may import its own scope, scope:shared and scope:tenancy, plus the projects tagged
// `shared-with:<its context>`. A context's domain library imports its own scope and scope:shared
// only: the exceptions below are for the layers around the domains.
//
// Cross-context dependencies of today's code, each allowed by a `shared-with:` tag on the target:
//   scope:wallet  -> pricing-domain (shared-with:wallet): the wallet's HTTP authorize prices the
//                    request itself (wallet-service wallet.app.ts, catalogAt + quote), by the same
//                    rule the pricing service applies to usage commands on Kafka.
//   scope:ops     -> wallet-domain, wallet-application (shared-with:ops): the ops read models are
//                    folded from the wallet's event store (the wallet's stream names, event codec,
//                    evolve, balanceOf, its command envelope).
//   scope:ops     -> refund-domain (shared-with:ops): the ops money report values each claw-back at
//                    the rounding the tenant's refund policy pays with (refundRoundingOf).
//   scope:ops     -> pricing-domain (shared-with:ops): policy simulation prices recorded usage again
//                    from a candidate tenant file's catalog (ops-service simulation.ts, catalogAt + quote).
//   scope:reconciler (libs/reconciler) imports scope:shared only, never tenancy or a context: it checks
//                    the wallet, pricing and refund records, so it must not share their code (a bug
//                    there would be repeated instead of found). It reads the tenant files itself.
//   scope:ops     -> reconciler-domain, reconciler-service (shared-with:ops): `ops reconcile`.
//   scope:tenancy -> pricing-domain, wallet-domain, refund-domain (shared-with:tenancy): a tenant
//                    file carries each context's configuration (catalogs, plans and packages; the
//                    wallet policy; the refund policy), and tenancy parses it into their types.
const shared = ['scope:shared', 'scope:tenancy'];
const context = (name) => [
  { sourceTag: `scope:${name}`, onlyDependOnLibsWithTags: [`scope:${name}`, ...shared, `shared-with:${name}`] },
  { allSourceTags: [`scope:${name}`, 'type:domain'], onlyDependOnLibsWithTags: [`scope:${name}`, 'scope:shared'] },
];
const scopes = [
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: shared },
  { sourceTag: 'scope:tenancy', onlyDependOnLibsWithTags: [...shared, 'shared-with:tenancy'] },
  ...context('pricing'),
  ...context('wallet'),
  ...context('scheduler'),
  ...context('refund'),
  ...context('ops'),
  { sourceTag: 'scope:reconciler', onlyDependOnLibsWithTags: ['scope:reconciler', 'scope:shared'] },
  { sourceTag: 'scope:composition', onlyDependOnLibsWithTags: ['*'] },
];

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '**/data/**', '.kafka/**', '.nx/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@nx': nx },
    rules: {
      // Every constraint whose source tag a project carries applies: a layer rule and a scope rule.
      '@nx/enforce-module-boundaries': ['error', { allow: [], depConstraints: [...layers, ...scopes] }],
    },
  },
];
