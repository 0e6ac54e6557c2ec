// count.mjs: reference token counts from the npm package gpt-tokenizer
// (cl100k_base), to check tests/bench/cl100k.c against.
// usage: node count.mjs NPM_PREFIX FILE
//   FILE holds NUL-separated records; prints one count per record.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [prefix, file] = process.argv.slice(2);
const mod = join(prefix, 'node_modules/gpt-tokenizer/esm/encoding/cl100k_base.js');
const { encode } = await import(pathToFileURL(mod).href);
const text = readFileSync(file, 'utf8');
let recs = text.split('\0');
if (recs.length && recs[recs.length - 1] === '') recs.pop();
const opts = { allowedSpecial: new Set(), disallowedSpecial: new Set() };
const out = recs.map((r) => encode(r, opts).length);
process.stdout.write(out.join('\n') + '\n');
