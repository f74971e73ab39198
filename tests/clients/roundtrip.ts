// The generated TypeScript client (openapi-typescript types + openapi-fetch) against the running service:
// node out/js/roundtrip.js BASE_URL API_KEY. Exit 0 and "round trip ok" when every call gave what the spec says.
import createClient from 'openapi-fetch';
import type { components, paths } from './gen/api.js';

type Problem = components['schemas']['ProblemDetails'];
declare const process: { argv: string[] }; // Node's, without @types/node

const [baseUrl, apiKey] = process.argv.slice(2);
const api = createClient<paths>({ baseUrl, headers: { 'X-Api-Key': apiKey } });
const PNG = [0x89, 0x50, 0x4e, 0x47];

function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`failed: ${what}`);
}

async function isImage(blob: unknown, type: string, what: string): Promise<Uint8Array> {
  check(blob instanceof Blob, `${what}: a body`);
  check(blob.type === type, `${what}: ${type}, got ${blob.type}`);
  return new Uint8Array(await blob.arrayBuffer());
}

function problem(error: Problem | undefined, status: number, what: string): Problem {
  check(error && error.status === status && typeof error.title === 'string' && typeof error.detail === 'string', `${what}: a ${status} problem, got ${JSON.stringify(error)}`);
  return error;
}

// The request body as the operation declares it: a raw image (Blob) or the multipart fields.
const serialize = (body: Blob | Record<string, Blob>) => {
  if (body instanceof Blob) return body;
  const form = new FormData();
  for (const [name, blob] of Object.entries(body)) form.append(name, blob, `${name}.png`);
  return form;
};

// The model list.
const list = await api.GET('/models');
check(list.data, `GET /models: ${JSON.stringify(list.error)}`);
const names = (list.data.models ?? []).map(m => m.name);
for (const wanted of ['sketch', 'dcgan', 'encoder']) check(names.includes(wanted), `GET /models lists ${wanted}: ${names}`);

// A PNG to send: the service's own model sample.
const sample = await api.GET('/models/{name}/sample.png', { params: { path: { name: 'sketch' } }, parseAs: 'blob' });
await isImage(sample.data, 'image/png', 'sample.png');
const image = sample.data as Blob;

// Translate, multipart.
const viaForm = await api.POST('/translate/{model}', {
  params: { path: { model: 'sketch' } }, body: { image }, bodySerializer: serialize, parseAs: 'blob',
});
check(Array.from((await isImage(viaForm.data, 'image/png', 'translate multipart')).slice(0, 4)).join() === PNG.join(), 'translate multipart: PNG bytes');

// Translate, raw body, JPEG by Accept.
const viaRaw = await api.POST('/translate/{model}', {
  params: { path: { model: 'sketch' } }, body: image, bodySerializer: serialize,
  headers: { 'Content-Type': 'image/png', Accept: 'image/jpeg' }, parseAs: 'blob',
});
await isImage(viaRaw.data, 'image/jpeg', 'translate raw');

// Generate: WebP by Accept.
const generated = await api.GET('/generate', { params: { query: { model: 'dcgan', seed: '7' } }, headers: { Accept: 'image/webp' }, parseAs: 'blob' });
await isImage(generated.data, 'image/webp', 'generate');

// Interpolate.
const strip = await api.GET('/interpolate', { params: { query: { model: 'dcgan', from: '1', to: '2', steps: '3' } }, parseAs: 'blob' });
await isImage(strip.data, 'image/png', 'interpolate');

// Encode: the JSON answer, typed.
const encoded = await api.POST('/encode/{model}', { params: { path: { model: 'encoder' } }, body: { image }, bodySerializer: serialize });
check(encoded.data && encoded.data.model === 'encoder' && encoded.data.latent?.length === 8, `encode: ${JSON.stringify(encoded.error ?? encoded.data)}`);

// Errors: problem+json parsed into the typed ProblemDetails.
const unknown = await api.GET('/generate', { params: { query: { model: 'no-such-model' } }, parseAs: 'blob' });
problem(unknown.error as Problem | undefined, 404, 'unknown model');
const noEncoder = await api.POST('/encode/{model}', { params: { path: { model: 'dcgan' } }, body: { image }, bodySerializer: serialize });
problem(noEncoder.error, 400, 'encode without an encoder graph');
const anonymous = createClient<paths>({ baseUrl });
const refused = await anonymous.GET('/models');
problem(refused.error as Problem | undefined, 401, 'no API key');

console.log('round trip ok');
