// The webhook stage console: plain JavaScript over the bundle's HTTP API (README, "HTTP API").
// Rules: every value from the API reaches the page through textContent or an attribute, never as markup; the API key
// lives in this tab's sessionStorage only and goes out as "Authorization: Bearer"; an action the caller's role may not
// take (GET /api/whoami, "may") is not offered.
'use strict';

const KEY_STORAGE = 'webhook-console-key';
const REFRESH_MS = 10000;
const STATUSES = ['failed', 'waiting', 'queued', 'sending', 'delivered'];
const STATE_WORDS = {
  SENDING: 'sending',
  PAUSED_BY_FAILURES: 'paused by failures',
  PROBING: 'probing',
  PAUSED_BY_OPERATOR: 'paused by an operator',
  PAUSED_GONE: 'paused: endpoint gone (410)'
};

const session = { key: sessionStorage.getItem(KEY_STORAGE), me: null, timer: null };

/** An element with attributes and children; strings become text nodes, never markup. */
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attributes) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

/** Calls the API with the session's key; an answer other than 2xx throws its {"error": ...} message. */
async function api(method, path, body) {
  const headers = { Authorization: 'Bearer ' + session.key };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch('/api' + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store'
  });
  const text = await response.text();
  let data = {};
  try { data = text ? JSON.parse(text) : {}; } catch (e) { data = { error: 'HTTP ' + response.status }; }
  if (!response.ok) {
    const error = new Error(data.error || 'HTTP ' + response.status);
    error.status = response.status;
    throw error;
  }
  return data;
}

const enc = encodeURIComponent;

/** A target as the API shows it to non-admins, for every role here: a path or query can be the credential. */
function masked(url) {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return u.protocol + '***';
    return u.pathname === '/' && !u.search ? u.origin : u.origin + '/***';
  } catch (e) {
    return String(url).split(':')[0] + ':***';
  }
}
const stagePath = (workflow, stage) => '/workflows/' + enc(workflow) + '/stages/' + enc(stage);

function showResult(message, failed) {
  const box = document.getElementById('result');
  box.textContent = message;
  box.className = failed ? 'error' : '';
  box.hidden = false;
}

/** Asks in the page (not window.confirm) and runs {@code action} on "Yes"; its answer or error is shown. */
function confirmThen(question, action, describe) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = question;
  dialog.hidden = false;
  const yes = document.getElementById('confirm-yes');
  const no = document.getElementById('confirm-no');
  const close = () => { dialog.hidden = true; yes.onclick = null; no.onclick = null; };
  no.onclick = close;
  yes.onclick = async () => {
    close();
    try {
      const answer = await action();
      showResult(describe(answer), false);
    } catch (e) {
      if (e.status === 401) return signOut('Your key is no longer accepted: ' + e.message);
      showResult(e.message, true);
    }
    route();
  };
}

function signOut(message) {
  sessionStorage.removeItem(KEY_STORAGE);
  session.key = null;
  session.me = null;
  document.getElementById('who').hidden = true;
  showSignIn(message);
}

function showSignIn(message) {
  clearTimeout(session.timer);
  const input = el('input', { id: 'api-key', type: 'password', autocomplete: 'off', placeholder: 'API key' });
  const error = el('p', { id: 'sign-in-error', class: 'error', role: 'alert' }, message || '');
  const form = el('form', { id: 'sign-in-form' },
    el('h2', {}, 'Sign in'),
    el('label', { for: 'api-key' }, 'API key (an admin creates keys with POST /api/keys)'),
    input, el('button', { type: 'submit', id: 'sign-in' }, 'Sign in'), error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    session.key = input.value.trim();
    try {
      await whoAmI();
      sessionStorage.setItem(KEY_STORAGE, session.key);
      route();
    } catch (e) {
      session.key = null;
      error.textContent = e.status === 401 ? 'That key is unknown or revoked.' : e.message;
    }
  });
  document.getElementById('main').replaceChildren(form);
  input.focus();
}

async function whoAmI() {
  session.me = await api('GET', '/whoami');
  document.getElementById('whoami').textContent = session.me.name + ' (' + session.me.role.replace('_', ' ') + ')';
  document.getElementById('who').hidden = false;
}

const may = (what) => Boolean(session.me && session.me.may && session.me.may[what]);

// ---- the pages --------------------------------------------------------------------------------------------------

async function route() {
  clearTimeout(session.timer);
  if (!session.key) return showSignIn();
  try {
    if (!session.me) await whoAmI();
    const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
    if (parts[0] === 'stage' && parts.length >= 3) await stagePage(parts[1], parts[2], parts[3] || 'failed', 0);
    else if (parts[0] === 'file' && parts[1]) await filePage(parts[1]);
    else await overview();
  } catch (e) {
    if (e.status === 401) return signOut('Your key is no longer accepted: ' + e.message);
    document.getElementById('main').replaceChildren(el('p', { class: 'error', role: 'alert' }, e.message));
  }
}

async function overview() {
  const { workflows } = await api('GET', '/workflows');
  const sections = [];
  for (const workflow of workflows) {
    const cards = [];
    for (const stage of workflow.stages.filter((s) => s.type === 'webhook')) {
      cards.push(await stageCard(workflow.name, stage));
    }
    sections.push(el('section', { class: 'workflow', 'data-workflow': workflow.name },
      el('h2', {}, 'Workflow ', workflow.name),
      el('ol', { class: 'pipeline' }, workflow.stages.map((s) => el('li', { class: s.type },
        s.name, el('span', { class: 'type' }, s.type)))),
      el('div', { class: 'stages' }, cards)));
  }
  document.getElementById('main').replaceChildren(...sections);
  refreshLater();
}

/** Redraws the main page every REFRESH_MS, but not under an operator who is typing or confirming. */
function refreshLater() {
  clearTimeout(session.timer);
  session.timer = setTimeout(() => {
    const busy = !document.getElementById('confirm').hidden
      || (document.activeElement && document.activeElement.tagName === 'INPUT');
    if (busy) refreshLater();
    else route();
  }, REFRESH_MS);
}

async function stageCard(workflow, stage) {
  const path = stagePath(workflow, stage.name);
  const [summary, health] = await Promise.all([api('GET', path + '/summary'), api('GET', path + '/health')]);
  const counts = el('div', { class: 'counts' },
    [['queued', summary.queued], ['sending', summary.sending], ['waiting', summary.waiting],
      ['failed', summary.failed], ['delivered (1 h)', summary.delivered_last_hour]].map(([label, n]) =>
      el('div', { class: label.split(' ')[0], 'data-count': label.split(' ')[0] }, el('b', {}, n), el('span', {}, label))));
  const actions = [];
  if (may('pause_and_resume')) {
    if (health.state === 'SENDING' || health.state === 'PROBING') {
      actions.push(el('button', { type: 'button', class: 'pause', onclick: () => confirmThen(
        'Pause stage ' + stage.name + ' of ' + workflow + '? Its files wait until it is resumed.',
        () => api('POST', path + '/pause', { reason: 'paused in the console by ' + session.me.name }),
        (h) => stage.name + ': ' + (STATE_WORDS[h.state] || h.state)) }, 'Pause'));
    } else {
      actions.push(el('button', { type: 'button', class: 'resume', onclick: () => confirmThen(
        'Resume stage ' + stage.name + ' of ' + workflow + '? It sends again at once.',
        () => api('POST', path + '/resume'), (h) => stage.name + ': ' + (STATE_WORDS[h.state] || h.state)) }, 'Resume'));
    }
  }
  if (may('ping')) {
    actions.push(el('button', { type: 'button', class: 'ping', onclick: () => confirmThen(
      'Send a test payload to the endpoint of ' + stage.name + '? No file moves.',
      () => api('POST', path + '/ping'),
      (p) => 'Ping: ' + p.outcome + (p.http_status ? ' (HTTP ' + p.http_status + ')' : '') + (p.error ? ': ' + p.error : '')) },
    'Ping endpoint'));
  }
  if (may('retry_now') && summary.waiting > 0) {
    actions.push(el('button', { type: 'button', class: 'retry-stage', onclick: () => confirmThen(
      'Retry all ' + summary.waiting + ' waiting file(s) of ' + stage.name + ' now?',
      () => api('POST', path + '/retry-now'), (a) => a.retrying_now.length + ' file(s) retrying now') }, 'Retry waiting now'));
  }
  if (may('redeliver')) {
    const since = el('input', { type: 'datetime-local', class: 'failed-since', 'aria-label': 'failed since' });
    since.value = new Date(Date.now() - 3600000 - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    actions.push(el('span', {}, 'Redeliver failed since ', since, ' ', el('button', { type: 'button', class: 'redeliver-since',
      onclick: () => {
        const at = new Date(since.value);
        if (isNaN(at)) return showResult('Pick a time to redeliver the files that failed since then.', true);
        confirmThen('Redeliver every file that failed ' + stage.name + ' since ' + at.toLocaleString() + '?',
          () => api('POST', '/redeliveries', { workflow, stage: stage.name, failed_since: at.toISOString() }),
          (a) => a.redelivered.length + ' file(s) redelivered');
      } }, 'Redeliver')));
  }
  return el('article', { class: 'stage-card', 'data-stage': workflow + '/' + stage.name },
    el('h3', {}, stage.name, ' ', el('span', { class: 'badge ' + health.state, 'data-state': health.state },
      STATE_WORDS[health.state] || health.state)),
    el('div', { class: 'muted target' }, masked(stage.url), ' · retries ', stage.retries, ' · on failure → ', stage.on_failure),
    health.reason ? el('div', { class: 'muted' }, 'reason: ', health.reason) : null,
    counts, chart(summary.last_hour),
    el('div', { class: 'legend' }, 'attempts per minute, last hour: delivered (green), failed (red)'),
    el('div', { class: 'links' }, STATUSES.map((s) => el('a', { href: '#/stage/' + enc(workflow) + '/' + enc(stage.name) + '/' + s,
      class: 'files-' + s }, s + ' files'))),
    el('div', { class: 'actions' }, actions));
}

/** A bar per minute: delivered stacked under failed. */
function chart(minutes) {
  const width = 61 * 5;
  const height = 46;
  const most = Math.max(1, ...minutes.map((m) => m.delivered + m.failed));
  const box = svg('svg', { class: 'chart', viewBox: '0 0 ' + width + ' ' + height, preserveAspectRatio: 'none',
    role: 'img', 'aria-label': 'attempts per minute' });
  minutes.forEach((m, i) => {
    const delivered = Math.round(m.delivered / most * height);
    const failed = Math.round(m.failed / most * height);
    if (delivered) box.append(svg('rect', { class: 'delivered', x: i * 5, y: height - delivered, width: 4, height: delivered }));
    if (failed) box.append(svg('rect', { class: 'failed', x: i * 5, y: height - delivered - failed, width: 4, height: failed }));
    const title = svg('title', {});
    title.textContent = m.minute + ': ' + m.delivered + ' delivered, ' + m.failed + ' failed';
    box.append(title);
  });
  return box;
}

async function stagePage(workflow, stage, status, offset) {
  const path = stagePath(workflow, stage);
  const page = await api('GET', path + '/files?status=' + enc(status) + '&limit=50&offset=' + offset);
  const rows = page.files.map((f) => {
    const actions = [];
    if (may('redeliver') && (f.status === 'FAILED' || f.status === 'DELIVERED')) {
      actions.push(el('button', { type: 'button', class: 'redeliver', onclick: () => confirmThen(
        'Redeliver ' + f.name + ' through ' + stage + ' as a new visit?',
        () => api('POST', '/redeliveries', { workflow, stage, file_ids: [f.item_id] }),
        (a) => 'Redelivered: ' + a.redelivered.join(', ')) }, 'Redeliver'));
    }
    if (may('retry_now') && f.status === 'WAITING') {
      actions.push(el('button', { type: 'button', class: 'retry-now', onclick: () => confirmThen(
        'Retry ' + f.name + ' now instead of at its due time?',
        () => api('POST', '/files/' + enc(f.item_id) + '/retry-now'), (a) => 'Retrying now: ' + a.retrying_now.join(', ')) },
      'Retry now'));
    }
    return el('tr', { 'data-item': f.item_id },
      el('td', {}, el('a', { href: '#/file/' + enc(f.item_id), class: 'file-link' }, f.name)),
      el('td', { class: 'muted' }, f.item_id), el('td', {}, f.status), el('td', {}, f.at ? new Date(f.at).toLocaleString() : ''),
      el('td', {}, f.attempts ?? ''), el('td', {}, f.last_http_status ?? ''), el('td', { class: 'error' }, f.last_error ?? ''),
      el('td', {}, actions));
  });
  const more = page.next_offset === null || page.next_offset === undefined ? null
    : el('button', { type: 'button', class: 'older', onclick: () => stagePage(workflow, stage, status, page.next_offset) }, 'Older');
  document.getElementById('main').replaceChildren(
    el('p', {}, el('a', { href: '#/' }, '← all stages')),
    el('h2', {}, workflow, ' / ', stage, ': ', status, ' files'),
    el('nav', { class: 'tabs' }, STATUSES.map((s) => el('a', {
      href: '#/stage/' + enc(workflow) + '/' + enc(stage) + '/' + s, class: s === status ? 'current' : null }, s))),
    rows.length === 0 ? el('p', { class: 'muted', id: 'no-files' }, 'No ' + status + ' files.')
      : el('table', { id: 'files' }, el('thead', {}, el('tr', {}, ['File', 'Item id', 'Status', 'Since', 'Attempts', 'HTTP',
        'Last error', ''].map((h) => el('th', {}, h)))), el('tbody', {}, rows)),
    offset > 0 ? el('button', { type: 'button', onclick: () => stagePage(workflow, stage, status, 0) }, 'Newest') : null,
    more);
}

async function filePage(itemId) {
  const [file, log] = await Promise.all([api('GET', '/files/' + enc(itemId)),
    api('GET', '/files/' + enc(itemId) + '/deliveries')]);
  const failedIn = [...new Set((file.history || []).filter((t) => t.reason === 'FAILED' && t.from).map((t) => t.from))];
  const actions = [];
  if (may('redeliver')) {
    failedIn.forEach((stage) => actions.push(el('button', { type: 'button', class: 'redeliver', onclick: () => confirmThen(
      'Redeliver ' + file.name + ' through ' + stage + ' as a new visit?',
      () => api('POST', '/redeliveries', { workflow: file.workflow, stage, file_ids: [file.item_id] }),
      (a) => 'Redelivered: ' + a.redelivered.join(', ')) }, 'Redeliver through ' + stage)));
  }
  if (may('retry_now') && file.status === 'WAITING') {
    actions.push(el('button', { type: 'button', class: 'retry-now', onclick: () => confirmThen(
      'Retry ' + file.name + ' now instead of at its due time?',
      () => api('POST', '/files/' + enc(file.item_id) + '/retry-now'), (a) => 'Retrying now: ' + a.retrying_now.join(', ')) },
    'Retry now'));
  }
  const facts = [['Item id', file.item_id], ['Workflow', file.workflow], ['Stage', file.stage], ['Status', file.status],
    ['Attempts', file.attempts], ['Delivery id', file.delivery_id], ['Next attempt', file.next_attempt_at]]
    .filter(([, v]) => v !== undefined && v !== null);
  document.getElementById('main').replaceChildren(
    el('p', {}, el('a', { href: '#/' }, '← all stages')),
    el('h2', { id: 'file-name' }, file.name),
    el('dl', { class: 'facts' }, facts.map(([k, v]) => [el('dt', {}, k), el('dd', { 'data-fact': k }, v)])),
    el('div', { class: 'actions' }, actions),
    el('h3', {}, 'Transitions'),
    el('table', { id: 'transitions' }, el('thead', {}, el('tr', {}, ['When', 'From', 'To', 'Reason', 'Detail']
      .map((h) => el('th', {}, h)))), el('tbody', {}, (file.history || []).map((t) => el('tr', {},
      el('td', {}, new Date(t.moved_at).toLocaleString()), el('td', {}, t.from ?? ''), el('td', {}, t.to),
      el('td', {}, t.reason), el('td', {}, t.detail ?? ''))))),
    el('h3', {}, 'Attempts'),
    log.attempts.length === 0 ? el('p', { class: 'muted' }, 'No attempts.')
      : el('table', { id: 'attempts' }, el('thead', {}, el('tr', {}, ['When', 'Stage', 'Attempt', 'Outcome', 'HTTP',
        'Duration', 'Error', 'Response excerpt', 'URL'].map((h) => el('th', {}, h)))),
      el('tbody', {}, log.attempts.map((a) => el('tr', { 'data-outcome': a.outcome },
        el('td', {}, new Date(a.attempted_at).toLocaleString()), el('td', {}, a.stage), el('td', {}, a.attempt),
        el('td', {}, a.outcome), el('td', {}, a.http_status ?? ''), el('td', {}, a.duration_ms + ' ms'),
        el('td', { class: 'error' }, a.error ?? ''), el('td', { class: 'excerpt' }, a.response_excerpt ?? ''),
        el('td', { class: 'muted' }, a.url))))));
}

document.getElementById('sign-out').addEventListener('click', () => signOut());
window.addEventListener('hashchange', route);
route();
