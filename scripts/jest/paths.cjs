// Maps the tsconfig path aliases (@creditflow/*) to jest's moduleNameMapper, so there is one list.
const { compilerOptions } = require('../../tsconfig.base.json');

exports.pathsToModuleNameMapper = () => {
  const mapper = {};
  for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
    mapper[`^${alias.replace(/[/]/g, '\\/')}$`] = `<rootDir>/${target}`;
  }
  return mapper;
};
