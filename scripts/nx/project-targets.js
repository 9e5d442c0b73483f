// Local Nx plugin (nx.json "plugins"): every project, i.e. every folder with a project.json, gets the
// targets typecheck, lint and test. What they run, their inputs and caching are in nx.json
// "targetDefaults", so a new library needs only a project.json with name, tags and sourceRoot.
const { dirname } = require('node:path');

module.exports = {
  name: 'creditflow-project-targets',
  createNodes: [
    '**/project.json',
    (projectFiles) =>
      projectFiles.map((file) => [
        file,
        { projects: { [dirname(file)]: { targets: { typecheck: {}, lint: {}, test: {} } } } },
      ]),
  ],
};
