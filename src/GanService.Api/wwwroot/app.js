// GanService web page: plain JS against the public API (no build step). It opens on a gallery of the loaded models;
// a tile opens the model's panel, which runs one example at once. The address holds the panel's state (model, and for
// generation the query: seed, ψ, label, text, count, controls), so a copied address shows the same image again.
const $ = id => document.getElementById(id);
let models = [];
let failed = [];

// ---- status and errors -------------------------------------------------------------------------------------------

function status(text, isError = false) {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : 'muted';
}

// A refused request as the problem's title and detail (RFC 9457), with Retry-After when the server sent one.
async function problem(response) {
  const retryAfter = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
  let text;
  try { const p = await response.json(); text = `${response.status} ${p.title}: ${p.detail}`; }
  catch { text = `${response.status} ${response.statusText}`; }
  return { text, retryAfter: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null };
}

// Retry-After: the panel's actions stay disabled, counting down, until the server said to come back.
let cooldownTimer = null;
function cooldown(message, seconds) {
  const buttons = [...document.querySelectorAll('#panel button.primary, #random, #interpolate, #reconstruct')];
  clearInterval(cooldownTimer);
  const until = Date.now() + seconds * 1000;
  const tick = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left <= 0) {
      clearInterval(cooldownTimer);
      buttons.forEach(b => { b.disabled = false; });
      status(`${message} — you can try again now.`, true);
      return;
    }
    buttons.forEach(b => { b.disabled = true; });
    status(`${message} — retry in ${left} s.`, true);
  };
  tick();
  cooldownTimer = setInterval(tick, 1000);
}

async function fail(response) {
  const p = await problem(response);
  if (p.retryAfter) cooldown(p.text, p.retryAfter);
  else status(p.text, true);
}

// ---- API keys ----------------------------------------------------------------------------------------------------
// When the server answers 401, ask for a key once, keep it for this tab (sessionStorage) and send it as X-Api-Key on
// every request, retrying the one that was refused. Images are fetched too (not <img src>), so they carry the key.
const KEY_STORE = 'gan-api-key';
const nativeFetch = window.fetch.bind(window);
function withKey(init) {
  const key = sessionStorage.getItem(KEY_STORE);
  if (!key) return init;
  const headers = new Headers(init?.headers);
  headers.set('X-Api-Key', key);
  return { ...init, headers };
}
let asking = null;
window.fetch = async (url, init) => {
  let response = await nativeFetch(url, withKey(init));
  if (response.status === 401) {
    // Several requests refused at once share one question.
    asking ??= Promise.resolve().then(() => {
      const key = window.prompt('This server needs an API key (sent as X-Api-Key, kept for this tab only):');
      if (key) sessionStorage.setItem(KEY_STORE, key.trim());
      return key;
    }).finally(() => { setTimeout(() => { asking = null; }, 0); });
    if (await asking) response = await nativeFetch(url, withKey(init));
  }
  return response;
};

async function imageUrl(url) {
  const response = await fetch(url);
  if (!response.ok) return null;
  return URL.createObjectURL(await response.blob());
}

// ---- the gallery -------------------------------------------------------------------------------------------------

// Groups in the order a person meets them; a task this page does not know yet gets a group of its own name.
const GROUPS = [
  { key: 'translate', title: 'Translate (image → image)' },
  { key: 'generate', title: 'Generate (seed → image)' },
  { key: 'text', title: 'Text to image' },
  { key: 'encode', title: 'Encode / reconstruct' },
  { key: 'upscale', title: 'Upscale' },
];
function groupOf(m) {
  if (m.task === 'translate' && (m.image?.outputScale ?? 1) > 1) return 'upscale';
  if (m.task === 'generate' && m.capabilities.text) return 'text';
  if (m.task === 'generate' && m.capabilities.encode) return 'encode';
  return m.task;
}
// A model exported for any size (image.sizeMultiple) runs an image at its own size: say so instead of one size.
const facts = m => `${m.family} · ${m.task} · ` + (m.image.sizeMultiple
  ? `any size (trained at ${m.image.width}×${m.image.height}${(m.image.outputScale ?? 1) > 1 ? `, output ×${m.image.outputScale}` : ''})`
  : `${m.image.width}×${m.image.height}`);

function renderGallery() {
  const keys = [...GROUPS.map(g => g.key), ...new Set(models.map(groupOf).filter(k => !GROUPS.some(g => g.key === k)))];
  const sections = [];
  for (const key of keys) {
    const members = models.filter(m => groupOf(m) === key);
    if (members.length === 0) continue;
    const section = document.createElement('section');
    section.className = 'group';
    const h = document.createElement('h3');
    h.id = `group-${key}`;
    h.textContent = GROUPS.find(g => g.key === key)?.title ?? key;
    const list = document.createElement('ul');
    list.className = 'tiles';
    list.setAttribute('aria-labelledby', h.id);
    list.append(...members.map(tile));
    section.append(h, list);
    sections.push(section);
  }
  if (failed.length) {
    const p = document.createElement('p');
    p.className = 'error small';
    p.textContent = `Not loaded: ${failed.map(f => `${f.name} (${f.reason})`).join('; ')}`;
    sections.push(p);
  }
  $('groups').replaceChildren(...sections);
}

function tile(m) {
  const li = document.createElement('li');
  const a = document.createElement('a');
  a.className = 'tile';
  a.href = `?model=${encodeURIComponent(m.name)}`;
  a.dataset.model = m.name;
  const frame = document.createElement('div');
  frame.className = 'tile-image';
  if (m.sampleUrl) {
    const img = document.createElement('img');
    img.alt = `Sample grid of ${m.name}` + (m.description ? `: ${m.description}` : '');
    imageUrl(m.sampleUrl).then(src => { if (src) img.src = src; });
    frame.append(img);
  } else {
    frame.append(Object.assign(document.createElement('span'), { className: 'muted', textContent: 'no sample image' }));
  }
  const name = Object.assign(document.createElement('strong'), { className: 'tile-name', textContent: m.name });
  const meta = Object.assign(document.createElement('span'), { className: 'tile-facts', textContent: facts(m) });
  const headlineText = m.headline ?? m.description ?? '';
  const headline = Object.assign(document.createElement('span'), { className: 'tile-headline', textContent: headlineText, title: headlineText });
  const licenceText = `Licence: ${m.license ?? 'unspecified'}`;
  const licence = Object.assign(document.createElement('span'), { className: 'tile-licence muted', textContent: licenceText, title: licenceText });
  a.append(frame, name, meta, headline, licence);
  a.addEventListener('click', e => {
    if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return; // a new tab gets the address
    e.preventDefault();
    history.pushState(null, '', a.href);
    route();
  });
  li.append(a);
  return li;
}

// ---- the panel ---------------------------------------------------------------------------------------------------

function current() { return models.find(m => m.name === $('model').value); }

function fillSelect(select, labels) {
  select.replaceChildren(...labels.map((l, i) => new Option(l, String(i))));
}

// pix2pix is the paired family whose inputs people draw (line art, outlines, label maps): its panel gets the pen.
const isSketchModel = m => m.family === 'pix2pix';

function showGallery() {
  $('gallery').hidden = false;
  $('panel').hidden = true;
  document.title = 'GanService';
}

let opened = null;
// `run`: false when a kept result of another model is shown again (nothing new is run).
async function openPanel(m, params, run = true) {
  $('gallery').hidden = true;
  $('panel').hidden = false;
  window.scrollTo(0, 0);
  document.title = `${m.name} · GanService`;
  $('model').value = m.name;
  $('panel-title').textContent = m.name;
  $('model-info').textContent = `${facts(m)} · licence ${m.license ?? 'unspecified'}` + (m.description ? ` — ${m.description}` : '');
  const translate = m.task === 'translate';
  $('translate-panel').hidden = !translate;
  $('generate-panel').hidden = translate;
  // size=native (the image's own size) exists only for models exported for any size, and is their default.
  const native = $('size').querySelector('option[value="native"]');
  native.hidden = native.disabled = !m.image?.sizeMultiple;
  $('size').value = m.image?.sizeMultiple ? 'native' : 'fit';
  $('target-label').hidden = !m.capabilities.target;
  if (m.capabilities.target) fillSelect($('target'), m.labels);
  $('label-label').hidden = !m.capabilities.label;
  if (m.capabilities.label) fillSelect($('label'), m.labels);
  $('psi-label').hidden = !m.capabilities.psi;
  $('text-row').hidden = !m.capabilities.text;
  $('text-help').textContent = m.capabilities.text ? `words outside the model's vocabulary are ignored (GET /models/${m.name} lists them)` : '';
  $('interpolate-box').hidden = !m.capabilities.interpolate;
  $('encode-panel').hidden = !m.capabilities.encode;
  $('pen-row').hidden = !isSketchModel(m);
  $('input-help').textContent = isSketchModel(m)
    ? 'Draw here, or drop, paste or upload an image.'
    : 'Drop, paste or upload an image, or pick an example.';
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
  for (const id of ['translate-result', 'generate-result', 'interpolate-result', 'encode-input', 'reconstruct-result']) clearImage($(id));
  $('translate-caption').textContent = 'Output';
  $('generate-caption').textContent = '';
  $('latent').textContent = '';
  inputBlob = null;
  encodeBlob = null;
  $('upload').value = '';
  $('encode-upload').value = '';
  clearCanvas();
  restoreParams(m, params);
  opened = m.name;
  loadCard(m);
  const examples = await loadExamples(m);
  if (opened !== m.name || !run) return;
  // A first result on arrival: the first example (translate), the address's or the default seed (generate).
  if (translate) {
    if (examples.length) await useExample(examples[0], 'translate');
    else status('Draw, drop, paste or upload an image, then Translate.');
  } else {
    await generate({ push: false });
    if (m.capabilities.encode && examples.length && opened === m.name) await useExample(examples[0], 'encode');
  }
}

// The address's values (a shared link) into the controls; an absent value keeps the control's default.
function restoreParams(m, params) {
  const set = (id, name) => { if (params.has(name)) $(id).value = params.get(name); };
  set('seed', 'seed'); set('count', 'count'); set('psi', 'psi'); set('text', 'text');
  if (m.capabilities.label) set('label', 'label');
  if (m.capabilities.target) set('target', 'target');
  if (!params.has('seed')) $('seed').value = '42';
  // Multi-domain translators open on their second domain: shapes-recolor-stargan's first domain (blue) is its first
  // example's own colour, and a first result should show a change.
  if (m.capabilities.target && !params.has('target')) $('target').value = m.labels.length > 1 ? '1' : '0';
  if (!params.has('count')) $('count').value = '1';
  $('psi-value').textContent = $('psi').value;
  for (const input of $('controls').querySelectorAll('[data-control]'))
    if (params.has(input.dataset.control)) input.value = params.get(input.dataset.control);
}

async function loadCard(m) {
  $('card-body').replaceChildren();
  $('card-sample-box').hidden = !m.sampleUrl;
  clearImage($('card-sample'));
  if (m.sampleUrl) {
    $('card-sample').alt = `Sample grid of ${m.name}`;
    const src = await imageUrl(m.sampleUrl);
    if (src && opened === m.name) $('card-sample').src = src;
  }
  if (!m.cardUrl) { $('card-body').textContent = 'This model has no card.'; return; }
  const response = await fetch(m.cardUrl);
  // The server renders card.md with raw HTML escaped and only http(s)/mailto links (GET /models/{name}/card).
  if (response.ok && opened === m.name) $('card-body').innerHTML = await response.text();
}

async function loadExamples(m) {
  const lists = [$('examples'), $('encode-examples')];
  lists.forEach(l => l.replaceChildren());
  $('examples-box').hidden = true;
  if (!m.examplesUrl) return [];
  const response = await fetch(m.examplesUrl);
  if (!response.ok) { await fail(response); return []; }
  const { examples } = await response.json();
  const target = m.task === 'translate' ? $('examples') : $('encode-examples');
  const use = m.task === 'translate' ? 'translate' : 'encode';
  target.replaceChildren(...examples.map(e => {
    const li = document.createElement('li');
    const button = Object.assign(document.createElement('button'), { type: 'button', className: 'example' });
    button.dataset.example = e.name;
    const img = Object.assign(document.createElement('img'), { alt: `example ${e.name}` });
    imageUrl(e.url).then(src => { if (src) img.src = src; });
    button.append(img);
    button.addEventListener('click', () => useExample(e, use));
    li.append(button);
    return li;
  }));
  $('examples-box').hidden = m.task !== 'translate' || examples.length === 0;
  return examples;
}

async function useExample(example, use) {
  const response = await fetch(example.url);
  if (!response.ok) { await fail(response); return; }
  const blob = await response.blob();
  const file = new File([blob], example.name, { type: 'image/png' });
  if (use === 'translate') await takeInput(file);
  else await takeEncodeInput(file);
}

// ---- results: enlarged, captioned, kept ----------------------------------------------------------------------------

function clearImage(img) {
  if (img.src.startsWith('blob:') && !historyUrls.has(img.src)) URL.revokeObjectURL(img.src);
  img.removeAttribute('src');
  img.style.width = '';
}

// Nearest-neighbour enlargement by a whole factor up to about `room` pixels wide, and the true size said.
async function showBlob(img, blob, alt, caption, room = 256) {
  const src = URL.createObjectURL(blob);
  if (img.src.startsWith('blob:') && !historyUrls.has(img.src)) URL.revokeObjectURL(img.src);
  img.alt = alt;
  img.src = src;
  await img.decode().catch(() => {});
  const scale = Math.max(1, Math.floor(room / Math.max(img.naturalWidth, img.naturalHeight, 1)));
  img.style.width = `${img.naturalWidth * scale}px`;
  if (caption) caption.textContent = `${img.naturalWidth}×${img.naturalHeight} px, shown ×${scale} (nearest neighbour)`;
  return src;
}

// The session's results with their parameters; each can be shown again and downloaded.
const historyUrls = new Set();
const HISTORY_MAX = 24;
function remember(entry) {
  historyUrls.add(entry.src);
  const li = document.createElement('li');
  const button = Object.assign(document.createElement('button'), { type: 'button', title: entry.label });
  const img = Object.assign(document.createElement('img'), { src: entry.src, alt: entry.alt });
  const caption = Object.assign(document.createElement('span'), { textContent: entry.label });
  button.append(img, caption);
  button.addEventListener('click', () => showEntry(entry));
  li.append(button);
  $('history').prepend(li);
  while ($('history').children.length > HISTORY_MAX) {
    const last = $('history').lastElementChild;
    const src = last.querySelector('img').src;
    historyUrls.delete(src);
    URL.revokeObjectURL(src);
    last.remove();
  }
  $('history-box').hidden = false;
  offerDownload(entry);
}

function offerDownload(entry) {
  $('keep-row').hidden = false;
  $('download').href = entry.src;
  $('download').download = entry.file;
  $('download').setAttribute('aria-label', `Download ${entry.file}`);
  $('copy-link').hidden = !entry.query;
  $('link-note').textContent = entry.query ? 'the address restores this image' : '';
}

async function showEntry(entry) {
  if (entry.model !== opened) {
    history.pushState(null, '', entry.query ? `?${entry.query}` : `?model=${encodeURIComponent(entry.model)}`);
    await route({ run: false });
  } else if (entry.query) {
    history.replaceState(null, '', `?${entry.query}`);
  }
  const img = entry.kind === 'translate' ? $('translate-result') : $('generate-result');
  const caption = entry.kind === 'translate' ? $('translate-caption') : $('generate-caption');
  img.alt = entry.alt;
  img.src = entry.src;
  await img.decode().catch(() => {});
  const scale = Math.max(1, Math.floor(256 / Math.max(img.naturalWidth, img.naturalHeight, 1)));
  img.style.width = `${img.naturalWidth * scale}px`;
  caption.textContent = `${img.naturalWidth}×${img.naturalHeight} px, shown ×${scale} (nearest neighbour)`;
  offerDownload(entry);
}

$('copy-link').addEventListener('click', async () => {
  try { await navigator.clipboard.writeText(location.href); status('link copied'); }
  catch { status(`copy this address: ${location.href}`); }
});

// ---- translate: input as people have it --------------------------------------------------------------------------

// The input canvas shows what will be sent: an uploaded, dropped, pasted or example image (sent as it is), or a drawing.
const canvas = $('sketch');
const ctx = canvas.getContext('2d');
let inputBlob = null;
let inputName = 'drawing';
function clearCanvas() { ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, canvas.width, canvas.height); }
clearCanvas();

async function takeInput(file) {
  if (!file || !file.type.startsWith('image/')) { status('that is not an image (PNG, JPEG or WebP)', true); return; }
  let bitmap;
  try { bitmap = await createImageBitmap(file); }
  catch { inputBlob = file; inputName = file.name || 'image'; await translate(); return; } // the server says why (422)
  clearCanvas();
  const scale = Math.min(canvas.width / bitmap.width, canvas.height / bitmap.height);
  const w = bitmap.width * scale, h = bitmap.height * scale;
  ctx.imageSmoothingEnabled = false; // small inputs (64² examples) shown as their pixels
  ctx.drawImage(bitmap, (canvas.width - w) / 2, (canvas.height - h) / 2, w, h);
  inputBlob = file;
  inputName = file.name || 'image';
  $('input-help').textContent = `${inputName}: ${bitmap.width}×${bitmap.height} px`;
  await translate();
}

// Pointer position in canvas pixels (the canvas may be drawn smaller than 256² at phone width).
const at = e => [e.offsetX * canvas.width / canvas.clientWidth, e.offsetY * canvas.height / canvas.clientHeight];
let drawing = false;
canvas.addEventListener('pointerdown', e => {
  if (!isSketchModel(current())) return;
  if (inputBlob) { inputBlob = null; $('upload').value = ''; } // drawing over an image: the canvas is what gets sent
  inputName = 'drawing';
  drawing = true;
  ctx.beginPath(); ctx.moveTo(...at(e));
});
canvas.addEventListener('pointermove', e => {
  if (!drawing) return;
  // 7 px on the 256² canvas is ~1.8 px at the models' 64²: the stroke of OpenMoji line art (2 units of 72) that
  // sketch2emoji was trained on, and about the ~2 px outlines of the shapes pix2pix model.
  ctx.strokeStyle = $('pen').value; ctx.lineWidth = 7; ctx.lineCap = 'round'; ctx.lineJoin = 'round';
  ctx.lineTo(...at(e)); ctx.stroke();
});
window.addEventListener('pointerup', () => { drawing = false; });
$('clear').addEventListener('click', () => { inputBlob = null; $('upload').value = ''; clearCanvas(); $('input-help').textContent = 'Draw here, or drop, paste or upload an image.'; });
$('upload').addEventListener('change', () => takeInput($('upload').files[0]));

// Drag and drop onto the canvas (or anywhere on the translate card), and paste anywhere while a translate panel is open.
const dropZone = $('translate-panel');
dropZone.addEventListener('dragover', e => { e.preventDefault(); dropZone.classList.add('dragging'); });
dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dragging'));
dropZone.addEventListener('drop', e => {
  e.preventDefault();
  dropZone.classList.remove('dragging');
  const file = [...(e.dataTransfer?.files ?? [])].find(f => f.type.startsWith('image/'));
  if (file) takeInput(file); else status('drop an image file (PNG, JPEG or WebP)', true);
});
document.addEventListener('paste', e => {
  const file = [...(e.clipboardData?.files ?? [])].find(f => f.type.startsWith('image/'));
  if (!file || $('panel').hidden) return;
  e.preventDefault();
  if (!$('translate-panel').hidden) takeInput(file);
  else if (!$('encode-panel').hidden) takeEncodeInput(file);
});

async function translate() {
  const m = current();
  const blob = inputBlob ?? await new Promise(resolve => canvas.toBlob(resolve, 'image/png'));
  const form = new FormData();
  form.append('image', blob, inputBlob?.name || 'sketch.png');
  const query = new URLSearchParams({ size: $('size').value });
  if (m.capabilities.target) query.set('target', $('target').value);
  status('translating…');
  const response = await fetch(`/translate/${encodeURIComponent(m.name)}?${query}`, { method: 'POST', body: form });
  if (!response.ok) { await fail(response); return; }
  const result = await response.blob();
  if (opened !== m.name) return;
  const target = m.capabilities.target ? m.labels[Number($('target').value)] : null;
  const alt = `${m.name} output for ${inputName}` + (target ? `, target ${target}` : '');
  const src = await showBlob($('translate-result'), result, alt, $('translate-caption'));
  const params = [inputName, target && `target ${target}`, $('size').value].filter(Boolean).join(' · ');
  // The address keeps the model and target (an upload cannot travel in a link).
  const address = new URLSearchParams({ model: m.name });
  if (target) address.set('target', $('target').value);
  history.replaceState(null, '', `?${address}`);
  remember({ kind: 'translate', model: m.name, src, alt, label: `${m.name}: ${params}`, file: `${m.name}-${stem(inputName)}.png`, query: null });
  status(`done (${result.type}, ${result.size} bytes)`);
}
$('translate').addEventListener('click', translate);

const stem = name => name.replace(/\.[a-z]+$/i, '').replace(/[^A-Za-z0-9_-]+/g, '-');

// ---- generate, interpolate, encode -------------------------------------------------------------------------------

// The query of GET /generate and of the page's address alike, so that address restores the same bytes.
function generateQuery(extra) {
  const m = current();
  const query = new URLSearchParams({ model: m.name, ...extra });
  if (m.capabilities.psi) query.set('psi', $('psi').value);
  if (m.capabilities.label) query.set('label', $('label').value);
  if (m.capabilities.text) query.set('text', $('text').value);
  for (const input of $('controls').querySelectorAll('[data-control]')) query.set(input.dataset.control, input.value);
  return query;
}

function describe(m, query) {
  const parts = [`seed ${query.get('seed')}`];
  if (query.get('count') !== '1') parts.push(`count ${query.get('count')}`);
  if (query.has('psi')) parts.push(`ψ ${query.get('psi')}`);
  if (query.has('label')) parts.push(`label ${m.labels[Number(query.get('label'))] ?? query.get('label')}`);
  if (query.has('text')) parts.push(`text "${query.get('text')}"`);
  for (const c of m.capabilities.controls ?? []) if (query.has(c.query)) parts.push(`${c.query} ${query.get(c.query)}`);
  return parts.join(', ');
}

async function generate({ push = true } = {}) {
  const m = current();
  const query = generateQuery({ seed: $('seed').value, count: $('count').value });
  status('generating…');
  const response = await fetch(`/generate?${query}`);
  if (!response.ok) { await fail(response); return; }
  const result = await response.blob();
  if (opened !== m.name) return;
  const params = describe(m, query);
  const alt = `${m.name} output, ${params}`;
  const src = await showBlob($('generate-result'), result, alt, $('generate-caption'), Number(query.get('count')) > 1 ? 512 : 256);
  if (push && location.search !== `?${query}`) history.pushState(null, '', `?${query}`);
  else history.replaceState(null, '', `?${query}`);
  remember({ kind: 'generate', model: m.name, src, alt, label: `${m.name}: ${params}`, file: `${m.name}-seed${query.get('seed')}.png`, query: query.toString() });
  status(`done (${result.type}, ${result.size} bytes)`);
}
$('generate').addEventListener('click', () => generate());
$('random').addEventListener('click', () => {
  $('seed').value = String(crypto.getRandomValues(new Uint32Array(1))[0]);
  generate();
});
$('interpolate').addEventListener('click', async () => {
  const m = current();
  status('interpolating…');
  const query = generateQuery({ from: $('from').value, to: $('to').value, steps: $('steps').value });
  const response = await fetch(`/interpolate?${query}`);
  if (!response.ok) { await fail(response); return; }
  const blob = await response.blob();
  await showBlob($('interpolate-result'), blob, `${m.name}: interpolation from seed ${query.get('from')} to ${query.get('to')} in ${query.get('steps')} steps`, null, 1024);
  status(`done (${blob.type}, ${blob.size} bytes)`);
});

// Encoder models: the image goes to POST /reconstruct (G(E(x)) as PNG) and POST /encode (E(x) as JSON).
let encodeBlob = null;
async function takeEncodeInput(file) {
  encodeBlob = file;
  await showBlob($('encode-input'), file, `input ${file.name}`, null, 128);
  await reconstruct();
}
$('encode-upload').addEventListener('change', () => { const f = $('encode-upload').files[0]; if (f) takeEncodeInput(f); });
async function reconstruct() {
  const m = current();
  if (!encodeBlob) { status('choose an image to encode first', true); return; }
  const form = () => { const f = new FormData(); f.append('image', encodeBlob, encodeBlob.name || 'image.png'); return f; };
  status('reconstructing…');
  const response = await fetch(`/reconstruct/${encodeURIComponent(m.name)}`, { method: 'POST', body: form() });
  if (!response.ok) { await fail(response); return; }
  await showBlob($('reconstruct-result'), await response.blob(), `${m.name} reconstruction G(E(x)) of ${encodeBlob.name}`, null, 128);
  const encoded = await fetch(`/encode/${encodeURIComponent(m.name)}`, { method: 'POST', body: form() });
  if (!encoded.ok) { await fail(encoded); return; }
  const { latent } = await encoded.json();
  $('latent').textContent = `E(x) = [${latent.map(v => v.toFixed(2)).join(', ')}]`;
  status('done (reconstruction and E(x))');
}
$('reconstruct').addEventListener('click', reconstruct);
$('psi').addEventListener('input', () => { $('psi-value').textContent = $('psi').value; });

// ---- navigation --------------------------------------------------------------------------------------------------

$('model').addEventListener('change', () => {
  history.pushState(null, '', `?model=${encodeURIComponent($('model').value)}`);
  route();
});
for (const id of ['back', 'home']) $(id).addEventListener('click', e => {
  e.preventDefault();
  history.pushState(null, '', location.pathname);
  route();
});
window.addEventListener('popstate', () => route());

async function route({ run = true } = {}) {
  const params = new URLSearchParams(location.search);
  const name = params.get('model');
  const m = models.find(x => x.name === name);
  if (!name) { opened = null; showGallery(); return; }
  if (!m) { opened = null; showGallery(); status(`no model '${name}' is loaded; pick one below`, true); return; }
  await openPanel(m, params, run);
}

async function loadModels() {
  const response = await fetch('/models');
  if (!response.ok) { await fail(response); return; }
  const body = await response.json();
  models = body.models.filter(m => m.status === 'ready');
  failed = body.models.filter(m => m.status !== 'ready');
  $('model').replaceChildren(...models.map(m => new Option(`${m.name} (${m.task})`, m.name)));
  if (models.length === 0) status('No model loaded — put a model folder in models/ (see /readyz).', true);
  else status(`${models.length} model(s) on ${body.provider.active}` + (failed.length ? `; failed: ${failed.map(f => `${f.name} (${f.reason})`).join('; ')}` : ''));
  renderGallery();
  await route();
}

loadModels().catch(e => status(`could not list models: ${e}`, true));
