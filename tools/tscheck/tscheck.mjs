// What the offline schema checks share (tools/drone-schema, observability/grafana/schema-check):
// each writes every input twice into a generated TypeScript file, once typed by a published
// schema and once by Tandem's own stricter types, runs `tsc --noEmit --strict` over the lot and
// maps each error back to its input. Node's standard library only.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

// Parses `--modules DIR --work DIR FILE...`; exits 2 with the usage line on anything else.
export function parseArgs(tool, usageLine, noFiles) {
  const usage = (message) => {
    console.error(`${tool}: ${message}`);
    console.error(`usage: ${usageLine}`);
    process.exit(2);
  };
  const args = process.argv.slice(2);
  let modules = null;
  let work = null;
  const files = [];
  while (args.length > 0) {
    const arg = args.shift();
    if (arg === '--modules') modules = args.shift();
    else if (arg === '--work') work = args.shift();
    else if (arg.startsWith('--')) usage(`unknown option ${arg}`);
    else files.push(arg);
  }
  if (!modules || !work) usage('--modules and --work are required');
  if (files.length === 0) usage(noFiles);
  modules = resolve(modules);
  if (!existsSync(join(modules, 'typescript', 'bin', 'tsc'))) usage(`no typescript in ${modules}`);
  return { modules, work: resolve(work), files, usage };
}

export const packageVersion = (modules, name) =>
  JSON.parse(readFileSync(join(modules, name, 'package.json'), 'utf8')).version;

// Writes <work>/<name>.ts: the head lines, `text` as the first declaration's value, then
// `secondDecl` with `text` again. Returns the line numbers where each copy of `text` starts.
export function writeTwice(work, name, head, text, secondDecl) {
  const first = head.length + 1;
  const second = first + text.split('\n').length + 1;
  writeFileSync(join(work, `${name}.ts`), [...head, `${text};`, secondDecl, `${text};`, ''].join('\n'));
  return [first, second];
}

// Copies the checker's tsconfig.json and type files beside the generated ones and runs tsc.
// `locate(match, copy, line)` turns an error in a generated file into the message to print (copy
// 0 or 1: which declaration; line: the line inside `text`); other tsc output is printed as is.
// Returns tsc's exit status and the number of errors it reported.
export function typeCheck({ here, work, modules, typeFiles, pattern, sources, locate }) {
  for (const file of ['tsconfig.json', ...typeFiles]) copyFileSync(join(here, file), join(work, file));
  if (!existsSync(join(work, 'node_modules'))) symlinkSync(modules, join(work, 'node_modules'), 'dir');
  const tsc = join(modules, 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(work, 'tsconfig.json'), '--noEmit', '--strict', '--pretty', 'false'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;

  // <generated>.ts(L,C): error TS...  ->  locate(...)
  const located = new RegExp(`^(?:.*[\\\\/])?(${pattern}\\.ts)\\((\\d+),(\\d+)\\): (.*)$`);
  const output = `${result.stdout}${result.stderr}`.split('\n').filter((line) => line.trim() !== '');
  let errors = 0;
  for (const line of output) {
    const match = located.exec(line);
    const source = match && sources.get(match[1]);
    if (source) {
      errors += 1;
      const at = Number(match[2]);
      const copy = at >= source.starts[1] ? 1 : 0;
      console.error(locate(source, copy, at - source.starts[copy], match[3], match[4]));
    } else {
      if (/error TS\d+/.test(line)) errors += 1;
      console.error(line);
    }
  }
  return { status: result.status, errors };
}
