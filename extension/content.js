// Content script on MiniCRM pages: the SmartBill panel (in a Shadow DOM, so MiniCRM's CSS and
// ours never mix) on offer/order cards. It knows only the page URL: it asks the background what
// to show and what to do, and never sees a token or an API key. It decides nothing: the core's
// reply says the state and which actions exist. Remote text goes in with textContent only.
(() => {
  if (window.__minicrmSmartbillPanel) return;
  window.__minicrmSmartbillPanel = true;

  const t = (key, subs) => chrome.i18n.getMessage(key, subs) || key;
  let host = null;
  let ui = null;
  let lastUrl = null;
  let busy = false;
  let current = null;

  const css = `
    :host { all: initial; }
    [hidden] { display: none !important; }
    .panel { position: fixed; top: 72px; right: 20px; width: 300px; z-index: 2147483000;
      font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2733;
      background: #fff; border: 1px solid #cdd6e0; border-radius: 10px;
      box-shadow: 0 6px 24px rgba(20, 40, 70, .16); overflow: hidden; }
    header { display: flex; align-items: center; gap: 8px; padding: 10px 12px;
      background: #175caa; color: #fff; font-weight: 600; }
    header svg { flex: none; }
    header .grow { flex: 1; }
    header button.min { all: unset; cursor: pointer; padding: 0 4px; font-size: 16px; }
    .body { padding: 12px; display: grid; gap: 9px; }
    .state { font-weight: 600; display: flex; gap: 8px; align-items: center; }
    .badge { font-size: 11px; font-weight: 700; border-radius: 10px; padding: 1px 8px; background: #e6edf5; color: #314152; }
    .badge.issued { background: #dff3e4; color: #1a6b30; }
    .badge.error { background: #fde4e4; color: #a12020; }
    .badge.issuing { background: #fff3cd; color: #7a5a00; }
    .badge.needsConfirmation { background: #fff3cd; color: #7a5a00; }
    .badge.cancelled, .badge.reversed { background: #eceff3; color: #52606d; }
    .number { font-size: 18px; font-weight: 700; letter-spacing: .2px; }
    .row { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; }
    .muted { color: #52606d; }
    .hint { color: #52606d; background: #f4f7fa; border-radius: 6px; padding: 8px; }
    .error { color: #8a1c1c; background: #fdecec; border-radius: 6px; padding: 8px; }
    .vendor { font: 11.5px/1.4 ui-monospace, monospace; color: #5c2b2b; margin-top: 4px; }
    .confirm { background: #fff8e5; border: 1px solid #f0d27a; border-radius: 6px; padding: 8px; display: grid; gap: 6px; }
    button { font: inherit; font-weight: 600; padding: 7px 11px; border-radius: 6px; cursor: pointer; }
    button.primary { border: 0; background: #2ea043; color: #fff; }
    button.secondary { background: #fff; color: #175caa; border: 1px solid #175caa; }
    button.danger { background: #fff; color: #b42318; border: 1px solid #b42318; }
    button:disabled { opacity: .55; cursor: not-allowed; }
    button.link, a.link { all: unset; color: #175caa; cursor: pointer; text-decoration: underline; font: inherit; }
    input { font: inherit; padding: 5px 7px; border: 1px solid #b9c4d0; border-radius: 5px; width: 90px; }
    .collapsed .body { display: none; }
    .spinner { width: 12px; height: 12px; border: 2px solid #c9a227; border-right-color: transparent; border-radius: 50%;
      display: inline-block; animation: spin .8s linear infinite; }
    @keyframes spin { to { transform: rotate(360deg); } }
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

  function el(tag, text, cls, attrs = {}) {
    const node = document.createElement(tag);
    if (text != null) node.textContent = text;
    if (cls) node.className = cls;
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
  }

  function button(label, cls, testid, onClick) {
    const b = el('button', label, cls, { 'data-testid': testid, type: 'button' });
    b.addEventListener('click', onClick);
    return b;
  }

  function build() {
    host = document.createElement('div');
    host.id = 'minicrm-smartbill-panel';
    const root = host.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = css;
    const panel = el('section', null, 'panel', { role: 'complementary', 'aria-label': t('panelTitle') });
    const header = document.createElement('header');
    const title = el('span', t('panelTitle'), 'grow');
    const min = el('button', '–', 'min', { title: t('panelCollapse'), type: 'button' });
    min.addEventListener('click', () => panel.classList.toggle('collapsed'));
    header.append(logo(), title, min);
    const body = el('div', null, 'body', { 'aria-live': 'polite' });
    panel.append(header, body);
    root.append(style, panel);
    ui = { root, panel, body };
    host.dataset.state = 'loading';
    document.documentElement.appendChild(host);
  }

  function remove() {
    if (host) host.remove();
    host = null;
    ui = null;
    current = null;
  }

  function docWord(view) {
    return view && view.docType === 'proforma' ? t('wordProforma') : t('wordInvoice');
  }

  async function act(action, extra = {}) {
    if (busy) return;
    busy = true;
    const previous = current;
    if (action === 'emit' || action === 'retry' || action === 'reissue' || action === 'confirm') {
      renderPanel({ state: 'issuing', docType: previous && previous.docType }, null);
    } else {
      setButtonsDisabled(true);
    }
    try {
      const reply = await chrome.runtime.sendMessage({ cmd: 'card', url: location.href, action, ...extra });
      if (action === 'pdf' && reply && reply.pdf) {
        download(reply.pdf, reply.fileName);
        render(await chrome.runtime.sendMessage({ cmd: 'card', url: location.href, action: 'state' }));
      } else {
        render(reply);
      }
    } catch (e) {
      lost();
    } finally {
      busy = false;
      setButtonsDisabled(false);
    }
  }

  function setButtonsDisabled(disabled) {
    if (!ui) return;
    for (const b of ui.body.querySelectorAll('button')) b.disabled = disabled;
  }

  function download(base64, fileName) {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const url = URL.createObjectURL(new Blob([bytes], { type: 'application/pdf' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = fileName || 'factura.pdf';
    document.documentElement.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  /** An inline confirmation inside the panel (no blocking window.confirm on the CRM page). */
  function ask(question, yesLabel, yesClass, onYes) {
    const box = el('div', null, 'confirm', { 'data-testid': 'confirm-box' });
    box.append(el('div', question));
    const row = el('div', null, 'row');
    row.append(
      button(yesLabel, yesClass, 'confirm-yes', () => { box.remove(); onYes(); }),
      button(t('panelNo'), 'secondary', 'confirm-no', () => box.remove()),
    );
    box.append(row);
    ui.body.append(box);
  }

  function showError(error) {
    const box = el('div', null, 'error', { 'data-testid': 'error' });
    box.append(el('div', error.message));
    if (error.vendorText && !error.message.includes(error.vendorText)) {
      box.append(el('div', t('vendorSaid', ['SmartBill', error.vendorText]), 'vendor'));
    }
    ui.body.append(box);
  }

  const STATE_LABEL = {
    notIssued: 'panelNotIssued', issuing: 'panelIssuing', issued: 'panelIssued', error: 'panelError',
    needsConfirmation: 'panelNeedsConfirmation', cancelled: 'panelCancelled', reversed: 'panelReversed',
  };
  const PAYMENT_LABEL = {
    unpaid: 'paymentUnpaid', partlyPaid: 'paymentPartlyPaid', paid: 'paymentPaid',
    cancelled: 'paymentCancelled', reversed: 'paymentReversed',
  };

  function renderPanel(view, error) {
    current = view;
    const body = ui.body;
    body.replaceChildren();
    host.dataset.state = view.state;
    const state = el('div', null, 'state');
    const badge = el('span', t(STATE_LABEL[view.state] || 'panelNotIssued'), `badge ${view.state}`, { 'data-testid': 'state' });
    if (view.state === 'issuing') state.append(el('span', null, 'spinner'));
    state.append(badge);
    body.append(state);

    if (view.number) {
      const number = el('div', view.number, 'number', { 'data-testid': 'number' });
      body.append(number);
    }
    if (view.draft) body.append(el('div', t('panelDraftHint'), 'hint'));
    if (view.payment || (view.state === 'issued' && view.number && !view.draft)) {
      const p = view.payment;
      const label = t(PAYMENT_LABEL[p ? p.state : 'unpaid']);
      const text = p && p.state === 'partlyPaid' ? `${label}: ${p.paid} / ${p.total} ${p.currency}` : label;
      body.append(el('div', text, 'muted', { 'data-testid': 'payment' }));
    }
    if (view.storno) body.append(el('div', t('panelStornoBy', [view.storno]), 'muted', { 'data-testid': 'storno' }));
    if (view.duplicates && view.duplicates.length) {
      const box = el('div', null, 'confirm', { 'data-testid': 'duplicates' });
      box.append(el('div', t('panelDuplicate', [view.duplicates.join(', '), view.number || ''])));
      for (const d of view.duplicates) {
        box.append(button(t('panelCancelDuplicate', [d]), 'danger', 'cancel-duplicate', () =>
          ask(t('panelCancelDuplicateQuestion', [d]), t('panelCancelYes'), 'danger', () => act('cancelDuplicate', { number: d }))));
      }
      box.append(button(t('panelNotDuplicate'), 'link', 'not-duplicate', () => act('cancelDuplicate', { number: null })));
      body.append(box);
    }
    if (view.cardPending) body.append(el('div', t('panelCardPending'), 'hint', { 'data-testid': 'card-pending' }));
    if (view.stockManaged) body.append(el('div', t('panelStockManaged'), 'hint', { 'data-testid': 'stock-managed' }));

    const links = el('div', null, 'row');
    if (view.link) {
      const a = el('a', t('panelOpenSmartBill'), 'link', { href: view.link, target: '_blank', rel: 'noopener noreferrer', 'data-testid': 'link' });
      links.append(a);
    }
    if (view.pdf) links.append(button(t('panelDownloadPdf'), 'link', 'pdf', () => act('pdf')));
    if (links.childElementCount) body.append(links);

    if (view.error && view.state !== 'issuing') showError(view.error);
    if (error) showError(error);

    const actions = el('div', null, 'row');
    const word = docWord(view);
    if (view.state === 'notIssued') {
      actions.append(button(t('emitDocument', [word]), 'primary', 'emit', () => act('emit')));
    } else if (view.state === 'error') {
      actions.append(button(t('panelRetry'), 'primary', 'retry', () => act('retry')));
    } else if (view.state === 'issuing') {
      const b = button(t('panelIssuingButton'), 'primary', 'emit', () => {});
      b.disabled = true;
      actions.append(b);
    }
    if (view.canCancel) {
      actions.append(button(t('panelCancel'), 'danger', 'cancel', () =>
        ask(t('panelCancelQuestion', [word, view.number]), t('panelCancelYes'), 'danger', () => act('cancel'))));
    }
    if (view.canReverse) {
      actions.append(button(t('panelReverse'), 'danger', 'reverse', () =>
        ask(t('panelReverseQuestion', [view.number]), t('panelReverseYes'), 'danger', () => act('reverse'))));
    }
    if (view.canReissue) {
      actions.append(button(t('panelReissue', [word]), 'secondary', 'reissue', () =>
        ask(t('panelReissueQuestion', [word]), t('panelReissueYes'), 'primary', () => act('reissue'))));
    }
    if (actions.childElementCount) body.append(actions);

    if (view.state === 'needsConfirmation') {
      const box = el('div', null, 'confirm', { 'data-testid': 'needs-confirmation' });
      box.append(el('div', t('panelConfirmQuestion')));
      for (const n of view.candidates || []) {
        box.append(button(t('panelConfirmIssued', [n]), 'secondary', `confirm-${n}`, () => act('confirm', { number: n })));
      }
      const row = el('div', null, 'row');
      const input = el('input', null, null, { placeholder: '0124', 'aria-label': t('panelConfirmNumber'), 'data-testid': 'confirm-number' });
      row.append(input, button(t('panelConfirmThis'), 'secondary', 'confirm-typed', () => act('confirm', { number: input.value })));
      box.append(row);
      box.append(button(t('panelConfirmNotIssued'), 'primary', 'confirm-not-issued', () =>
        ask(t('panelConfirmNotIssuedQuestion'), t('panelConfirmNotIssuedYes'), 'primary', () => act('confirm', { number: null }))));
      body.append(box);
    }
  }

  function render(reply) {
    if (!reply || reply.ok === false && !reply.show || !reply.show) {
      if (reply && reply.ok === false && host) {
        // A command failed outright (e.g. the worker restarted): keep the panel, show it.
        showError(reply.error || { message: String(reply) });
        return;
      }
      remove();
      return;
    }
    if (!host) build();
    if (!reply.configured) {
      current = null;
      host.dataset.state = 'unconfigured';
      ui.body.replaceChildren();
      ui.body.append(el('div', t('panelNotConfigured'), 'state'));
      ui.body.append(el('div', reply.hint || t('panelNotConfiguredHint'), 'hint'));
      const emit = button(t('emitInvoice'), 'primary', 'emit', () => {});
      emit.disabled = true;
      emit.title = reply.hint || '';
      ui.body.append(emit);
      ui.body.append(button(t('openOptions'), 'link', 'open-options', () => chrome.runtime.sendMessage({ cmd: 'openOptions' })));
      return;
    }
    if (reply.panel) {
      renderPanel(reply.panel, null);
    } else if (reply.error) {
      // The command failed before anything changed (e.g. SmartBill locked us out): show why,
      // with "Reîncearcă", over what the panel showed.
      const base = current && !['notIssued', 'issuing', 'error'].includes(current.state) ? current : { ...(current || {}), state: 'error', error: null };
      renderPanel(base, reply.error);
    }
  }

  async function refresh(force) {
    if (!force && location.href === lastUrl && host) return;
    lastUrl = location.href;
    try {
      render(await chrome.runtime.sendMessage({ cmd: 'card', url: location.href, action: 'state' }));
    } catch (e) {
      lost();
    }
  }

  // The background did not answer: the extension was reloaded (this script is orphaned: remove
  // the panel) or the worker stopped mid-call (it restarts on the next message: ask again).
  function lost() {
    if (!chrome.runtime || !chrome.runtime.id) {
      remove();
      return;
    }
    setTimeout(() => refresh(true), 1500);
  }

  // The card's status may change in MiniCRM's own UI; we cannot know its DOM, so we watch the
  // page's visible text and form values, and when they change (debounced) ask the background to
  // look at this card now (it emits if the new status is a trigger status).
  function signature() {
    const values = Array.from(document.querySelectorAll('select, input')).map((x) => x.value).join('|');
    return `${document.body ? document.body.innerText.length : 0}:${values}`;
  }
  let lastSignature = null;
  let changeTimer = null;
  let lastChangeSent = 0;
  function scheduleCheck() {
    if (!host || !current || busy) return;
    clearTimeout(changeTimer);
    changeTimer = setTimeout(async () => {
      const sig = signature();
      if (sig === lastSignature) return;
      const first = lastSignature === null;
      lastSignature = sig;
      if (first || Date.now() - lastChangeSent < 3000) return;
      lastChangeSent = Date.now();
      try {
        render(await chrome.runtime.sendMessage({ cmd: 'card', url: location.href, action: 'changed' }));
      } catch (e) {
        lost();
      }
    }, 1200);
  }
  new MutationObserver(scheduleCheck).observe(document.documentElement, {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['value', 'data-value'],
  });
  document.addEventListener('change', scheduleCheck, true);

  // While another tab or the poller is issuing this document, follow it.
  setInterval(() => {
    if (host && current && current.state === 'issuing' && !busy) refresh(true);
  }, 2000);

  window.addEventListener('hashchange', () => { lastSignature = null; refresh(); });
  window.addEventListener('popstate', () => refresh());
  refresh();
})();
