// The TypeScript client's types, generated from an OpenAPI document: node gen.mjs <openapi.json> <out.d.ts>.
// openapi-typescript's documented transform: `format: binary` (image bodies, multipart files, image responses) → Blob.
import fs from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';

const [spec, out] = process.argv.slice(2);
const blob = ts.factory.createTypeReferenceNode(ts.factory.createIdentifier('Blob'));
const ast = await openapiTS(JSON.parse(fs.readFileSync(spec, 'utf8')), {
  transform(schema) { return schema.format === 'binary' ? blob : undefined; },
});
fs.mkdirSync(new URL('.', `file://${process.cwd()}/${out}`), { recursive: true });
fs.writeFileSync(out, astToString(ast));
