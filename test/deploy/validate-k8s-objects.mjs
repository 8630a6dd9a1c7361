// Validates Kubernetes objects (a JSON array on stdin) against the API schemas of `kubernetes-models`, and
// prints one JSON line: the objects' problems. A separate process because the package is ESM-only, which
// jest's CommonJS runtime cannot load. An object whose kind the package does not know is a problem too.
import { readFileSync } from 'node:fs';

const objects = JSON.parse(readFileSync(0, 'utf8'));
const problems = [];
for (const object of objects) {
  const what = `${object.kind}/${object.metadata?.name}`;
  // core group: "v1" → kubernetes-models/v1; others: "apps/v1" → kubernetes-models/apps/v1
  let models;
  try {
    models = await import(`kubernetes-models/${object.apiVersion}`);
  } catch {
    problems.push({ object: what, problem: `no schema for apiVersion ${object.apiVersion}` });
    continue;
  }
  const Model = models[object.kind];
  if (typeof Model !== 'function') {
    problems.push({ object: what, problem: `no schema for kind ${object.kind} in ${object.apiVersion}` });
    continue;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push({ object: what, problem: error instanceof Error ? error.message : String(error) });
  }
}
process.stdout.write(`${JSON.stringify({ validated: objects.length, problems })}\n`);
