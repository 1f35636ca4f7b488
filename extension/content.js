// Content script on MiniCRM pages: the SmartBill panel (in a closed Shadow DOM, so MiniCRM's CSS
// and ours never mix and the page's scripts cannot reach our buttons) on offer/order cards. It
// knows only the page URL: it asks the background what to show and what to do, and never sees a
// token or an API key. It decides nothing: the core's reply says the state, the words and which
// actions exist. Every action needs a real click (the page is not trusted to click for the user),
// and names the card the panel was drawn for; the background acts only on the card of this page
// as the browser reports it. Remote text goes in with textContent only.
//
// The replies are typed by the core's Rust types (types/core.d.ts, generated); `tsc` checks this
// file against them (tsconfig.json).
/** @typedef {import('../types/core').CardReply} CardReply */
/** @typedef {import('../types/core').PanelView} PanelView */
/** @typedef {import('../types/core').Action} Action */
/** @typedef {import('../types/reply').Reply<CardReply>} CardAnswer */
(() => {
  if (window.__minicrmSmartbillPanel) return;
  window.__minicrmSmartbillPanel = true;

  const t = (key, subs) => chrome.i18n.getMessage(key, subs) || key;
  let host = null;
  let ui = null;
  let lastUrl = null;
  /** The page URL the panel was last drawn for: actions name it, and a changed page needs a new click. */
  let drawnFor = null;
  let busy = false;
  /** @type {PanelView | null} */
  let current = null;
  let refreshTimer = null;
  let lastSignature = null;
  /**
   * The question the panel is asking (cancel, storno, issue again…), kept across redraws while
   * the view still offers its action for the same document: the page's own refreshes redraw
   * the panel, and a person reading the question must not see it vanish.
   * @type {{ box: HTMLElement, offered: (view: PanelView) => boolean } | null}
   */
  let asking = null;
  /** What the panel last drew (view and error): an unchanged reply keeps the elements under the pointer. */
  let drawnKey = null;

  const css = `
    :host { all: initial; }
    [hidden] { display: none !important; }
    .panel { position: fixed; top: 72px; right: 20px; width: 300px; z-index: 2147483000;
      font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2733;
      background: #fff; border: 1px solid #cdd6e0; border-radius: 10px;
      box-shadow: 0 6px 24px rgba(20, 40, 70, .16); overflow: hidden; }
    header { display: flex; align-items: center; gap: 8px; padding: 10px 12px;
      background: #175caa; color: #fff; font-weight: 600; cursor: move; user-select: none; touch-action: none; }
    header svg { flex: none; }
    header .grow { flex: 1; }
    header button.min { all: unset; cursor: pointer; padding: 0 4px; font-size: 16px; }
    .body { padding: 12px; display: grid; gap: 9px; max-height: 60vh; overflow: auto; }
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
    /** @type {Array<[string, Record<string, string | number>]>} */
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

  /** A button that acts only on a real click of the user (`isTrusted`), never on a page script's. */
  function button(label, cls, testid, onClick) {
    const b = el('button', label, cls, { 'data-testid': testid, type: 'button' });
    b.addEventListener('click', (event) => {
      if (!event.isTrusted) return;
      onClick(event);
    });
    return b;
  }

  const send = (message) => chrome.runtime.sendMessage(message);
  /**
   * The panel's commands (`panelState`, `card`) and the core's answer to them. Each carries the
   * state the panel shows: the core decides what an error is drawn over.
   * @param {{ cmd: 'panelState' | 'card', url: string, action?: string, number?: string | null }} message
   * @returns {Promise<CardAnswer>}
   */
  const sendCard = (message) => send({ ...message, shown: current ? current.state : null });

  function savePlace() {
    if (!ui) return;
    const r = ui.panel.getBoundingClientRect();
    send({ cmd: 'panelPlace', place: { left: Math.round(r.left), top: Math.round(r.top), collapsed: ui.panel.classList.contains('collapsed') } }).catch(() => {});
  }

  function applyPlace(place) {
    if (!ui || !place) return;
    const maxLeft = Math.max(0, window.innerWidth - 120);
    const maxTop = Math.max(0, window.innerHeight - 40);
    if (place.left != null && place.top != null) {
      ui.panel.style.left = `${Math.min(Math.max(0, place.left), maxLeft)}px`;
      ui.panel.style.top = `${Math.min(Math.max(0, place.top), maxTop)}px`;
      ui.panel.style.right = 'auto';
    }
    ui.panel.classList.toggle('collapsed', !!place.collapsed);
  }

  /** The header moves the panel (pointer drag); the place is remembered by the background. */
  function draggable(panel, header) {
    let start = null;
    header.addEventListener('pointerdown', (e) => {
      if (!e.isTrusted || e.target.closest('button')) return;
      const r = panel.getBoundingClientRect();
      start = { x: e.clientX, y: e.clientY, left: r.left, top: r.top };
      header.setPointerCapture(e.pointerId);
    });
    header.addEventListener('pointermove', (e) => {
      if (!start) return;
      panel.style.left = `${Math.max(0, start.left + e.clientX - start.x)}px`;
      panel.style.top = `${Math.max(0, start.top + e.clientY - start.y)}px`;
      panel.style.right = 'auto';
    });
    const end = () => {
      if (!start) return;
      start = null;
      savePlace();
    };
    header.addEventListener('pointerup', end);
    header.addEventListener('pointercancel', end);
  }

  function build() {
    host = document.createElement('div');
    host.id = 'minicrm-smartbill-panel';
    // Closed: the page's scripts get no shadowRoot to reach into.
    const root = host.attachShadow({ mode: 'closed' });
    const style = document.createElement('style');
    style.textContent = css;
    const panel = el('section', null, 'panel', { role: 'complementary', 'aria-label': t('panelTitle') });
    const header = el('header', null, null, { title: t('panelMove') });
    const title = el('span', t('panelTitle'), 'grow');
    const min = button('–', 'min', 'collapse', () => {
      panel.classList.toggle('collapsed');
      savePlace();
    });
    min.title = t('panelCollapse');
    header.append(logo(), title, min);
    draggable(panel, header);
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
    asking = null;
    drawnKey = null;
    clearTimeout(refreshTimer);
  }

  /** @param {PanelView | null} view */
  function docWord(view) {
    return view && view.docType === 'proforma' ? t('wordProforma') : t('wordInvoice');
  }

  // Each action's number: a look at its progress draws only while that action is the one running.
  let acts = 0;

  async function act(action, extra = {}) {
    if (busy) return;
    busy = true;
    const mine = ++acts;
    asking = null;
    // The core's view says which buttons start an emission, and what the panel shows then.
    const starting = current && current.starting && current.starts.some((a) => a === action) ? current.starting : null;
    let working = null;
    if (starting) {
      renderPanel(starting, null);
      followProgress(mine);
    } else {
      setButtonsDisabled(true);
      working = showWorking(action, extra.number);
      if (working) followWaiting(mine, working);
    }
    try {
      const reply = await sendCard({ cmd: 'card', url: drawnFor, action, ...extra });
      if (action === 'pdf' && reply && reply.ok && reply.pdf) {
        download(reply.pdf, reply.fileName);
        render(await sendCard({ cmd: 'card', url: location.href, action: 'state' }));
      } else {
        render(reply);
      }
    } catch (e) {
      lost();
    } finally {
      busy = false;
      // A reply that changes nothing keeps the panel's elements (renderPanel): the note goes here.
      if (working) working.remove();
      setButtonsDisabled(false);
      if (lookAgain) {
        lookAgain = false;
        refresh(true);
      }
    }
  }

  // A look at the card (a refresh, the page changing) whose answer comes while an action runs, or
  // after one that started since the look was sent, is not drawn: it may be older than what the
  // action drew (a draft's "Emite factură" over "issuing"). The panel looks again once no action
  // runs, so a change the look saw is not lost.
  let lookAgain = false;
  /** @param {CardAnswer | undefined} reply @param {number} sentAt the action count when it was sent */
  function looked(reply, sentAt) {
    if (!busy && acts === sentAt) {
      render(reply);
      return;
    }
    render(reply, true);
    if (busy) lookAgain = true;
    else refresh(true);
  }

  // What the panel says while an action that issues nothing runs (a cancel may first wait for the
  // payment refresh's card write, up to 15 s, or for a card write that may still land, up to 40 s:
  // `followWaiting`; then SmartBill's answer and the card's).
  const WORKING = { cancel: 'panelWorkingCancel', reverse: 'panelWorkingReverse', cancelDuplicate: 'panelWorkingDuplicate', pdf: 'panelWorkingPdf' };
  /** @returns {HTMLElement | null} */
  function showWorking(action, number) {
    const key = WORKING[action];
    if (!ui || !key || (action === 'cancelDuplicate' && !number)) return null;
    const note = el('div', t(key, [number || '']), 'hint', { 'data-testid': 'working', role: 'status' });
    ui.body.append(note);
    return note;
  }

  // While a cancel or a storno waits for a card write that may still land (its answer was lost,
  // or a stopped worker left it out), the core's view says until when: the note says so too.
  /** @param {number} mine @param {HTMLElement} note */
  async function followWaiting(mine, note) {
    const running = () => busy && host && acts === mine && note.isConnected;
    /** @type {HTMLElement | null} */
    let line = null;
    while (running()) {
      await new Promise((r) => setTimeout(r, 700));
      if (!running()) return;
      let until = null;
      try {
        const reply = await sendCard({ cmd: 'panelState', url: drawnFor });
        until = reply && reply.ok && reply.panel && reply.panel.settlingUntil;
      } catch (e) {
        return;
      }
      if (!running()) return;
      if (until && !line) {
        line = el('div', '', null, { 'data-testid': 'working-waits' });
        note.append(line);
      }
      if (line) line.textContent = until ? t('panelWaitingForWrite', [until]) : '';
    }
  }

  // While our own action runs, the background's journal says how far it got: show it. An answer
  // that comes after the action ended is dropped, even when another action runs by then (it would
  // draw the old "issuing" over that one's panel).
  /** @param {number} mine */
  async function followProgress(mine) {
    const running = () => busy && host && acts === mine;
    while (running()) {
      await new Promise((r) => setTimeout(r, 700));
      if (!running()) return;
      try {
        const reply = await sendCard({ cmd: 'panelState', url: drawnFor });
        if (running() && reply && reply.ok && reply.panel && reply.panel.state === 'issuing') renderPanel(reply.panel, null);
      } catch (e) {
        return;
      }
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
    ui.root.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  /**
   * An inline confirmation inside the panel (no blocking window.confirm on the CRM page). It stays
   * through redraws while `offered` holds for the view drawn; otherwise it goes with the view it
   * was asked about.
   * @param {(view: PanelView) => boolean} offered
   */
  function ask(question, yesLabel, yesClass, offered, onYes) {
    if (asking) asking.box.remove();
    const box = el('div', null, 'confirm', { 'data-testid': 'confirm-box' });
    const close = () => {
      box.remove();
      if (asking && asking.box === box) asking = null;
    };
    box.append(el('div', question));
    const row = el('div', null, 'row');
    row.append(
      button(yesLabel, yesClass, 'confirm-yes', () => { close(); onYes(); }),
      button(t('panelNo'), 'secondary', 'confirm-no', close),
    );
    box.append(row);
    asking = { box, offered };
    ui.body.append(box);
  }

  /** The question is about this action on the document shown now. */
  const offers = (action, number) => (/** @type {PanelView} */ view) =>
    (view.actions || []).includes(action) && (view.number || null) === (number || null);

  /** @param {{ message: string, vendorText?: string | null, vendor?: string | null }} error */
  function showError(error) {
    const box = el('div', null, 'error', { 'data-testid': 'error' });
    box.append(el('div', error.message));
    if (error.vendorText && !error.message.includes(error.vendorText)) {
      box.append(el('div', t('vendorSaid', [error.vendor || 'SmartBill', error.vendorText]), 'vendor', { 'data-testid': 'vendor-text' }));
    }
    ui.body.append(box);
  }

  const BADGE_LABEL = {
    notIssued: 'panelNotIssued', issuing: 'panelIssuing', issued: 'panelIssued', draft: 'panelDraft', error: 'panelError',
    needsConfirmation: 'panelNeedsConfirmation', cancelled: 'panelCancelled', reversed: 'panelReversed',
  };
  const PAYMENT_LABEL = {
    unpaid: 'paymentUnpaid', partlyPaid: 'paymentPartlyPaid', paid: 'paymentPaid',
    cancelled: 'paymentCancelled', reversed: 'paymentReversed',
  };
  const PHASE_LABEL = {
    claiming: 'phaseClaiming', waiting: 'phaseWaiting', posting: 'phasePosting',
    settling: 'phaseSettling', writingBack: 'phaseWritingBack',
  };

  /**
   * @param {Action} action
   * @param {PanelView} view
   */
  function actionButton(action, view) {
    const word = docWord(view);
    switch (action) {
      case 'emit': return button(t('emitDocument', [word]), 'primary', 'emit', () => act('emit'));
      case 'retry': return button(t('panelRetry'), 'primary', 'retry', () => act('retry'));
      case 'pdf': return button(t('panelDownloadPdf'), 'link', 'pdf', () => act('pdf'));
      case 'cancel': return button(t('panelCancel'), 'danger', 'cancel', () =>
        ask(t('panelCancelQuestion', [word, view.number]), t('panelCancelYes'), 'danger', offers(action, view.number), () => act('cancel', { number: view.number })));
      case 'reverse': return button(t('panelReverse'), 'danger', 'reverse', () =>
        ask(t('panelReverseQuestion', [view.number]), t('panelReverseYes'), 'danger', offers(action, view.number), () => act('reverse', { number: view.number })));
      case 'reissue': return button(t('panelReissue', [word]), 'secondary', 'reissue', () =>
        ask(t('panelReissueQuestion', [word]), t('panelReissueYes'), 'primary', offers(action, view.number), () => act('reissue')));
      case 'issuing': {
        const b = el('button', t('panelIssuingButton'), 'primary', { 'data-testid': 'emit', type: 'button' });
        b.disabled = true;
        return b;
      }
      default: return null;
    }
  }

  /**
   * @param {PanelView} view
   * @param {import('../types/core').ErrorView | null} error
   */
  function renderPanel(view, error) {
    current = view;
    // The page as it is when the panel first shows is the baseline its status changes are
    // measured against.
    if (lastSignature === null) lastSignature = signature();
    host.dataset.state = view.state;
    // Nothing changed (the page refreshed itself, a poll): keep the elements as they are, so a
    // click already under way lands on the button it started on.
    const key = JSON.stringify([view, error]);
    if (key === drawnKey) return;
    drawnKey = key;
    // Tests wait for a redraw by this count (in this script's own world, which the page cannot see).
    window.__mcsbRedraws = (window.__mcsbRedraws || 0) + 1;
    const body = ui.body;
    body.replaceChildren();
    const state = el('div', null, 'state');
    // The core names the badge (an issued draft's is "draft"); a team server of an older
    // build names none, and its state stands for it.
    const badgeName = view.badge || view.state;
    const badge = el('span', t(BADGE_LABEL[badgeName] || 'panelNotIssued'), `badge ${badgeName}`, { 'data-testid': 'state' });
    if (view.state === 'issuing') state.append(el('span', null, 'spinner'));
    state.append(badge);
    body.append(state);

    if (view.state === 'issuing' && view.claimedBy) {
      body.append(el('div', t('panelClaimedBy', [view.claimedBy]), 'hint', { 'data-testid': 'claimed-by' }));
    } else if (view.state === 'issuing' && view.phase) {
      const text = view.phase === 'settling' ? t('phaseSettling', [view.waitingUntil || '']) : t(PHASE_LABEL[view.phase] || 'panelIssuing');
      body.append(el('div', text, 'hint', { 'data-testid': 'phase' }));
    }
    // A draft has no number yet: shown as "Draft FCT" in the person's language; `view.number`
    // stays the name the buttons send back.
    const shown = view.draftOf != null ? t('panelDraftNumber', [view.draftOf]) : view.number;
    if (shown) body.append(el('div', shown, 'number', { 'data-testid': 'number' }));
    if (view.byOther) body.append(el('div', t('panelByOther', [view.byOther]), 'muted', { 'data-testid': 'by-other' }));
    if (view.draft) body.append(el('div', t('panelDraftHint'), 'hint', { 'data-testid': 'draft-hint' }));
    if (view.payment || (view.state === 'issued' && view.number && !view.draft)) {
      const p = view.payment;
      const label = t(PAYMENT_LABEL[p ? p.state : 'unpaid']);
      const text = p && p.state === 'partlyPaid' ? `${label}: ${p.paid} / ${p.total} ${p.currency}` : label;
      body.append(el('div', text, 'muted', { 'data-testid': 'payment' }));
    }
    if (view.storno) body.append(el('div', t('panelStornoBy', [view.storno]), 'muted', { 'data-testid': 'storno' }));
    if (view.conflict) body.append(el('div', t('panelConflict', [view.conflict, shown || '']), 'error', { 'data-testid': 'conflict' }));
    if (view.duplicates && view.duplicates.length) {
      const box = el('div', null, 'confirm', { 'data-testid': 'duplicates' });
      box.append(el('div', t('panelDuplicate', [view.duplicates.join(', '), shown || ''])));
      for (const d of view.duplicates) {
        box.append(button(t('panelCancelDuplicate', [d]), 'danger', 'cancel-duplicate', () =>
          ask(t('panelCancelDuplicateQuestion', [d]), t('panelCancelYes'), 'danger',
            (v) => (v.duplicates || []).includes(d) && (v.number || null) === (view.number || null),
            () => act('cancelDuplicate', { number: d }))));
      }
      box.append(button(t('panelNotDuplicate'), 'link', 'not-duplicate', () => act('cancelDuplicate', { number: null })));
      body.append(box);
    }
    if (view.cardPending) body.append(el('div', t('panelCardPending'), 'hint', { 'data-testid': 'card-pending' }));
    if (view.stockManaged) body.append(el('div', t('panelStockManaged'), 'hint', { 'data-testid': 'stock-managed' }));

    if (view.link) {
      const links = el('div', null, 'row');
      links.append(el('a', t('panelOpenSmartBill'), 'link', { href: view.link, target: '_blank', rel: 'noopener noreferrer', 'data-testid': 'link' }));
      body.append(links);
    }
    if (view.error && view.state !== 'issuing') showError(view.error);
    if (error) showError(error);

    const actions = el('div', null, 'row');
    for (const a of view.actions || []) {
      if (a === 'confirm') continue;
      const b = actionButton(a, view);
      if (b) actions.append(b);
    }
    if (actions.childElementCount) body.append(actions);

    if ((view.actions || []).includes('confirm')) {
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
        ask(t('panelConfirmNotIssuedQuestion'), t('panelConfirmNotIssuedYes'), 'primary', offers('confirm', view.number),
          () => act('confirm', { number: null }))));
      body.append(box);
    }
    // The question asked before this redraw, while it is still about what the panel shows.
    if (asking) {
      if (asking.offered(view)) body.append(asking.box);
      else asking = null;
    }
  }

  /** The core says when to ask again (something in progress); this only keeps the time. */
  function scheduleRefresh(ms) {
    clearTimeout(refreshTimer);
    if (ms) refreshTimer = setTimeout(() => { if (!busy) refresh(true); }, ms);
  }

  /** @param {CardAnswer | undefined} reply @param {boolean} [stale] an old look's: counted, not drawn */
  function render(reply, stale = false) {
    try {
      if (!stale) draw(reply);
    } finally {
      // Tests wait for an answer to be drawn by this count (this script's own world).
      window.__mcsbAnswers = (window.__mcsbAnswers || 0) + 1;
    }
  }

  /** @param {CardAnswer | undefined} reply */
  function draw(reply) {
    if (reply && reply.ok === false && host) {
      // A command failed outright (e.g. the worker restarted mid-call): keep the panel, say why.
      showError(reply.error || { message: String(reply) });
      drawnKey = null;
      return;
    }
    if (!reply || !reply.ok || !reply.show) {
      remove();
      return;
    }
    if (!host) build();
    drawnFor = location.href;
    if (reply.place) applyPlace(reply.place);
    if (!reply.configured) {
      current = null;
      asking = null;
      drawnKey = null;
      if (lastSignature === null) lastSignature = signature();
      host.dataset.state = 'unconfigured';
      ui.body.replaceChildren();
      ui.body.append(el('div', t('panelNotConfigured'), 'state'));
      ui.body.append(el('div', reply.hint || t('panelNotConfiguredHint'), 'hint'));
      const emit = el('button', t('emitInvoice'), 'primary', { 'data-testid': 'emit', type: 'button' });
      emit.disabled = true;
      emit.title = reply.hint || '';
      ui.body.append(emit);
      ui.body.append(button(t('openOptions'), 'link', 'open-options', () => send({ cmd: 'openOptions' })));
      return;
    }
    // With an error (a colleague is issuing, SmartBill locked us out, the page moved to another
    // card), the core either sends the view to draw it over or, for a settled document, none:
    // the panel keeps what it shows.
    const view = reply.panel || (reply.error ? current : null);
    if (view) renderPanel(view, reply.error || null);
    scheduleRefresh(reply.refreshMs);
    if (reply.redraw) refresh(true);
  }

  async function refresh(force) {
    if (!force && location.href === lastUrl && host) return;
    lastUrl = location.href;
    const sentAt = acts;
    try {
      looked(await sendCard({ cmd: 'panelState', url: location.href }), sentAt);
    } catch (e) {
      lost();
    }
    // What the panel decided for this page, in this script's own world (the page cannot see it):
    // tests wait for it instead of waiting for time to pass.
    window.__mcsbDecided = { url: lastUrl, shown: !!host, watching: lastSignature !== null };
  }

  // The background did not answer: the extension was reloaded (this script is orphaned: remove
  // the panel) or the worker stopped mid-call (it restarts on the next message: ask again).
  function lost() {
    if (!chrome.runtime || !chrome.runtime.id) {
      remove();
      return;
    }
    scheduleRefresh(1500);
  }

  // The card's status may change in MiniCRM's own UI; we cannot know its DOM, so we watch the
  // page's visible text and form values, and when they change (debounced) ask the background to
  // look at this card now (it emits if the new status is a trigger status).
  function signature() {
    const fields = /** @type {NodeListOf<HTMLInputElement | HTMLSelectElement>} */ (document.querySelectorAll('select, input'));
    const values = Array.from(fields).map((x) => x.value).join('|');
    return `${document.body ? document.body.innerText.length : 0}:${values}`;
  }
  let changeTimer = null;
  let lastChangeSent = 0;
  // At most one look every 3 s, and never a change dropped: one that comes sooner waits its turn.
  let checkTurn = 0;
  function scheduleCheck() {
    if (!host || !current || busy) return;
    clearTimeout(changeTimer);
    const turn = ++checkTurn;
    // Tests wait until no look at the page is pending (this script's own world).
    window.__mcsbChecking = true;
    changeTimer = setTimeout(() => checkChange(turn), Math.max(1200, lastChangeSent + 3000 - Date.now()));
  }
  /** @param {number} turn */
  async function checkChange(turn) {
    try {
      if (!host || !current) return;
      const sig = signature();
      if (sig === lastSignature) return;
      lastSignature = sig;
      lastChangeSent = Date.now();
      const sentAt = acts;
      try {
        looked(await sendCard({ cmd: 'card', url: drawnFor, action: 'changed' }), sentAt);
      } catch (e) {
        lost();
      }
    } finally {
      if (turn === checkTurn) window.__mcsbChecking = false;
    }
  }
  new MutationObserver(scheduleCheck).observe(document.documentElement, {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['value', 'data-value'],
  });
  document.addEventListener('change', scheduleCheck, true);

  window.addEventListener('hashchange', () => { lastSignature = null; refresh(); });
  window.addEventListener('popstate', () => refresh());
  refresh();
})();
