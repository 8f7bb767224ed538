// wxbot playground: the WeChat user's side of the chat (render.js draws it).
//
// Every action is one POST to /api/send (files go to /api/media first, for a MediaId); the
// playground delivers it to the bot as WeChat would and answers with the rendered reply and
// the raw exchange. Customer-service and template messages arrive on the /api/events stream;
// the menu, QR scenes and template cards are platform.js's.
'use strict';

const settings = {
  cutoffMs: 5000, deliveries: 3, accountMode: 'compatible',
  lateReply: 'customer_service', accountKind: 'verified_service', deadlineMs: 4500,
};
const seen = new Set();

async function api(url, init) {
  let response;
  let data = {};
  try {
    response = await fetch(url, init);
    data = await response.json();
  } catch (err) {
    return { error: response ? `HTTP ${response.status}` : `the playground did not answer (${err.message})` };
  }
  return response.ok ? data : { error: data.error || `HTTP ${response.status}` };
}

// Sends one message and shows the answer; `mine` has already been shown.
async function deliver(message) {
  const waiting = el('div', 'bubble typing', '…');
  const column = row('bot', waiting);
  const started = Date.now();
  const timer = setInterval(() => {
    const elapsed = Date.now() - started;
    const delivery = Math.min(settings.deliveries, Math.floor(elapsed / settings.cutoffMs) + 1);
    waiting.textContent = delivery > 1
      ? `no answer within ${settings.cutoffMs / 1000} s: WeChat delivers again (${delivery} of ${settings.deliveries})`
      : `… ${(elapsed / 1000).toFixed(1)} s`;
  }, 200);
  const data = await api('/api/send', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mode: $('mode').value, user: $('user').value.trim(), message }),
  });
  clearInterval(timer);
  column.parentElement.remove();
  if (data.error) { notice(data.error, 'error'); return; }
  const retries = data.attempts.length - 1;
  if (retries > 0) {
    notice(`WeChat delivered this message ${data.attempts.length} times: no answer within ${settings.cutoffMs / 1000} s`, 'warn');
  }
  exchangeDetails(data, showBot(data.reply));
  lateHint(data);
}

// “success” at the bot's deadline: say where the reply, if there is one, will come from.
function lateHint(data) {
  const answered = data.attempts.find((attempt) => attempt.status !== null);
  if (data.reply.kind !== 'none' || !answered || answered.latency_ms < settings.deadlineMs) return;
  if (settings.lateReply !== 'customer_service') return;
  notice(settings.accountKind === 'verified_service'
    ? 'The bot answered “success” at its deadline: its reply, if any, comes through the customer-service API.'
    : 'The bot answered “success” at its deadline: customer service is refused on this account (48001), so its reply, if any, answers your next message.');
}

async function sendText() {
  const box = $('text');
  const content = box.value;
  if (!content.trim()) { box.focus(); return; }
  box.value = '';
  row('me', bubble({ kind: 'text', text: content }));
  await deliver({ type: 'text', content });
}

async function upload(kind, file, extra) {
  const url = `/api/media?kind=${kind}&name=${encodeURIComponent(file.name)}`;
  const data = await api(url, {
    method: 'POST',
    headers: { 'content-type': file.type || 'application/octet-stream' },
    body: file,
  });
  if (data.error) { notice(data.error, 'error'); return; }
  row('me', bubble(data.view));
  const message = Object.assign({ type: kind, media_id: data.media_id }, extra);
  if (kind === 'video') message.thumb_media_id = data.thumb_media_id;
  await deliver(message);
}

const ACCEPT = { image: '.jpg,.jpeg,image/jpeg', voice: '.amr,.mp3,audio/*', video: '.mp4,video/mp4' };

function pickFile(kind) {
  const input = $('file');
  input.accept = ACCEPT[kind];
  input.value = '';
  input.onchange = () => { if (input.files[0]) { closePanel(); upload(kind, input.files[0]); } };
  input.click();
}

// Forms of the + panel: fields [name, label, default], the message, what the user sees.
const FORMS = {
  voice: {
    title: 'Send a voice message (AMR or MP3)',
    fields: [['file', 'File', '', 'file'], ['recognition', 'Recognition (what WeChat heard, optional)', '']],
    send: (v, files) => files.file && upload('voice', files.file, v.recognition ? { recognition: v.recognition } : {}),
  },
  location: {
    title: 'Send a location',
    fields: [['x', 'Latitude', '23.134521'], ['y', 'Longitude', '113.358803'], ['scale', 'Scale', '15'], ['label', 'Label', 'Canton Tower, Guangzhou']],
    send: (v) => {
      row('me', bubble({ kind: 'location', x: v.x, y: v.y, label: v.label }));
      return deliver({ type: 'location', x: v.x, y: v.y, scale: Number(v.scale) || 15, label: v.label });
    },
  },
  link: {
    title: 'Share a link',
    fields: [['title', 'Title', 'wxbot'], ['description', 'Description', 'Typed WeChat bots in Rust'], ['url', 'URL', 'https://example.com/wxbot']],
    send: (v) => {
      row('me', bubble({ kind: 'link', title: v.title, description: v.description, url: v.url }));
      return deliver({ type: 'link', title: v.title, description: v.description, url: v.url });
    },
  },
  'subscribe-qr': {
    title: 'Follow by scanning a QR code',
    fields: [['scene', 'Scene', '42']],
    send: (v) => event(`You followed the account by scanning QR code “${v.scene}”`, { type: 'subscribe', scene: v.scene }),
  },
  scan: {
    title: 'Scan a QR code (as a follower)',
    fields: [['key', 'Scene', '42']],
    send: (v) => event(`You scanned QR code “${v.key}”`, { type: 'scan', key: v.key }),
  },
  click: {
    title: 'Click a menu button',
    fields: [['key', 'EventKey', 'V1001_TODAY_MUSIC']],
    send: (v) => event(`You clicked menu button “${v.key}”`, { type: 'click', key: v.key }),
  },
  view: {
    title: 'Open a menu link',
    fields: [['url', 'URL', 'https://example.com/menu']],
    send: (v) => event(`You opened menu link ${v.url}`, { type: 'view', url: v.url }),
  },
};

function event(text, message) {
  notice(text);
  return deliver(message);
}

let openForm = null;

function showForm(name) {
  const spec = FORMS[name];
  openForm = spec;
  $('form-title').textContent = spec.title;
  const fields = $('form-fields');
  fields.replaceChildren();
  for (const [key, label, value, type] of spec.fields) {
    const wrap = el('label', '', label);
    const input = el('input');
    input.name = key;
    input.type = type || 'text';
    if (type === 'file') input.accept = ACCEPT.voice; else input.value = value;
    wrap.append(input);
    fields.append(wrap);
  }
  $('form').hidden = false;
  fields.querySelector('input').focus();
}

function closePanel() {
  $('panel').hidden = true;
  $('form').hidden = true;
  openForm = null;
}

function onAction(action) {
  if (action === 'image' || action === 'video') { pickFile(action); return; }
  if (action === 'subscribe') { closePanel(); event('You followed the account', { type: 'subscribe' }); return; }
  if (action === 'unsubscribe') { closePanel(); event('You unfollowed the account', { type: 'unsubscribe' }); return; }
  showForm(action);
}

function listen() {
  const source = new EventSource('/api/events');
  source.addEventListener('custom', (message) => {
    let data;
    try { data = JSON.parse(message.data); } catch (err) { return; }
    if (seen.has(data.id)) return;
    seen.add(data.id);
    const target = showBot(data.view, 'customer service message');
    details([['POST /cgi-bin/message/custom/send', JSON.stringify(data.json, null, 2)]], target);
  });
  // Template messages: platform.js draws them.
  source.addEventListener('template', (message) => showTemplate(JSON.parse(message.data)));
}

// The bot's server.late_reply (read-only), and what it means on the account type picked.
function showLateReply() {
  const late = `A reply not ready within ${settings.deadlineMs / 1000} s`;
  let path;
  if (settings.lateReply === 'retries') {
    path = `${late} holds WeChat's deliveries and answers a later one (about 15 s in all); past that, the last gets the pending notice and the reply answers your next message.`;
  } else if (settings.accountKind === 'verified_service') {
    path = `${late}: “success” now, the reply through the customer-service API when ready.`;
  } else {
    path = `${late}: “success” now; customer service refuses it on this account (48001), so the reply answers your next message.`;
  }
  const box = $('late-reply');
  box.replaceChildren(el('code', '', `server.late_reply = "${settings.lateReply}"`), el('br'), path);
}

async function switchAccount() {
  const picker = $('account-kind');
  const data = await api('/api/account', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: picker.value }),
  });
  if (data.error) { notice(data.error, 'error'); picker.value = settings.accountKind; return; }
  settings.accountKind = data.account_kind;
  picker.value = data.account_kind;
  notice(data.customer_service
    ? 'The account is now a verified service account: the customer-service API is allowed.'
    : 'The account is now an unverified subscription account: customer-service sends and typing are refused with 48001.');
  showLateReply();
}

async function loadInfo() {
  const info = await api('/api/info');
  if (info.error) return;
  settings.cutoffMs = info.cutoff_ms;
  settings.deliveries = info.deliveries;
  if (!$('user').value) $('user').value = info.user;
  settings.accountMode = info.account_mode;
  if (info.account_mode === 'safe') $('mode').value = 'safe';
  settings.lateReply = info.late_reply;
  settings.accountKind = info.account_kind;
  settings.deadlineMs = info.reply_deadline_ms;
  $('account-kind').value = info.account_kind;
  showLateReply();
  showTitle(info.title, info.suggestions);
  const list = $('info');
  const rows = [
    ['callback', `POST ${info.callback}`],
    ['bot mode', info.account_mode === 'safe' ? 'safe: refuses plain' : 'compatible: answers all three'],
    ['AES key', info.key_made_up ? 'made up for the playground' : 'from the config'],
    ['account', info.account],
    ['appid', info.appid],
    ['WeChat API', `${info.api} (emulator)`],
    ['delivery', `${info.cutoff_ms / 1000} s cut-off, ${info.deliveries} deliveries`],
  ];
  for (const [term, value] of rows) list.append(el('dt', '', term), el('dd', '', value));
}

// The bot's name on the chat bar, and the messages it suggests: a click puts one in the box.
function showTitle(title, suggestions) {
  $('account').textContent = title;
  document.title = `${title} · wxbot playground`;
  const line = $('suggest');
  for (const text of suggestions) {
    const chip = el('button', 'chip', text);
    chip.type = 'button';
    chip.addEventListener('click', () => { $('text').value = text; $('text').focus(); });
    line.append(chip, ' ');
  }
  line.hidden = suggestions.length === 0;
}

$('mode').addEventListener('change', () => {
  const mode = $('mode').value;
  if (mode === 'plain' && settings.accountMode === 'safe') {
    notice('The account is in safe mode: the bot refuses plain messages with 403, as WeChat never sends one.', 'warn');
  } else {
    notice(`Messages now go in ${mode} mode${mode === 'plain' ? '' : ': encrypted, with the ciphertext in the details'}`);
  }
});
$('account-kind').addEventListener('change', switchAccount);
$('send').addEventListener('click', sendText);
$('text').addEventListener('keydown', (key) => {
  if (key.key === 'Enter' && !key.shiftKey && !key.isComposing) { key.preventDefault(); sendText(); }
});
$('more').addEventListener('click', () => {
  const panel = $('panel');
  panel.hidden = !panel.hidden;
  $('form').hidden = true;
});
for (const button of document.querySelectorAll('[data-action]')) {
  button.addEventListener('click', () => onAction(button.dataset.action));
}
$('form-cancel').addEventListener('click', () => { $('form').hidden = true; });
$('form').addEventListener('submit', (submit) => {
  submit.preventDefault();
  if (!openForm) return;
  const values = {};
  const files = {};
  for (const input of $('form-fields').querySelectorAll('input')) {
    if (input.type === 'file') files[input.name] = input.files[0]; else values[input.name] = input.value;
  }
  const spec = openForm;
  closePanel();
  spec.send(values, files);
});
loadInfo();
listen();
