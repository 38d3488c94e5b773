// The zos web console. Everything shown is built with DOM calls and textContent (never HTML from data);
// state comes from /api/events, actions go to POST /api/animas/NAME/ACTION with the session's CSRF token.
import RFB from './novnc/core/rfb.js';

const $ = (id) => document.getElementById(id);
const state = { csrf: null, host: null, user: null, animas: [], hosts: [], moves: [], runs: new Map(), rfb: null };

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
  return e;
}

function svg(tag, attrs = {}) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

const mib = (b) => b == null ? '–' : b >= 1073741824 ? (b / 1073741824).toFixed(2) + ' GiB' : (b / 1048576).toFixed(1) + ' MiB';
const secs = (s) => s == null ? '–' : s < 60 ? s.toFixed(1) + ' s' : Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s';

function showError(text) {
  $('error-text').textContent = text;
  $('error').hidden = false;
}

async function api(method, path, body) {
  const opts = { method, credentials: 'same-origin', headers: {} };
  if (method !== 'GET') opts.headers['X-CSRF-Token'] = state.csrf;
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(path, opts);
  const json = await r.json().catch(() => ({}));
  if (!r.ok) {
    const err = new Error(json.message ? json.message + (json.hint ? '; ' + json.hint : '') : r.status + ' ' + r.statusText);
    err.status = r.status;
    throw err;
  }
  return json;
}

// ---- actions -------------------------------------------------------------------------------------------

const ACTIONS = [
  ['start', (a) => a.state === 'shut off' && !a.savedAt],
  ['resume', (a) => a.state === 'suspended' || (a.state === 'shut off' && a.savedAt) || a.state === 'paused'],
  ['suspend', (a) => a.state === 'running'],
  ['shutdown', (a) => a.state === 'running'],
  ['dominate', (a) => a.state === 'running' && a.location === state.host],
  ['return', (a) => a.location !== a.home],
  ['cancel', (a) => state.runs.has(a.name) && !state.runs.get(a.name).ended],
];

async function act(anima, action, body) {
  const what = action === 'dominate' ? `Move ${anima} to ${body.host}?` : `${action[0].toUpperCase() + action.slice(1)} ${anima}?`;
  if (!window.confirm(what)) return;
  try {
    await api('POST', `/api/animas/${encodeURIComponent(anima)}/${action}`, body);
  } catch (e) {
    showError(`${action} ${anima}: ${e.message}`);
  }
}

function dominateTargets() {
  return state.hosts.filter((h) => !h.self && h.enrolled && h.up && h.access === 'full').map((h) => h.name);
}

// ---- animas --------------------------------------------------------------------------------------------

// Rows are made once per anima and then updated in place, so a choice in a select or a click on a button
// is never lost to the once-a-second refresh.
function animaRow(name) {
  const body = $('animas').tBodies[0];
  let row = body.querySelector(`tr[data-anima="${CSS.escape(name)}"]`);
  if (row) return row;
  const select = el('select', { class: 'target', 'data-anima': name, title: 'host to dominate' });
  const buttons = ACTIONS.map(([action]) => {
    const b = el('button', { 'data-action': action }, action);
    b.addEventListener('click', () => act(name, action, action === 'dominate' ? { host: select.value } : undefined));
    return b;
  });
  row = el('tr', { 'data-anima': name },
    el('td', { class: 'name' }, name), el('td', { class: 'state' }), el('td', { class: 'home' }), el('td', { class: 'location' }),
    el('td', { class: 'num memory' }), el('td', { class: 'num heartbeat' }), el('td', { class: 'windows' }),
    el('td', { class: 'actions' }, ...buttons, select));
  body.append(row);
  return row;
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function renderAnimas() {
  const names = new Set(state.animas.map((a) => a.name));
  for (const row of [...$('animas').tBodies[0].rows]) {
    if (!names.has(row.dataset.anima)) row.remove();
  }
  const targets = dominateTargets();
  for (const a of state.animas) {
    const row = animaRow(a.name);
    const st = row.querySelector('.state');
    setText(st, a.state + (a.moving ? ' (' + a.moving + ')' : ''));
    st.className = 'state state-' + (a.state || '').replace(/ /g, '-');
    setText(row.querySelector('.home'), a.home);
    setText(row.querySelector('.location'), a.location);
    setText(row.querySelector('.memory'), a.memoryMiB ? a.memoryMiB + ' MiB' : '–');
    setText(row.querySelector('.heartbeat'), a.heartbeatCount != null ? '#' + a.heartbeatCount : '–');
    const select = row.querySelector('select.target');
    setOptions(select, targets.map((t) => [t, t]));
    select.hidden = targets.length === 0;
    for (const [action, allowed] of ACTIONS) {
      row.querySelector(`button[data-action="${action}"]`).disabled = !allowed(a) || (action === 'dominate' && targets.length === 0);
    }
    const windows = row.querySelector('.windows');
    const list = Array.isArray(a.apps) ? a.apps : [];
    if (windows.dataset.list !== JSON.stringify(list)) {
      windows.dataset.list = JSON.stringify(list);
      windows.replaceChildren(...list.map((w) => {
        const b = el('button', { class: 'window', 'data-app': w.id, title: w.program || '' }, `${w.id}: ${(w.program || '?').split(' ')[0]}`);
        b.addEventListener('click', () => openScreen(a.name, w.id));
        return b;
      }));
    }
  }
  renderScreenChoices();
}

// ---- moves under way ------------------------------------------------------------------------------------

function runPanel(anima) {
  let p = document.getElementById('move-' + anima);
  if (!p) {
    p = el('div', { class: 'move', id: 'move-' + anima, 'data-anima': anima },
      el('div', { class: 'title' }), el('div', { class: 'phase' }), el('div', { class: 'bar' }, el('div')),
      el('div', { class: 'facts' }), el('div', { class: 'result' }));
    p.append(svg('svg', { viewBox: '0 0 300 50', preserveAspectRatio: 'none', class: 'chart' }));
    $('moves-under-way').prepend(p);
  }
  return p;
}

function onProgress(e) {
  let run = state.runs.get(e.anima);
  if (!run || run.ended || run.startedAt !== e.startedAt) {
    run = { startedAt: e.startedAt, samples: [] };
    state.runs.set(e.anima, run);
  }
  if (e.samples) run.samples = e.samples.slice();
  if (e.sample) run.samples.push(e.sample);
  const p = runPanel(e.anima);
  p.className = 'move running';
  p.querySelector('.title').textContent = e.action + ' ' + e.anima + (e.target ? ' → ' + e.target : '');
  p.querySelector('.phase').textContent = e.phase;
  const pct = e.total > 0 ? Math.min(100, (100 * e.done) / e.total) : null;
  p.querySelector('.bar div').style.width = (pct == null ? 0 : pct) + '%';
  const facts = p.querySelector('.facts');
  facts.replaceChildren(
    el('span', { class: 'percent' }, pct == null ? '' : pct.toFixed(0) + '%'),
    el('span', { class: 'bytes' }, e.total > 0 ? mib(e.done) + ' of ' + mib(e.total) : e.done > 0 ? mib(e.done) : ''),
    el('span', { class: 'rate' }, e.rate > 0 ? mib(e.rate) + '/s' : ''),
    el('span', { class: 'eta' }, e.eta != null ? 'ETA ' + secs(e.eta) : ''),
    el('span', { class: 'downtime' }, e.downtime != null ? 'downtime ' + secs(e.downtime) : ''),
    el('span', { class: 'elapsed' }, secs(e.elapsed)));
  p.querySelector('.result').textContent = '';
  drawChart(p.querySelector('svg'), run.samples);
  renderAnimas();
}

function drawChart(s, samples) {
  s.replaceChildren();
  if (samples.length < 2) return;
  const tmax = samples[samples.length - 1].t || 1;
  const rmax = Math.max(...samples.map((x) => x.rate), 1);
  const points = samples.map((x) => `${(300 * x.t) / tmax},${50 - (48 * x.rate) / rmax}`).join(' ');
  s.append(svg('polyline', { points, class: 'chart-line' }));
}

function onDone(e) {
  const run = state.runs.get(e.anima) || { samples: [] };
  run.ended = true;
  state.runs.set(e.anima, run);
  const p = runPanel(e.anima);
  p.className = 'move ' + (e.ok ? 'done' : 'failed');
  p.querySelector('.title').textContent = e.action + ' ' + e.anima + (e.target ? ' → ' + e.target : '');
  if (e.ok) p.querySelector('.bar div').style.width = '100%';
  p.querySelector('.phase').textContent = e.ok ? 'done in ' + secs(e.seconds) : 'failed';
  p.querySelector('.facts').replaceChildren();
  p.querySelector('.result').textContent = e.ok ? e.note || '' : e.error;
  renderAnimas();
}

// ---- hosts and history --------------------------------------------------------------------------------

function renderHosts() {
  const body = $('hosts').tBodies[0];
  body.replaceChildren(...state.hosts.map((h) => el('tr', { 'data-host': h.name },
    el('td', {}, h.name + (h.self ? ' (this host)' : '')),
    el('td', {}, h.address),
    el('td', { class: 'fingerprint', title: h.fingerprint }, (h.fingerprint || '').slice(0, 23) + '…'),
    el('td', {}, h.self ? '' : h.enrolled ? 'enrolled' + (h.discovered ? ', on the LAN' : '') : 'found on the LAN'),
    el('td', { class: h.up ? 'ok' : h.up === false ? 'failed' : '' }, h.up == null ? '?' : h.up ? 'up' : 'down'),
    el('td', { class: 'access' }, h.access || '–'),
    el('td', {}, h.problem || ''))));
  renderAnimas();
}

function renderMoves() {
  const body = $('moves').tBodies[0];
  const recent = state.moves.slice().reverse();
  body.replaceChildren(...recent.slice(0, 50).map((m) => el('tr', {},
    el('td', {}, new Date(m.at).toLocaleString()),
    el('td', {}, m.anima),
    el('td', {}, m.kind + (m.target ? ' → ' + m.target : '')),
    el('td', { class: 'num' }, secs(m.seconds)),
    el('td', { class: 'num' }, secs(m.downtime)),
    el('td', { class: 'num' }, mib(m.bytes)),
    el('td', { class: m.ok ? 'ok' : 'failed' }, m.ok ? 'ok' : m.error || 'failed'))));
  const plot = $('moves-plot');
  plot.replaceChildren();
  const last = state.moves.slice(-30);
  const tmax = Math.max(...last.map((m) => m.seconds || 0), 1);
  const w = 600 / Math.max(last.length, 15);
  last.forEach((m, i) => {
    const h = (110 * (m.seconds || 0)) / tmax;
    const d = (110 * (m.downtime || 0)) / tmax;
    const bar = svg('rect', { x: i * w + 2, y: 120 - h, width: w / 2 - 2, height: h, class: 'plot-time' });
    bar.append(svg('title'));
    bar.firstChild.textContent = `${m.anima} ${m.kind}: ${secs(m.seconds)}`;
    const down = svg('rect', { x: i * w + w / 2, y: 120 - d, width: w / 2 - 2, height: d, class: 'plot-down' });
    down.append(svg('title'));
    down.firstChild.textContent = `downtime ${secs(m.downtime)}`;
    plot.append(bar, down);
  });
}

// ---- the screen (noVNC) -------------------------------------------------------------------------------

// Replaces a select's options only when they differ, keeping the choice when it is still there.
function setOptions(select, pairs) {
  const want = pairs.map(([v, t]) => v + '=' + t).join('\n');
  if ([...select.options].map((o) => o.value + '=' + o.textContent).join('\n') === want) return;
  const keep = select.value;
  select.replaceChildren(...pairs.map(([v, t]) => el('option', { value: v }, t)));
  if (pairs.some(([v]) => v === keep)) select.value = keep;
}

function renderScreenChoices() {
  setOptions($('screen-anima'), state.animas.map((a) => [a.name, a.name]));
  const a = state.animas.find((x) => x.name === $('screen-anima').value);
  setOptions($('screen-app'), [['0', 'whole screen'],
    ...((a && Array.isArray(a.apps)) ? a.apps : []).map((w) => [String(w.id), `window ${w.id}: ${(w.program || '?').split(' ')[0]}`])]);
}

function openScreen(anima, app) {
  $('screen-anima').value = anima;
  renderScreenChoices();
  $('screen-app').value = String(app);
  connectScreen();
}

function connectScreen() {
  closeScreen();
  const anima = $('screen-anima').value;
  if (!anima) return;
  const app = $('screen-app').value || '0';
  const viewOnly = $('screen-view-only').checked;
  const url = `wss://${location.host}/api/animas/${encodeURIComponent(anima)}/screen?app=${encodeURIComponent(app)}`
    + `&view-only=${viewOnly}&csrf=${encodeURIComponent(state.csrf)}`;
  $('screen-status').textContent = 'connecting…';
  const rfb = new RFB($('screen'), url, { shared: true });
  rfb.scaleViewport = true;
  rfb.focusOnClick = true;
  // Events of a view closed since (its disconnect comes late) must not touch the one that replaced it.
  rfb.addEventListener('connect', () => {
    if (state.rfb !== rfb) return;
    $('screen-status').textContent = `${anima}, ${app === '0' ? 'whole screen' : 'window ' + app}${viewOnly ? ', view only: your keys are not sent to the anima' : ''}`;
    $('screen').dataset.connected = 'true';
  });
  rfb.addEventListener('disconnect', (ev) => {
    if (state.rfb !== rfb) return;
    $('screen-status').textContent = ev.detail.clean ? 'closed' : 'the view ended';
    $('screen').dataset.connected = 'false';
  });
  state.rfb = rfb;
  $('screen-close').disabled = false;
}

function closeScreen() {
  if (state.rfb) {
    const rfb = state.rfb;
    state.rfb = null;
    rfb.disconnect();
  }
  $('screen').dataset.connected = 'false';
  $('screen').replaceChildren();
  $('screen-close').disabled = true;
}

// ---- events ---------------------------------------------------------------------------------------------

function connectEvents() {
  const ws = new WebSocket(`wss://${location.host}/api/events?csrf=${encodeURIComponent(state.csrf)}`);
  ws.addEventListener('open', () => { $('link').textContent = 'live'; $('link').className = 'link up'; });
  ws.addEventListener('message', (m) => {
    const e = JSON.parse(m.data);
    switch (e.type) {
      case 'animas': state.animas = e.animas; renderAnimas(); break;
      case 'hosts': state.hosts = e.hosts; renderHosts(); break;
      case 'moves': state.moves = e.moves; renderMoves(); break;
      case 'progress': onProgress(e); break;
      case 'done': onDone(e); break;
      default: break;
    }
  });
  ws.addEventListener('close', () => {
    $('link').textContent = 'reconnecting…';
    $('link').className = 'link down';
    setTimeout(start, 2000);
  });
}

async function start() {
  try {
    const s = await api('GET', '/api/session');
    Object.assign(state, { csrf: s.csrf, host: s.host, user: s.user });
  } catch (e) {
    if (e.status === 401) {
      $('main').hidden = true;
      $('login').hidden = false;
      $('link').textContent = 'not logged in';
      return;
    }
    $('link').textContent = 'agent unreachable; retrying';
    setTimeout(start, 3000);
    return;
  }
  document.title = `zos · ${state.host}`;
  $('host').textContent = state.host;
  $('who').textContent = state.user;
  $('logout').hidden = false;
  $('main').hidden = false;
  $('login').hidden = true;
  connectEvents();
}

$('error-close').addEventListener('click', () => { $('error').hidden = true; });
$('screen-open').addEventListener('click', connectScreen);
$('screen-close').addEventListener('click', () => {
  closeScreen();
  $('screen-status').textContent = 'closed';
});
$('screen-anima').addEventListener('change', renderScreenChoices);
$('logout').addEventListener('click', async () => {
  await api('POST', '/logout').catch(() => {});
  location.reload();
});
start();
