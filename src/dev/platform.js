// wxbot playground, the platform around the chat: the account's menu under the chat as
// WeChat draws it (a keyboard toggle, up to three buttons, sub-menus popping up above the
// bar), each button sending the event WeChat's client sends; the scenes of the bot's QR codes
// offered in the QR forms; template message cards and their job reports. It uses chat.js's
// and render.js's functions (api, deliver, event, FORMS, showForm, showBot, details…).
'use strict';

let menuJson;
let openSubmenu = null;

// The menu WeChat's client would show: the emulator's pushed one, else the config's.
async function loadMenu() {
  const data = await api('/api/menu');
  if (data.error) return;
  const json = JSON.stringify(data.menu);
  if (json === menuJson) return;
  const first = menuJson === undefined;
  menuJson = json;
  drawMenu(data.menu ? data.menu.button || [] : [], data.source);
  if (!first) notice(data.menu ? `The account's menu changed (from the ${data.source})` : 'The account has no menu any more');
}

function drawMenu(buttons, source) {
  const bar = $('menu-buttons');
  bar.replaceChildren();
  closeSubmenu();
  for (const button of buttons) bar.append(menuSlot(button));
  bar.title = source === 'emulator' ? 'the menu pushed to the emulator' : 'the [menu] of the config';
  $('to-menu').hidden = buttons.length === 0;
  showMenuBar(buttons.length > 0);
}

// The menu bar or the keyboard, as WeChat's toggle on the left switches them.
function showMenuBar(show) {
  $('menubar').hidden = !show;
  $('keyboard').hidden = show;
  if (!show) closeSubmenu();
}

function menuSlot(button) {
  const slot = el('div', 'menu-slot');
  const subs = button.sub_button || [];
  const node = el('button', subs.length ? 'menu-button has-sub' : 'menu-button', button.name);
  node.type = 'button';
  node.addEventListener('click', (click) => {
    click.stopPropagation();
    if (subs.length) { toggleSubmenu(slot, subs); return; }
    closeSubmenu();
    press(button);
  });
  slot.append(node);
  return slot;
}

function toggleSubmenu(slot, subs) {
  const again = openSubmenu && openSubmenu.parentElement === slot;
  closeSubmenu();
  if (again) return;
  const pop = el('div', 'submenu');
  for (const sub of subs) {
    const item = el('button', 'submenu-item', sub.name);
    item.type = 'button';
    item.addEventListener('click', (click) => { click.stopPropagation(); closeSubmenu(); press(sub); });
    pop.append(item);
  }
  slot.append(pop);
  openSubmenu = pop;
}

function closeSubmenu() {
  if (openSubmenu) openSubmenu.remove();
  openSubmenu = null;
}

// What a tap sends: the event WeChat's client sends for the button's type.
function press(button) {
  const name = `menu button “${button.name}”`;
  const key = button.key;
  switch (button.type) {
    case 'click': return event(`You tapped ${name}`, { type: 'click', key });
    case 'view':
      return event(`You opened ${button.url} from ${name} (the playground opens nothing)`, { type: 'view', url: button.url });
    case 'miniprogram':
      return event(`You opened mini program ${button.appid} at ${button.pagepath} from ${name}`, { type: 'view_miniprogram', pagepath: button.pagepath });
    case 'scancode_push':
    case 'scancode_waitmsg':
      return menuForm({
        title: `Scan with ${name} (${button.type}): what the code holds`,
        fields: [['result', 'ScanResult', 'https://example.com/qr']],
        send: (v) => event(`You scanned “${v.result}” with ${name}`, { type: button.type, key, result: v.result }),
      });
    case 'pic_sysphoto':
    case 'pic_photo_or_album':
    case 'pic_weixin':
      return event(`You sent a picture with ${name} (${button.type})`, { type: button.type, key, md5: randomMd5() });
    case 'location_select':
      return menuForm({
        title: `Pick a place with ${name}`,
        fields: [['x', 'Latitude', '23.134521'], ['y', 'Longitude', '113.358803'], ['label', 'Label', 'Canton Tower, Guangzhou'], ['poiname', 'Place name', 'Canton Tower']],
        send: (v) => event(`You picked ${v.label || `${v.x}, ${v.y}`} with ${name}`, { type: 'location_select', key, x: v.x, y: v.y, label: v.label, poiname: v.poiname }),
      });
    default:
      notice(`${name} (${button.type}) shows its material or article: WeChat tells the bot nothing`);
      return null;
  }
}

// A form of the + panel for a menu button.
function menuForm(spec) {
  FORMS.menu = spec;
  $('panel').classList.add('menu-form');
  $('panel').hidden = false;
  showForm('menu');
}

function randomMd5() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

// The QR forms offer the scenes of the codes the bot made, newest first.
async function offerScenes() {
  const input = $('form-fields').querySelector('input');
  if (!input) return;
  input.setAttribute('list', 'qr-scenes');
  const data = await api('/api/qrcodes');
  if (data.error) return;
  const live = data.qr_codes.filter((code) => code.live);
  const list = $('qr-scenes');
  list.replaceChildren();
  for (const code of live) {
    const option = el('option');
    option.value = code.scene;
    option.label = code.expire_seconds ? `${code.action_name} · ${code.expire_seconds} s` : code.action_name;
    list.append(option);
  }
  if (live.length) input.value = live[0].scene;
}

// A template message the bot sent: its card, and the job report WeChat sends once delivered.
function showTemplate(data) {
  if (seen.has(data.id)) return;
  seen.add(data.id);
  const column = showBot(data.view, 'template message');
  const report = el('button', 'report', 'send TEMPLATESENDJOBFINISH');
  report.type = 'button';
  report.title = 'WeChat tells the bot the message was delivered';
  report.addEventListener('click', () => reportDelivered(data.view.msgid, report));
  column.append(report);
  details([['POST /cgi-bin/message/template/send', JSON.stringify(data.json, null, 2)]], column);
}

async function reportDelivered(msgid, button) {
  button.disabled = true;
  const data = await api('/api/template/finish', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ msgid, mode: $('mode').value }),
  });
  if (data.error) { notice(data.error, 'error'); button.disabled = false; return; }
  button.textContent = 'TEMPLATESENDJOBFINISH sent: success';
  const target = notice(`WeChat reported template message ${msgid} delivered (TEMPLATESENDJOBFINISH)`);
  exchangeDetails(data, data.reply.kind === 'none' ? target : showBot(data.reply));
}

$('to-keyboard').addEventListener('click', () => { showMenuBar(false); $('text').focus(); });
// The + button opens the whole panel again; a menu button's form closes with it.
$('more').addEventListener('click', () => $('panel').classList.remove('menu-form'));
$('form-cancel').addEventListener('click', () => {
  if ($('panel').classList.contains('menu-form')) closePanel();
});
$('to-menu').addEventListener('click', () => showMenuBar(true));
document.addEventListener('click', closeSubmenu);
for (const action of ['scan', 'subscribe-qr']) {
  // After chat.js's own listener has opened the form.
  document.querySelector(`[data-action='${action}']`).addEventListener('click', offerScenes);
}
window.addEventListener('focus', loadMenu);
setInterval(loadMenu, 3000);
loadMenu();
