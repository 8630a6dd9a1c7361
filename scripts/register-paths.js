// Lets ts-node (benchmarks, scripts) resolve the @daedalus/* path aliases of tsconfig.json the way
// jest's moduleNameMapper and tsc-alias do: @daedalus/<lib>[/sub] → libs/<lib>/src[/sub].
const Module = require('node:module');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const match = /^@daedalus\/([a-z-]+)(\/.*)?$/.exec(request);
  if (match) request = path.join(root, 'libs', match[1], 'src', match[2] ?? '');
  return resolve.call(this, request, ...rest);
};
