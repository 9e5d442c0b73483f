// Lint exists mainly to enforce the architecture: Nx project tags decide who may import whom, and
// the domain libraries may not import frameworks, transports, stores or Node built-ins.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const infrastructure = [
  '@nestjs/*', 'kafkajs', 'better-sqlite3', '@eventstore/*', 'class-validator', 'class-transformer',
  'express', 'yaml', 'node:*', 'fs', 'path', 'crypto', 'os', 'child_process', 'net', 'http',
];

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '**/data/**', '.kafka/**', '.nx/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': ['error', {
        allow: [],
        depConstraints: [
          { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain'], bannedExternalImports: infrastructure },
          { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
          { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:infra'] },
          { sourceTag: 'type:shell', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:infra', 'type:shell'] },
          { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:infra', 'type:shell'] },
          { sourceTag: 'type:composition', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:infra', 'type:shell', 'type:service'] },
          { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:infra', 'type:shell', 'type:service', 'type:composition', 'type:testing'] },
          { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:infra', 'type:shell', 'type:service', 'type:composition', 'type:testing'] },
        ],
      }],
    },
  },
];
