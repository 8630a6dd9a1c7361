// Makes the package's bin entries (package.json "bin") executable after tsc wrote them, so `npm run build`
// leaves `dist/apps/cli/src/main.js` runnable as `daedalus` (its first line is `#!/usr/bin/env node`).
const { chmodSync, existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const { bin = {} } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
for (const [name, path] of Object.entries(bin)) {
  const file = join(root, path);
  if (!existsSync(file)) throw new Error(`bin ${name}: ${path} was not built`);
  if (!readFileSync(file, 'utf8').startsWith('#!/usr/bin/env node'))
    throw new Error(`bin ${name}: ${path} has no #!/usr/bin/env node line`);
  chmodSync(file, 0o755);
}
