/**
 * How a model is named to a reader. Model ids are refs that `--model` accepts
 * again and often hold absolute paths (local models); reports and tables show
 * them relative to the working directory. results.json and junit.xml keep the
 * full id.
 */
export function modelLabel(id: string, cwd: string = process.cwd()): string {
  return id.split(`${cwd}/`).join('');
}
