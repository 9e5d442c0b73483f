#!/usr/bin/env node
// npm run build: compiles apps/ and libs/ to plain JavaScript under dist/, so production starts each
// service with `node dist/apps/<service>/src/main.js` (no TypeScript compiler at run time). Type
// checking is `npm run typecheck`, run first by `npm run build`.
//
// swc compiles every source file on its own, keeping Nest's decorator metadata, and rewrites the
// `@creditflow/*` path aliases of tsconfig.base.json into relative requires; files a build does not
// need (tests, test harnesses) are left out, and the dashboard's static files are copied beside the code.
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformFileSync } from '@swc/core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
const { compilerOptions } = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8'));

/** Sources a running service needs: not tests, not the test harnesses. */
const wanted = (path) =>
  path.endsWith('.ts') && !path.endsWith('.spec.ts') && !path.endsWith('.d.ts') && !/\.testing\.ts$/.test(path)
  && !/\/testing\//.test(path) && !path.startsWith('libs/testing/');

function* sources(dir) {
  for (const name of readdirSync(join(root, dir))) {
    const path = `${dir}/${name}`;
    if (statSync(join(root, path)).isDirectory()) yield* sources(path);
    else if (wanted(path)) yield path;
  }
}

rmSync(out, { recursive: true, force: true });
const started = Date.now();
let files = 0;
for (const source of [...sources('apps'), ...sources('libs')]) {
  const { code, map } = transformFileSync(join(root, source), {
    swcrc: false,
    sourceMaps: true,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
      baseUrl: root,
      paths: compilerOptions.paths,
    },
    module: { type: 'commonjs' },
  });
  const target = join(out, source.replace(/\.ts$/, '.js'));
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, `${code}\n//# sourceMappingURL=${relative(dirname(target), `${target}.map`)}\n`);
  if (map) writeFileSync(`${target}.map`, map);
  files++;
}
cpSync(join(root, 'libs/ops/service/dashboard'), join(out, 'libs/ops/service/dashboard'), { recursive: true });
console.log(`built ${files} files into dist/ in ${((Date.now() - started) / 1000).toFixed(1)}s`);
