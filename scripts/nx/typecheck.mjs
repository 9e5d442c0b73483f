// The `typecheck` target of one Nx project: tsc --noEmit over the project's .ts files (and what they
// import) with the workspace's compiler options and path aliases (tsconfig.base.json).
//   node scripts/nx/typecheck.mjs <projectRoot>
// tsc cannot combine a tsconfig with a list of files, so this writes a throwaway tsconfig under tmp/
// (git-ignored; inside the repository so tsc finds node_modules/@types) and checks that.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const projectRoot = process.argv[2];
if (!projectRoot) {
  console.error('usage: node scripts/nx/typecheck.mjs <projectRoot>');
  process.exit(2);
}

const dir = join(root, 'tmp', 'typecheck');
const config = join(dir, `${projectRoot.replace(/[\\/]/g, '_')}.tsconfig.json`);
mkdirSync(dir, { recursive: true });
writeFileSync(config, JSON.stringify({
  extends: relative(dir, join(root, 'tsconfig.base.json')),
  compilerOptions: { noEmit: true },
  include: [`${relative(dir, join(root, projectRoot))}/**/*.ts`],
}, null, 2));

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const { status } = spawnSync(process.execPath, [tsc, '-p', config], { cwd: root, stdio: 'inherit' });
process.exit(status ?? 1);
