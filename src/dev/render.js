// wxbot playground, drawing: messages as WeChat shows them, and the raw exchange under each.
// The DOM is built with textContent only: whatever the bot says is shown, never run.
'use strict';

const $ = (id) => document.getElementById(id);
const log = $('log');

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function scrollDown() { log.scrollTop = log.scrollHeight; }

// Only web links and the playground's own media become links or sources.
function safeUrl(url) {
  if (typeof url !== 'string') return null;
  return /^https?:\/\//i.test(url) || url.startsWith('/media/') ? url : null;
}

function link(className, url) {
  const a = el('a', className);
  const href = safeUrl(url);
  if (href) { a.href = href; a.target = '_blank'; a.rel = 'noopener noreferrer'; }
  return a;
}

// A message row; answers the column that details can be added to.
function row(side, body, label) {
  const line = el('div', `row ${side}`);
  line.append(el('div', 'avatar', side === 'me' ? 'Me' : 'W'));
  const column = el('div', 'column');
  if (label) column.append(el('div', 'label', label));
  column.append(body);
  line.append(column);
  log.append(line);
  scrollDown();
  return column;
}

function notice(text, kind) {
  const node = el('div', kind ? `notice ${kind}` : 'notice', text);
  log.append(node);
  scrollDown();
  return node;
}

function picture(url, className) {
  const img = el('img', className);
  img.alt = '';
  const src = safeUrl(url);
  if (src) img.src = src; else img.classList.add('broken');
  img.addEventListener('load', () => { img.classList.add('loaded'); scrollDown(); });
  img.addEventListener('error', () => img.classList.add('broken'));
  return img;
}

function player(tag, url) {
  const media = el(tag);
  media.controls = true;
  media.preload = 'metadata';
  const src = safeUrl(url);
  if (src) media.src = src;
  return media;
}

function card(className, url, title, description, extra) {
  const a = link(`card ${className}`, url);
  if (title) a.append(el('div', 'title', title));
  if (description) a.append(el('div', 'desc', description));
  if (extra) a.append(extra);
  return a;
}

function news(articles) {
  const box = el('div', 'news');
  articles.forEach((article, index) => {
    const a = link(index === 0 ? 'lead' : '', article.url);
    a.append(picture(article.pic_url, ''));
    const text = el('div', '');
    text.append(el('div', 'title', article.title));
    if (index > 0 && article.description) text.append(el('div', 'desc', article.description));
    a.append(text);
    box.append(a);
  });
  if (articles.length === 1 && articles[0].description) {
    box.append(el('div', 'desc card', articles[0].description));
  }
  return box;
}

// The bubble of a message that has one: a reply, a customer-service message, the user's own.
function bubble(view) {
  switch (view.kind) {
    case 'text': return el('div', 'bubble text', view.text);
    case 'image': {
      const box = el('div', 'bubble media');
      box.append(picture(view.url, 'media-image'));
      return box;
    }
    case 'voice': {
      const box = el('div', 'bubble voice');
      box.append(player('audio', view.url));
      if (/amr/i.test(view.format || '')) {
        const caption = el('div', 'caption', 'AMR voice, which browsers do not play: ');
        const download = link('', view.url);
        download.textContent = 'download';
        caption.append(download);
        box.append(caption);
      }
      return box;
    }
    case 'video': {
      const box = el('div', 'bubble video');
      box.append(player('video', view.url));
      const words = [view.title, view.description].filter(Boolean).join(' · ');
      if (words) box.append(el('div', 'caption', words));
      return box;
    }
    case 'music': return musicCard(view);
    case 'news': return news(view.articles || []);
    case 'location': {
      const map = el('div', 'map', '📍');
      return card('location', null, view.label || 'Location', `${view.x}, ${view.y}`, map);
    }
    case 'link': return card('link', view.url, view.title, view.description, el('div', 'url', view.url));
    case 'template': return templateCard(view);
    default: return null;
  }
}

// A template message as WeChat draws it: the title, the day, the fields in their colours
// (`first` and `remark` without a label), and a details link when it leads somewhere.
function templateCard(view) {
  const box = el('div', 'card template');
  box.append(el('div', 'title', view.title), el('div', 'date', new Date().toLocaleDateString()));
  for (const field of view.fields || []) {
    const line = el('div', 'field');
    if (field.key !== 'first' && field.key !== 'remark') line.append(el('span', 'key', `${field.key}:`));
    const value = el('span', 'value', field.value);
    if (/^#[0-9a-f]{6}$/i.test(field.color || '')) value.style.color = field.color;
    line.append(value);
    box.append(line);
  }
  if (view.title !== view.template_id) box.append(el('div', 'id', view.template_id));
  if (view.url || view.miniprogram) {
    const detail = link('detail', view.url);
    detail.textContent = view.miniprogram ? `details (mini program ${view.miniprogram})` : 'details';
    box.append(detail);
  }
  return box;
}

function musicCard(view) {
  const a = link('card music', view.hq_music_url || view.music_url);
  a.append(picture(view.thumb_url, ''));
  const text = el('div', '');
  text.append(el('div', 'title', view.title || 'Music'));
  if (view.description) text.append(el('div', 'desc', view.description));
  a.append(text, el('span', 'note', '♪'));
  return a;
}

// Shows a bot message: a bubble, or a notice for answers that have none.
function showBot(view, label) {
  const body = bubble(view);
  if (body) return row('bot', body, label);
  switch (view.kind) {
    case 'none': return notice('no reply (the bot answered “success”)');
    case 'transfer':
      return notice(`handed over to customer service${view.kf_account ? ` (${view.kf_account})` : ''}`);
    case 'unknown': return notice(`a ${view.msg_type} reply, which the playground does not draw`, 'warn');
    case 'failed': return notice(view.message, 'error');
    default: return notice(`unexpected answer: ${JSON.stringify(view)}`, 'error');
  }
}

// The raw exchange under an answer, folded away.
function details(sections, target) {
  const toggle = el('button', 'more-link', 'details');
  toggle.type = 'button';
  const box = el('div', 'details');
  box.hidden = true;
  for (const [title, text, className] of sections) {
    box.append(el('div', className || '', title));
    if (text !== null && text !== undefined) box.append(el('pre', '', text));
  }
  toggle.addEventListener('click', () => { box.hidden = !box.hidden; scrollDown(); });
  target.append(toggle, box);
}

function exchangeDetails(data, target) {
  // Each of WeChat's deliveries: how long it took, and its answer or WeChat giving up.
  const sections = data.attempts.map((attempt) => {
    const outcome = attempt.outcome || (attempt.status === null ? attempt.error : `HTTP ${attempt.status}`);
    const line = `delivery ${attempt.number} · ${attempt.latency_ms} ms · ${outcome}`;
    return [line, null, attempt.status === null ? 'attempt slow' : 'attempt'];
  });
  if (data.msg_id) sections.push([`MsgId ${data.msg_id}`, null]);
  const answered = data.attempts.find((attempt) => attempt.status !== null);
  const reply = answered ? pretty(answered.body) || '(empty body)' : '(none)';
  if (data.mode === 'plain') {
    sections.push([`POST ${data.request.url}`, pretty(data.request.xml), 'url']);
    sections.push(['reply', reply]);
  } else {
    // The ciphertext as it travelled, then what each side reads once it is opened.
    sections.push([`POST ${data.request.url} (${data.mode} mode)`, pretty(data.request.body), 'url']);
    sections.push(['request XML, decrypted', pretty(data.request.xml), 'decrypted']);
    sections.push([data.reply_xml ? 'reply, encrypted' : 'reply', reply]);
    if (data.reply_xml) sections.push(['reply XML, decrypted', pretty(data.reply_xml), 'decrypted']);
  }
  details(sections, target);
}

// One element a line; CDATA sections (the message's own text) are left exactly as sent.
function pretty(xml) {
  return xml
    .split(/(<!\[CDATA\[[\s\S]*?\]\]>)/)
    .map((part, index) => (index % 2 ? part : part.replace(/></g, '>\n<')))
    .join('');
}
