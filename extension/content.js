// Content script on MiniCRM pages: puts the SmartBill panel (in a Shadow DOM, so MiniCRM's CSS
// and ours never mix) on offer/order cards. It only knows the page URL; it asks the background
// what to show and never sees a token or an API key. Remote text is set with textContent only.
(() => {
  if (window.__minicrmSmartbillPanel) return;
  window.__minicrmSmartbillPanel = true;

  const t = (key, subs) => chrome.i18n.getMessage(key, subs) || key;
  let host = null;
  let ui = null;
  let lastUrl = null;

  const css = `
    :host { all: initial; }
    [hidden] { display: none !important; }
    .panel { position: fixed; top: 72px; right: 20px; width: 290px; z-index: 2147483000;
      font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2733;
      background: #fff; border: 1px solid #cdd6e0; border-radius: 10px;
      box-shadow: 0 6px 24px rgba(20, 40, 70, .16); overflow: hidden; }
    header { display: flex; align-items: center; gap: 8px; padding: 10px 12px;
      background: #175caa; color: #fff; font-weight: 600; }
    header svg { flex: none; }
    header .grow { flex: 1; }
    header button.min { all: unset; cursor: pointer; padding: 0 4px; font-size: 16px; }
    .body { padding: 12px; display: grid; gap: 10px; }
    .state { font-weight: 600; }
    .hint { color: #52606d; background: #f4f7fa; border-radius: 6px; padding: 8px; }
    button.primary { font: inherit; font-weight: 600; padding: 8px 12px; border-radius: 6px; border: 0;
      background: #2ea043; color: #fff; cursor: pointer; }
    button.primary:disabled { background: #b8c2cc; cursor: not-allowed; }
    button.link { all: unset; color: #175caa; cursor: pointer; text-decoration: underline; font: inherit; }
    .collapsed .body { display: none; }
  `;

  // The logo is drawn here: extension files are not exposed to web pages (no
  // web_accessible_resources), so pages cannot fingerprint the extension through them.
  function logo() {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 16 16');
    svg.setAttribute('width', '18');
    svg.setAttribute('height', '18');
    svg.setAttribute('aria-hidden', 'true');
    const shapes = [
      ['rect', { x: 3, y: 1.5, width: 9, height: 13, rx: 1, fill: '#fff' }],
      ['rect', { x: 5, y: 4.5, width: 5, height: 1, fill: '#7896be' }],
      ['rect', { x: 5, y: 7, width: 5, height: 1, fill: '#7896be' }],
      ['circle', { cx: 11.5, cy: 11.5, r: 3.2, fill: '#2ea043' }],
    ];
    for (const [tag, attrs] of shapes) {
      const el = document.createElementNS(ns, tag);
      for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
      svg.append(el);
    }
    return svg;
  }

  function build() {
    host = document.createElement('div');
    host.id = 'minicrm-smartbill-panel';
    const root = host.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = css;
    const panel = document.createElement('section');
    panel.className = 'panel';
    panel.setAttribute('role', 'complementary');
    panel.setAttribute('aria-label', t('panelTitle'));

    const header = document.createElement('header');
    const icon = logo();
    const title = document.createElement('span');
    title.className = 'grow';
    title.textContent = t('panelTitle');
    const min = document.createElement('button');
    min.className = 'min';
    min.textContent = '–';
    min.title = t('panelCollapse');
    min.addEventListener('click', () => panel.classList.toggle('collapsed'));
    header.append(icon, title, min);

    const body = document.createElement('div');
    body.className = 'body';
    const state = document.createElement('div');
    state.className = 'state';
    const hint = document.createElement('div');
    hint.className = 'hint';
    const emit = document.createElement('button');
    emit.className = 'primary';
    emit.dataset.testid = 'emit';
    emit.textContent = t('emitInvoice');
    const options = document.createElement('button');
    options.className = 'link';
    options.textContent = t('openOptions');
    options.addEventListener('click', () => chrome.runtime.sendMessage({ cmd: 'openOptions' }));
    body.append(state, hint, emit, options);
    panel.append(header, body);
    root.append(style, panel);
    ui = { root, panel, state, hint, emit, options };
    host.dataset.state = 'loading';
    document.documentElement.appendChild(host);
  }

  function remove() {
    if (host) host.remove();
    host = null;
    ui = null;
  }

  function render(reply) {
    if (!reply || !reply.ok || !reply.show) {
      remove();
      return;
    }
    if (!host) build();
    if (!reply.configured) {
      host.dataset.state = 'unconfigured';
      ui.state.textContent = t('panelNotConfigured');
      ui.hint.textContent = reply.hint || t('panelNotConfiguredHint');
      ui.hint.hidden = false;
      ui.emit.disabled = true;
      ui.emit.title = reply.hint || '';
      ui.options.hidden = false;
      return;
    }
    host.dataset.state = 'ready';
    ui.state.textContent = t('panelNotIssued');
    ui.hint.hidden = true;
    ui.emit.disabled = false;
    ui.emit.title = '';
    ui.options.hidden = true;
  }

  async function refresh() {
    if (location.href === lastUrl && host) return;
    lastUrl = location.href;
    try {
      render(await chrome.runtime.sendMessage({ cmd: 'panelState', url: location.href }));
    } catch (e) {
      // The extension was reloaded or updated: this page's script is orphaned.
      remove();
    }
  }

  window.addEventListener('hashchange', refresh);
  window.addEventListener('popstate', refresh);
  refresh();
})();
