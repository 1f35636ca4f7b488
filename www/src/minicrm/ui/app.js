// The fake MiniCRM's single-page app. Hash routing:
//   #Project-{CategoryId}/{ProjectId}  a card        #Project-{CategoryId}  a module's cards
//   (no hash)                          the dashboard
// Data comes from /__ui/{SystemId}/... (the logged-in session). The current view is re-fetched
// every 2 s and on hashchange. Values are only ever written with textContent.
(function () {
  "use strict";

  var SID = document.body.getAttribute("data-system-id");
  var API = "/__ui/" + SID;
  var main = document.getElementById("main");
  var navList = document.getElementById("nav-modules");

  var current = { route: null, view: null, cardId: null, lastCard: "", lastBody: "", lastList: "" };
  var card = null; // the skeleton elements of the card view
  var tab = "document";
  var busy = false;

  // --- helpers -----------------------------------------------------------------------------
  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "className") node.className = v;
        else if (k === "text") node.textContent = String(v);
        else if (k === "testid") node.setAttribute("data-testid", v);
        else if (k.indexOf("on") === 0) node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, v === true ? "" : String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      if (Array.isArray(c)) c.forEach(function (x) { if (x) node.appendChild(x); });
      else if (typeof c === "string") node.appendChild(document.createTextNode(c));
      else node.appendChild(c);
    }
    return node;
  }

  function setText(node, text) {
    text = text === null || text === undefined ? "" : String(text);
    if (node.textContent !== text) node.textContent = text;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function money(v) {
    if (v === null || v === undefined || v === "") return "";
    var n = Number(v);
    if (!isFinite(n)) return String(v);
    return n.toLocaleString("ro-RO", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function getJson(url, options) {
    return fetch(url, options).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) {
          var e = new Error(body.error || r.statusText);
          e.status = r.status;
          throw e;
        }
        return body;
      });
    });
  }

  function postJson(url, body) {
    return getJson(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  }

  function parseHash() {
    var h = location.hash || "";
    var m = /^#Project-(\d+)\/(\d+)/.exec(h);
    if (m) return { view: "card", cat: Number(m[1]), id: Number(m[2]) };
    m = /^#Project-(\d+)\/?$/.exec(h);
    if (m) return { view: "list", cat: Number(m[1]) };
    return { view: "dashboard" };
  }

  function kv(rows) {
    var dl = el("dl", { className: "kv" });
    rows.forEach(function (r) {
      if (!r) return;
      dl.appendChild(el("dt", { text: r[0] }));
      var dd = r[1] instanceof Node ? el("dd", { testid: r[2] }, r[1]) : el("dd", { testid: r[2], text: r[1] });
      if (r[3] !== undefined) dd.setAttribute("data-value", r[3]);
      dl.appendChild(dd);
    });
    return dl;
  }

  function box(title, testid) {
    var body = el("div", { className: "box-body" });
    var section = el("section", { className: "box", testid: testid }, el("h2", { text: title }), body);
    section.body = body;
    return section;
  }

  // --- navigation --------------------------------------------------------------------------
  var modules = [];
  function loadModules() {
    return getJson(API + "/modules").then(function (data) {
      modules = data.modules || [];
      setText(document.getElementById("user-name"), data.user);
      setText(document.getElementById("user-avatar"), (data.user || "?").split(" ").map(function (p) { return p[0]; }).join("").slice(0, 2));
      var key = JSON.stringify(modules);
      if (navList.getAttribute("data-key") !== key) {
        navList.setAttribute("data-key", key);
        clear(navList);
        modules.forEach(function (m) {
          navList.appendChild(el("li", null,
            el("a", { className: "nav-item", href: "#Project-" + m.id, testid: "nav-module-" + m.id, "data-category": m.id },
              el("span", { text: m.name }), el("span", { className: "nav-count", text: m.count }))));
        });
      }
      markNav();
    }).catch(function () {});
  }

  function markNav() {
    var r = current.route || { view: "dashboard" };
    Array.prototype.forEach.call(navList.querySelectorAll("a"), function (a) {
      var active = r.view !== "dashboard" && Number(a.getAttribute("data-category")) === r.cat;
      a.classList.toggle("active", active);
    });
  }

  function moduleName(cat) {
    for (var i = 0; i < modules.length; i++) if (modules[i].id === cat) return modules[i].name;
    return "Modul " + cat;
  }

  // --- views -------------------------------------------------------------------------------
  function showDashboard() {
    current.view = "dashboard";
    card = null;
    clear(main);
    var grid = el("div", { className: "dash", testid: "dashboard" });
    main.appendChild(el("div", { className: "page-head" },
      el("div", { className: "crumbs", text: "MiniCRM" }),
      el("h1", { className: "page-title", text: "Panou principal" }),
      el("div", { className: "card-meta", text: "Alegeți un modul din stânga pentru a vedea cardurile." })));
    main.appendChild(grid);
    refreshDashboard(grid);
  }

  function refreshDashboard(grid) {
    grid = grid || main.querySelector(".dash");
    if (!grid) return Promise.resolve();
    return loadModules().then(function () {
      var key = JSON.stringify(modules);
      if (grid.getAttribute("data-key") === key) return;
      grid.setAttribute("data-key", key);
      clear(grid);
      var types = { Generic: "Modul de vânzări", Offer: "Modul de oferte", Order: "Modul de comenzi" };
      modules.forEach(function (m) {
        grid.appendChild(el("a", { className: "tile", href: "#Project-" + m.id, testid: "module-tile-" + m.id },
          el("div", { className: "tile-name", text: m.name }),
          el("div", { className: "tile-count", text: m.count }),
          el("div", { className: "tile-type", text: (types[m.type] || m.type) + " · carduri active" })));
      });
    });
  }

  function showList(cat) {
    current.view = "list";
    current.lastList = "";
    card = null;
    clear(main);
    main.appendChild(el("div", { className: "page-head list-head" },
      el("div", { className: "crumbs" }, el("a", { href: "#", text: "MiniCRM" }), " › ", moduleName(cat)),
      el("h1", { className: "page-title", testid: "module-title", text: moduleName(cat) }),
      el("div", { className: "card-meta", testid: "module-count" })));
    var wrap = el("div", { className: "content" });
    var tableBox = box("Carduri", "module-list");
    wrap.appendChild(tableBox);
    main.appendChild(wrap);
    refreshList(cat);
  }

  function refreshList(cat) {
    return getJson(API + "/projects?categoryId=" + cat).then(function (data) {
      if (current.view !== "list" || current.route.cat !== cat) return;
      var key = JSON.stringify(data);
      if (key === current.lastList) return;
      current.lastList = key;
      var list = data.projects || [];
      setText(main.querySelector("[data-testid=module-title]"), moduleName(cat));
      setText(main.querySelector("[data-testid=module-count]"), list.length + " carduri");
      var body = main.querySelector("[data-testid=module-list] .box-body");
      clear(body);
      if (!list.length) {
        body.appendChild(el("div", { className: "empty", text: "Niciun card în acest modul." }));
        return;
      }
      var tbody = el("tbody");
      list.forEach(function (p) {
        tbody.appendChild(el("tr", { testid: "card-row-" + p.id },
          el("td", null, el("a", { href: "#Project-" + p.categoryId + "/" + p.id, text: p.name })),
          el("td", { text: p.company }),
          el("td", { className: "nowrap", text: p.number || "" }),
          el("td", null, el("span", { className: "badge g-" + p.statusGroup, text: p.status })),
          el("td", { className: "num", text: p.amount ? money(p.amount) + " " + p.currency : "" }),
          el("td", { text: p.user }),
          el("td", { className: "nowrap", text: p.updatedAt })));
      });
      body.appendChild(el("table", { className: "grid" },
        el("thead", null, el("tr", null,
          el("th", { text: "Nume" }), el("th", { text: "Companie / client" }), el("th", { text: "Număr" }),
          el("th", { text: "Stare" }), el("th", { className: "num", text: "Valoare" }),
          el("th", { text: "Responsabil" }), el("th", { text: "Actualizat" }))),
        tbody));
    }).catch(function (e) {
      var body = main.querySelector("[data-testid=module-list] .box-body");
      if (body) { clear(body); body.appendChild(el("div", { className: "empty", text: "Eroare: " + e.message })); }
    });
  }

  // --- the card ----------------------------------------------------------------------------
  function buildCard(id, cat) {
    current.view = "card";
    current.cardId = id;
    current.lastCard = "";
    current.lastBody = "";
    tab = "document";
    clear(main);
    var c = {};
    c.moduleLink = el("a", { href: "#Project-" + cat, testid: "card-module", text: moduleName(cat) });
    c.crumbId = el("span", { testid: "card-id", text: "#" + id });
    c.name = el("h1", { className: "page-title", testid: "card-name" });
    c.company = el("span", { testid: "card-company" });
    c.contact = el("span", { testid: "card-contact" });
    c.user = el("span", { testid: "card-user" });
    c.select = el("select", { className: "status-select", testid: "status-select", id: "status-select", onchange: onStatusChange });
    c.badge = el("span", { className: "badge", testid: "status-group" });
    c.error = el("span", { className: "status-error", testid: "status-error", role: "alert" });
    c.head = el("header", { className: "page-head card-head", testid: "card-header" },
      el("div", { className: "crumbs" }, el("a", { href: "#", text: "MiniCRM" }), " › ", c.moduleLink, " › ", c.crumbId),
      c.name,
      el("div", { className: "card-meta" },
        el("span", null, el("span", { className: "label", text: "Companie:" }), c.company),
        el("span", null, el("span", { className: "label", text: "Contact:" }), c.contact),
        el("span", null, el("span", { className: "label", text: "Responsabil:" }), c.user)),
      el("div", { className: "status-row" }, el("label", { for: "status-select", text: "Stare" }), c.select, c.badge, c.error));
    c.docTab = el("button", { className: "tab", type: "button", testid: "tab-document", onclick: function () { selectTab("document"); } });
    c.projTab = el("button", { className: "tab", type: "button", testid: "tab-project", text: "Proiect", onclick: function () { selectTab("project"); } });
    c.tabs = el("div", { className: "tabs", role: "tablist" }, c.docTab, c.projTab);
    c.docPanel = el("div", { className: "content", testid: "panel-document" });
    c.projPanel = el("div", { className: "content", testid: "panel-project" });
    main.appendChild(c.head);
    main.appendChild(c.tabs);
    main.appendChild(c.docPanel);
    main.appendChild(c.projPanel);
    card = c;
    setText(c.name, "Se încarcă…");
    return refreshCard();
  }

  function selectTab(which) {
    tab = which;
    if (!card) return;
    var hasDoc = card.data && card.data.document;
    if (!hasDoc) tab = "project";
    card.docTab.style.display = hasDoc ? "" : "none";
    card.docTab.classList.toggle("active", tab === "document");
    card.projTab.classList.toggle("active", tab === "project");
    card.docTab.setAttribute("aria-selected", String(tab === "document"));
    card.projTab.setAttribute("aria-selected", String(tab === "project"));
    card.docPanel.style.display = tab === "document" ? "" : "none";
    card.projPanel.style.display = tab === "project" ? "" : "none";
  }

  function refreshCard() {
    var id = current.cardId;
    return getJson(API + "/project/" + id).then(function (data) {
      if (current.view !== "card" || current.cardId !== id || !card) return;
      var key = JSON.stringify(data);
      if (key === current.lastCard) return;
      current.lastCard = key;
      renderCard(data);
    }).catch(function (e) {
      if (!card || current.cardId !== id) return;
      setText(card.name, e.status === 404 ? "Cardul nu există" : "Eroare la încărcare");
      setText(card.error, e.message);
    });
  }

  function renderCard(d) {
    var c = card;
    c.data = d;
    main.setAttribute("data-project-id", d.id);
    main.setAttribute("data-category-id", d.categoryId);
    setText(c.moduleLink, d.category);
    setText(c.name, d.name);
    setText(c.company, d.company ? d.company.name : (d.contact ? d.contact.name : ""));
    setText(c.contact, d.contact ? d.contact.name : "");
    setText(c.user, d.user);
    document.title = d.name + " – MiniCRM";

    var optKey = JSON.stringify(d.statuses);
    if (c.select.getAttribute("data-key") !== optKey) {
      c.select.setAttribute("data-key", optKey);
      clear(c.select);
      d.statuses.forEach(function (s) {
        c.select.appendChild(el("option", { value: s.id, text: s.label, "data-allowed": s.allowed ? "true" : "false" }));
      });
    }
    if (document.activeElement !== c.select && !c.select.disabled && d.status) c.select.value = String(d.status.id);
    c.select.setAttribute("data-value", d.status ? d.status.id : "");
    c.select.setAttribute("data-label", d.status ? d.status.label : "");
    setText(c.badge, d.status ? d.status.group : "");
    c.badge.className = "badge g-" + (d.status ? d.status.group : "");

    setText(c.docTab, d.document ? d.document.title : "");
    var bodyKey = JSON.stringify([d.document, d.fields, d.company, d.contact, d.billingAddress, d.user, d.updatedAt]);
    if (bodyKey !== current.lastBody) {
      current.lastBody = bodyKey;
      clear(c.docPanel);
      if (d.document) renderDocument(c.docPanel, d.document);
      clear(c.projPanel);
      renderProject(c.projPanel, d);
    }
    selectTab(tab);
  }

  function renderDocument(panel, doc) {
    var head = box(doc.title === "Ofertă" ? "Date ofertă" : "Date comandă", "document-info");
    var pdf = doc.documentUrl ? el("a", { href: doc.documentUrl, testid: "document-pdf", text: "Descarcă PDF" }) : "";
    head.body.appendChild(kv([
      ["Număr", doc.number || "(neemisă — ciornă)", "doc-number", doc.number],
      ["Data emiterii", doc.issued, "doc-issued"],
      ["Scadență", doc.prompt, "doc-prompt"],
      ["Monedă", doc.currency, "doc-currency"],
      doc.conversionRate ? ["Curs de schimb", doc.conversionRate, "doc-rate"] : null,
      ["Metodă de plată", { WiredTransfer: "Transfer bancar", Cash: "Numerar", Card: "Card" }[doc.paymentMethod] || doc.paymentMethod, "doc-payment-method"],
      doc.paid ? ["Plătită la", doc.paid, "doc-paid"] : null,
      pdf ? ["Document", pdf, "doc-pdf"] : null
    ]));
    var cu = doc.customer;
    var cust = box("Client", "customer-block");
    var place = [cu.postalCode, cu.city].filter(Boolean).join(" ");
    cust.body.appendChild(kv([
      ["Denumire", cu.name, "customer-name"],
      ["CUI / CNP", cu.vatNumber, "customer-vat"],
      ["Cod TVA UE", cu.euVatNumber, "customer-eu-vat"],
      ["Nr. Reg. Com.", cu.registrationNumber, "customer-reg"],
      ["Adresă", [cu.address, place, cu.county].filter(Boolean).join(", "), "customer-address"],
      ["IBAN", cu.accountNumber, "customer-iban"]
    ]));
    panel.appendChild(el("div", { className: "two-col" }, head, cust));

    var items = box("Produse și servicii", "items-box");
    var tbody = el("tbody");
    doc.items.forEach(function (it, i) {
      var discount = Number(it.priceNet) < 0;
      tbody.appendChild(el("tr", { testid: "item-row", className: discount ? "discount" : null, "data-sku": it.sku },
        el("td", { text: String(i + 1) }),
        el("td", null, el("div", { testid: "item-name", text: it.name }), it.sku ? el("div", { className: "sku", testid: "item-sku", text: it.sku }) : null),
        el("td", { className: "num", testid: "item-quantity", "data-value": it.quantity, text: it.quantity.replace(".", ",") }),
        el("td", { testid: "item-unit", text: it.unit }),
        el("td", { className: "num", testid: "item-price", "data-value": it.priceNet, text: money(it.priceNet) }),
        el("td", { className: "num", testid: "item-vat", text: it.vat }),
        el("td", { className: "num", testid: "item-net", "data-value": it.net, text: money(it.net) }),
        el("td", { className: "num", testid: "item-total", "data-value": it.total, text: money(it.total) })));
    });
    items.body.style.padding = "0";
    items.body.appendChild(el("table", { className: "grid", testid: "items-table" },
      el("thead", null, el("tr", null,
        el("th", { text: "#" }), el("th", { text: "Denumire" }), el("th", { className: "num", text: "Cantitate" }),
        el("th", { text: "U.M." }), el("th", { className: "num", text: "Preț unitar" }), el("th", { className: "num", text: "TVA" }),
        el("th", { className: "num", text: "Valoare netă" }), el("th", { className: "num", text: "Total" }))),
      tbody));
    var t = doc.totals;
    items.body.appendChild(el("div", { className: "totals", testid: "totals" }, el("dl", null,
      el("dt", { text: "Total fără TVA" }),
      el("dd", null, el("span", { testid: "total-net", "data-value": t.net, text: money(t.net) }), " ", el("span", { text: doc.currency })),
      el("dt", { text: "TVA" }),
      el("dd", null, el("span", { testid: "total-vat", "data-value": t.vat, text: money(t.vat) }), " ", el("span", { text: doc.currency })),
      el("dt", { className: "grand", text: "Total de plată" }),
      el("dd", { className: "grand" }, el("span", { testid: "total-amount", "data-value": t.total, text: money(t.total) }), " ",
        el("span", { testid: "total-currency", text: doc.currency })))));
    panel.appendChild(items);
  }

  function fieldValue(f) {
    if (f.type === "File(10MB)" && f.url) {
      return el("a", { href: f.url, testid: "field-" + f.name + "-link", download: f.fileName, text: f.fileName });
    }
    if (f.value && /^https?:\/\//.test(f.value)) {
      return el("a", { href: f.value, target: "_blank", rel: "noopener", testid: "field-" + f.name + "-link", text: f.value });
    }
    return null;
  }

  function renderProject(panel, d) {
    var fieldsBox = box("Câmpuri", "fields-box");
    fieldsBox.classList.add("fields");
    var dl = el("dl", { className: "kv" });
    d.fields.forEach(function (f) {
      dl.appendChild(el("dt", { text: f.label, title: f.name }));
      var link = fieldValue(f);
      var dd = link ? el("dd", null, link) : el("dd", { text: f.value });
      dd.setAttribute("data-testid", "field-" + f.name);
      dd.setAttribute("data-field", f.name);
      dd.setAttribute("data-type", f.type);
      dd.setAttribute("data-value", f.value);
      if (f.type === "File(10MB)") dd.className = "field-file";
      if (/Eroare|Error/i.test(f.name) && f.value) dd.className = "field-error";
      dl.appendChild(dd);
    });
    fieldsBox.body.appendChild(dl);

    var contacts = box("Contacte", "contacts-box");
    var co = d.company, ct = d.contact, ba = d.billingAddress;
    contacts.body.appendChild(kv([
      co ? ["Companie", co.name, "contact-company"] : null,
      co ? ["CUI/CIF", co.vatNumber, "contact-company-vat"] : null,
      co ? ["E-mail companie", co.email] : null,
      ct ? [ct.type === "Person" ? "Persoană de contact" : "Contact", ct.name, "contact-person"] : null,
      ct ? ["E-mail", ct.email, "contact-email"] : null,
      ct ? ["Telefon", ct.phone] : null,
      ct && ct.position ? ["Funcție", ct.position] : null,
      ba ? ["Adresă de facturare", [ba.address, [ba.postalCode, ba.city].filter(Boolean).join(" "), ba.county, ba.country].filter(Boolean).join(", "), "contact-billing-address"] : null
    ]));
    var info = box("Informații card", "card-info");
    info.body.appendChild(kv([
      ["Modul", d.category],
      ["Responsabil", d.user],
      ["Creat la", d.createdAt],
      ["Stare schimbată la", d.statusUpdatedAt, "card-status-updated-at"],
      ["Actualizat la", d.updatedAt, "card-updated-at"]
    ]));
    panel.appendChild(fieldsBox);
    panel.appendChild(el("div", { className: "two-col" }, contacts, info));
  }

  function onStatusChange() {
    if (!card || !card.data) return;
    var sel = card.select;
    var wanted = sel.value;
    var previous = card.data.status ? String(card.data.status.id) : "";
    setText(card.error, "");
    sel.disabled = true;
    postJson(API + "/project/" + current.cardId + "/status", { statusId: Number(wanted) }).then(function (data) {
      sel.disabled = false;
      current.lastCard = JSON.stringify(data);
      renderCard(data);
      sel.value = String(data.status.id);
      loadModules();
    }).catch(function (e) {
      sel.disabled = false;
      sel.value = previous;
      var msg = e.status === 405
        ? "Schimbarea stării nu este permisă. O comandă trece doar prin pașii Ciornă → În lucru → Finalizată → Plătită (sau Stornată)."
        : "Eroare: " + e.message;
      setText(card.error, msg);
      card.error.setAttribute("data-api-error", e.message);
    });
  }

  // --- routing and polling -----------------------------------------------------------------
  function route() {
    var r = parseHash();
    current.route = r;
    markNav();
    if (r.view === "card") {
      if (current.view !== "card" || current.cardId !== r.id || !card) buildCard(r.id, r.cat);
      else refreshCard();
    } else if (r.view === "list") {
      showList(r.cat);
    } else {
      showDashboard();
    }
  }

  function tick() {
    if (busy || document.hidden) return;
    busy = true;
    var r = current.route || parseHash();
    var p = r.view === "card" ? refreshCard() : r.view === "list" ? refreshList(r.cat) : refreshDashboard();
    Promise.resolve(p).then(function () { busy = false; }, function () { busy = false; });
  }

  window.addEventListener("hashchange", route);
  loadModules().then(route);
  setInterval(tick, 2000);
})();
