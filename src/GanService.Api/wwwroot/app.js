// GanService demo page: plain JS against the public API (no build step).
const $ = id => document.getElementById(id);
let models = [];

function status(text, isError = false) {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : 'muted';
}

async function problem(response) {
  try { const p = await response.json(); return `${response.status} ${p.title}: ${p.detail}`; }
  catch { return `${response.status} ${response.statusText}`; }
}

// API keys: when the server answers 401, ask for a key once, keep it for this tab (sessionStorage) and send it as
// X-Api-Key on every request, retrying the one that was refused.
const KEY_STORE = 'gan-api-key';
const nativeFetch = window.fetch.bind(window);
function withKey(init) {
  const key = sessionStorage.getItem(KEY_STORE);
  if (!key) return init;
  const headers = new Headers(init?.headers);
  headers.set('X-Api-Key', key);
  return { ...init, headers };
}
window.fetch = async (url, init) => {
  let response = await nativeFetch(url, withKey(init));
  if (response.status === 401) {
    const key = window.prompt('This server needs an API key (sent as X-Api-Key, kept for this tab only):');
    if (key) {
      sessionStorage.setItem(KEY_STORE, key.trim());
      response = await nativeFetch(url, withKey(init));
    }
  }
  return response;
};

function current() { return models.find(m => m.name === $('model').value); }

function fillSelect(select, labels) {
  select.replaceChildren(...labels.map((l, i) => new Option(l, String(i))));
}

function showModel() {
  const m = current();
  if (!m) return;
  $('model-info').textContent = `${m.family} · ${m.task} · ${m.image.width}×${m.image.height}` + (m.description ? ` — ${m.description}` : '');
  const translate = m.task === 'translate';
  $('translate-panel').hidden = !translate;
  $('generate-panel').hidden = translate;
  $('target-label').hidden = !m.capabilities.target;
  if (m.capabilities.target) fillSelect($('target'), m.labels);
  $('label-label').hidden = !m.capabilities.label;
  if (m.capabilities.label) fillSelect($('label'), m.labels);
  $('psi-label').hidden = !m.capabilities.psi;
  $('text-row').hidden = !m.capabilities.text;
  $('text-help').textContent = m.capabilities.text ? 'words outside the model\'s vocabulary are ignored (GET /models/' + m.name + ' lists them)' : '';
  // Manifest-declared controls (InfoGAN's code, c1, …): a select for a categorical one, a slider for a continuous one.
  $('controls').replaceChildren(...(m.capabilities.controls ?? []).map(c => {
    const label = document.createElement('label');
    label.title = c.description ?? '';
    let input;
    if (c.count != null) {
      input = document.createElement('select');
      fillSelect(input, Array.from({ length: c.count }, (_, i) => String(i)));
      input.value = String(c.default);
    } else {
      input = Object.assign(document.createElement('input'), { type: 'range', min: c.min, max: c.max, step: (c.max - c.min) / 40, value: c.default });
    }
    input.dataset.control = c.query;
    label.append(`${c.query} `, input);
    return label;
  }));
  $('encode-panel').hidden = !m.capabilities.encode;
}

async function loadModels() {
  const response = await fetch('/models');
  const body = await response.json();
  models = body.models.filter(m => m.status === 'ready');
  const failed = body.models.filter(m => m.status !== 'ready');
  $('model').replaceChildren(...models.map(m => new Option(`${m.name} (${m.task})`, m.name)));
  if (models.length === 0) status('No model loaded — put a model folder in models/ (see /readyz).', true);
  else status(`${models.length} model(s) on ${body.provider.active}` + (failed.length ? `; failed: ${failed.map(f => `${f.name} (${f.reason})`).join('; ')}` : ''));
  showModel();
}

// Sketch canvas: white background, draw with the pen colour.
const canvas = $('sketch');
const ctx = canvas.getContext('2d');
function clearCanvas() { ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, canvas.width, canvas.height); }
clearCanvas();
let drawing = false;
// Drawing after an upload draws over it; from then on the canvas (not the file) is what gets translated.
canvas.addEventListener('pointerdown', e => { drawing = true; $('upload').value = ''; ctx.beginPath(); ctx.moveTo(e.offsetX, e.offsetY); });
canvas.addEventListener('pointermove', e => {
  if (!drawing) return;
  // 7 px on the 256² canvas is ~1.8 px at the models' 64²: the stroke of OpenMoji line art (2 units of 72) that
  // sketch2emoji was trained on, and about the ~2 px outlines of the shapes pix2pix model.
  ctx.strokeStyle = $('pen').value; ctx.lineWidth = 7; ctx.lineCap = 'round'; ctx.lineJoin = 'round';
  ctx.lineTo(e.offsetX, e.offsetY); ctx.stroke();
});
window.addEventListener('pointerup', () => { drawing = false; });
$('clear').addEventListener('click', () => { $('upload').value = ''; clearCanvas(); });
$('upload').addEventListener('change', async () => {
  const file = $('upload').files[0];
  if (!file) return;
  const bitmap = await createImageBitmap(file);
  clearCanvas();
  const scale = Math.min(canvas.width / bitmap.width, canvas.height / bitmap.height);
  const w = bitmap.width * scale, h = bitmap.height * scale;
  ctx.drawImage(bitmap, (canvas.width - w) / 2, (canvas.height - h) / 2, w, h);
});

async function showImage(img, response) {
  if (!response.ok) { status(await problem(response), true); return false; }
  const blob = await response.blob();
  if (img.src.startsWith('blob:')) URL.revokeObjectURL(img.src);
  img.src = URL.createObjectURL(blob);
  status(`done (${blob.type}, ${blob.size} bytes)`);
  return true;
}

$('translate').addEventListener('click', async () => {
  const m = current();
  const file = $('upload').files[0];
  const blob = file ?? await new Promise(resolve => canvas.toBlob(resolve, 'image/png'));
  const form = new FormData();
  form.append('image', blob, 'sketch.png');
  const query = new URLSearchParams({ size: $('size').value });
  if (m.capabilities.target) query.set('target', $('target').value);
  status('translating…');
  await showImage($('translate-result'), await fetch(`/translate/${encodeURIComponent(m.name)}?${query}`, { method: 'POST', body: form }));
});

function generateQuery(extra) {
  const m = current();
  const query = new URLSearchParams({ model: m.name, ...extra });
  if (m.capabilities.psi) query.set('psi', $('psi').value);
  if (m.capabilities.label) query.set('label', $('label').value);
  if (m.capabilities.text) query.set('text', $('text').value);
  for (const input of $('controls').querySelectorAll('[data-control]')) query.set(input.dataset.control, input.value);
  return query;
}

$('generate').addEventListener('click', async () => {
  status('generating…');
  const query = generateQuery({ seed: $('seed').value, count: $('count').value });
  await showImage($('generate-result'), await fetch(`/generate?${query}`));
});
$('random').addEventListener('click', () => {
  $('seed').value = String(crypto.getRandomValues(new Uint32Array(1))[0]);
  $('generate').click();
});
$('interpolate').addEventListener('click', async () => {
  status('interpolating…');
  const query = generateQuery({ from: $('from').value, to: $('to').value, steps: $('steps').value });
  await showImage($('interpolate-result'), await fetch(`/interpolate?${query}`));
});
// Encoder models: the upload goes to POST /reconstruct (G(E(x)) as PNG) and POST /encode (E(x) as JSON).
$('encode-upload').addEventListener('change', () => {
  const file = $('encode-upload').files[0];
  if (!file) return;
  if ($('encode-input').src.startsWith('blob:')) URL.revokeObjectURL($('encode-input').src);
  $('encode-input').src = URL.createObjectURL(file);
});
$('reconstruct').addEventListener('click', async () => {
  const m = current();
  const file = $('encode-upload').files[0];
  if (!file) { status('choose an image to encode first', true); return; }
  const form = () => { const f = new FormData(); f.append('image', file, file.name); return f; };
  status('reconstructing…');
  if (!await showImage($('reconstruct-result'), await fetch(`/reconstruct/${encodeURIComponent(m.name)}`, { method: 'POST', body: form() }))) return;
  const encoded = await fetch(`/encode/${encodeURIComponent(m.name)}`, { method: 'POST', body: form() });
  if (!encoded.ok) { status(await problem(encoded), true); return; }
  const { latent } = await encoded.json();
  $('latent').textContent = `E(x) = [${latent.map(v => v.toFixed(2)).join(', ')}]`;
});
$('psi').addEventListener('input', () => { $('psi-value').textContent = $('psi').value; });
$('model').addEventListener('change', showModel);

loadModels().catch(e => status(`could not list models: ${e}`, true));
