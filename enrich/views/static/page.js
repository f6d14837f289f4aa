// The catalog page: plain JavaScript, no build step, no network. Data comes from papers.js
// (window.CATALOG_PAPERS: papers.json's papers in a compact form, see enrich/views/papers_json.py;
// a script because browsers refuse fetch() of a local file). Only the rows in view are in the
// DOM (virtual scrolling), so 20,000 papers stay fast. The filter state lives in the URL hash.
(function () {
  "use strict";
  var ROW = 44, OVERSCAN = 8, DAY = 86400000;
  var data = window.CATALOG_PAPERS;
  var $ = function (id) { return document.getElementById(id); };
  var timings = [];
  window.catalogPage = { timings: timings, visible: function () { return visibleIds(); } };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) {
      if (attrs[k] === null || attrs[k] === undefined || attrs[k] === false) continue;
      if (k === "text") node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c !== null && c !== undefined) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function safeUrl(url) {  // no javascript: or data: links from catalog text
    return url && /^(https?:\/\/|\.{0,2}\/|[^:]*$)/i.test(url) ? url : null;
  }
  function link(url, text) {
    var href = safeUrl(url);
    return href ? el("a", { href: href, text: text, rel: "noopener" }) : document.createTextNode(text);
  }
  function fmt(n) { return n === null || n === undefined ? "" : String(n); }
  function signed(n) { return n === null || n === undefined ? "" : (n > 0 ? "+" : "") + n; }

  // The data: one array per paper in data.fields' order; histories are flat [days, count, …]
  // deltas from data.epoch, made absolute here (day numbers: days since 1970-01-01).
  var F = {}; data.fields.forEach(function (name, i) { F[name] = i; });
  var epochDay = data.epoch ? Date.parse(data.epoch + "T00:00:00Z") / DAY : 0;
  function absolute(flat) {
    var d = epochDay, v = 0;
    for (var i = 0; i < flat.length; i += 2) { d += flat[i]; v += flat[i + 1]; flat[i] = d; flat[i + 1] = v; }
    return flat;
  }
  function isoDay(dayNumber) { return new Date(dayNumber * DAY).toISOString().slice(0, 10); }
  var asOf = null;  // the history's newest day: growth windows end there
  var records = data.papers.map(function (a) {
    var p = {};
    data.fields.forEach(function (name, i) { p[name] = a[i]; });
    p.repo = p.repo_url !== null || p.stars !== null || p.dead ? { url: p.repo_url, stars: p.stars, stars_changed: p.stars_changed, archived: p.archived, dead: p.dead } : null;
    p.history = { citations: absolute(p.citations_history), stars: absolute(p.stars_history) };
    [p.history.citations, p.history.stars].forEach(function (s) { if (s.length && (asOf === null || s[s.length - 2] > asOf)) asOf = s[s.length - 2]; });
    return p;
  });
  // Growth over a window: the count on the history's newest day minus the count on the day the
  // window starts (the last point on or before it); unknown (null) when the history is shorter.
  function valueAt(flat, day) {
    var v = null;
    for (var i = 0; i < flat.length && flat[i] <= day; i += 2) v = flat[i + 1];
    return v;
  }
  function growth(flat, days) {
    if (asOf === null || !flat.length) return null;
    var then = valueAt(flat, asOf - days);
    return then === null ? null : flat[flat.length - 1] - then;
  }

  var papers = records.map(function (p, index) {
    p.abstract = p.tldr = null;  // from abstracts.js, loaded after the first rows are drawn
    return {
      p: p, index: index,
      text: (p.title + " \u0000 " + p.authors.join(" ")).toLowerCase(),
      stars: p.repo ? p.repo.stars : null,
      c30: growth(p.history.citations, 30), c90: growth(p.history.citations, 90),
      s30: growth(p.history.stars, 30), s90: growth(p.history.stars, 90)
    };
  });
  var byId = {}; papers.forEach(function (r) { byId[r.p.path] = r; });

  var COLUMNS = [
    { key: "title", label: "Title", cls: "col-title" },
    { key: "authors", label: "Authors", cls: "col-authors" },
    { key: "venue", label: "Venue", cls: "col-venue" },
    { key: "year", label: "Year", cls: "col-year", num: true, value: function (r) { return r.p.year; } },
    { key: "keywords", label: "Keywords", cls: "col-keywords" },
    { key: "citations", label: "Citations", cls: "col-num", num: true, value: function (r) { return r.p.citations; } },
    { key: "stars", label: "Stars", cls: "col-stars", num: true, value: function (r) { return r.stars; } },
    { key: "c30", label: "Cit. 30 d", cls: "col-num", num: true, value: function (r) { return r.c30; } },
    { key: "c90", label: "Cit. 90 d", cls: "col-num", num: true, value: function (r) { return r.c90; } },
    { key: "s30", label: "Stars 30 d", cls: "col-num", num: true, value: function (r) { return r.s30; } },
    { key: "s90", label: "Stars 90 d", cls: "col-num", num: true, value: function (r) { return r.s90; } },
    { key: "trend", label: "Trend (citations, stars)", cls: "col-trend" },
    { key: "more", label: "Abstract", cls: "col-more" }
  ];
  var NUMERIC = {}; COLUMNS.forEach(function (c) { if (c.num) NUMERIC[c.key] = c; });

  var state = { q: "", keyword: "", venue: "", from: "", to: "", sort: "citations", dir: "desc", open: "" };
  var shown = [];

  function fillSelect(select, values, label) {
    values.forEach(function (v) { select.appendChild(el("option", { value: v[0], text: label ? label(v) : v[0] })); });
  }
  function counted(key) {
    var counts = {};
    papers.forEach(function (r) { [].concat(r.p[key] || []).forEach(function (v) { counts[v] = (counts[v] || 0) + 1; }); });
    return Object.keys(counts).sort(function (a, b) { return a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0; })
      .map(function (k) { return [k, counts[k]]; });
  }
  fillSelect($("keyword"), counted("keywords"), function (v) { return v[0].replace(/_/g, " ") + " (" + v[1] + ")"; });
  fillSelect($("venue"), counted("venue"), function (v) { return v[0] + " (" + v[1] + ")"; });
  var years = counted("year").map(function (v) { return v[0]; }).sort();
  fillSelect($("from"), years.map(function (y) { return [y]; }));
  fillSelect($("to"), years.slice().reverse().map(function (y) { return [y]; }));
  COLUMNS.forEach(function (c) { if (c.num) $("sort").appendChild(el("option", { value: c.key, text: c.label })); });

  // The header: numeric columns sort on click (a button each, so the keyboard reaches them).
  COLUMNS.forEach(function (c) {
    var th = el("th", { scope: "col", class: c.cls + (c.num ? " num" : ""), "data-key": c.key });
    if (c.num) {
      var b = el("button", { type: "button", text: c.label, title: "Sort by " + c.label.toLowerCase() });
      b.addEventListener("click", function () {
        if (state.sort === c.key) state.dir = state.dir === "desc" ? "asc" : "desc"; else { state.sort = c.key; state.dir = "desc"; }
        update(true);
      });
      th.appendChild(b);
    } else th.textContent = c.label;
    $("head").appendChild(th);
  });

  function readHash() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    Object.keys(state).forEach(function (k) { state[k] = params.get(k) || ""; });
    if (!NUMERIC[state.sort]) state.sort = "citations";
    if (state.dir !== "asc") state.dir = "desc";
  }
  function writeHash() {
    var params = new URLSearchParams();
    Object.keys(state).forEach(function (k) { if (state[k]) params.set(k, state[k]); });
    var hash = "#" + params.toString();
    if (hash !== location.hash) history.replaceState(null, "", hash === "#" ? location.pathname + location.search : hash);
  }
  function controlsFromState() {
    ["q", "keyword", "venue", "from", "to", "sort", "dir"].forEach(function (k) { $(k).value = state[k]; });
  }

  function matches(r, words) {
    var p = r.p;
    if (state.keyword && p.keywords.indexOf(state.keyword) < 0) return false;
    if (state.venue && p.venue !== state.venue) return false;
    if (state.from && (p.year === null || p.year < +state.from)) return false;
    if (state.to && (p.year === null || p.year > +state.to)) return false;
    for (var i = 0; i < words.length; i++) if (r.text.indexOf(words[i]) < 0) return false;
    return true;
  }
  function compute() {
    var words = state.q.toLowerCase().split(/\s+/).filter(Boolean);
    var value = NUMERIC[state.sort].value, sign = state.dir === "asc" ? 1 : -1;
    shown = papers.filter(function (r) { return matches(r, words); });
    shown.sort(function (a, b) {  // unknown values last in either order; ties by catalog order
      var x = value(a), y = value(b);
      if (x === null || y === null) return x === y ? a.index - b.index : x === null ? 1 : -1;
      return x === y ? a.index - b.index : (x - y) * sign;
    });
  }

  function spark(flat, label) {
    var w = 80, h = 18, n = flat.length;
    if (!n) return el("span", { class: "muted", text: "–", title: "no " + label + " history yet" });
    var t0 = flat[0], t1 = Math.max(asOf, flat[n - 2]), lo = Infinity, hi = -Infinity, i;
    for (i = 1; i < n; i += 2) { lo = Math.min(lo, flat[i]); hi = Math.max(hi, flat[i]); }
    var x = function (d) { return (t1 === t0 ? 1 : ((d - t0) / (t1 - t0)) * (w - 2) + 1).toFixed(1); };
    var y = function (v) { return (hi === lo ? h / 2 : h - 1 - ((v - lo) / (hi - lo)) * (h - 2)).toFixed(1); };
    var pts = [];  // a step line: a count holds until the day it changed
    for (i = 0; i < n; i += 2) { if (i) pts.push(x(flat[i]) + "," + y(flat[i - 1])); pts.push(x(flat[i]) + "," + y(flat[i + 1])); }
    pts.push((w - 1) + "," + y(flat[n - 1]));
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    var text = label + ": " + flat[1] + " on " + isoDay(flat[0]) + ", " + flat[n - 1] + " on " + isoDay(flat[n - 2]);
    svg.setAttribute("width", w); svg.setAttribute("height", h); svg.setAttribute("role", "img"); svg.setAttribute("aria-label", text);
    var title = document.createElementNS(ns, "title"); title.textContent = text; svg.appendChild(title);
    var line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", pts.join(" ")); line.setAttribute("fill", "none");
    line.setAttribute("stroke", label === "stars" ? "#bf8700" : "#0969da"); line.setAttribute("stroke-width", "1.5");
    svg.appendChild(line);
    return svg;
  }

  function countCell(n, changed, what) {
    return el("td", { class: "num", text: fmt(n), title: n === null ? what + ": unknown" : what + " " + n + (changed ? ", changed " + changed : "") });
  }
  function growthCell(n) { return el("td", { class: "num" + (n > 0 ? " growth-up" : ""), text: signed(n), title: n === null ? "not enough history" : null }); }

  function rowFor(r) {
    var p = r.p, repo = p.repo;
    var stars = countCell(r.stars, repo && repo.stars_changed, "stars");
    if (repo && repo.dead) stars.textContent += " (dead)"; else if (repo && repo.archived) stars.textContent += " (archived)";
    var open = el("button", { type: "button", text: "Abstract", "aria-expanded": state.open === p.path ? "true" : "false", "aria-controls": "details", "aria-label": "Abstract of " + p.title });
    open.addEventListener("click", function (event) { event.stopPropagation(); toggle(p.path); });
    var tr = el("tr", { class: "paper" + (state.open === p.path ? " open" : ""), "data-id": p.path }, [
      el("td", { title: p.title }, [link(p.url, p.title)]),
      el("td", { text: p.authors.join(", "), title: p.authors.join(", ") }),
      el("td", { text: p.venue || "", title: p.venue_detail || p.venue || "" }),
      el("td", { class: "num", text: fmt(p.year) }),
      el("td", { text: p.keywords.join(", ").replace(/_/g, " ") }),
      countCell(p.citations, p.citations_changed, "citations"), stars,
      growthCell(r.c30), growthCell(r.c90), growthCell(r.s30), growthCell(r.s90),
      el("td", { class: "trend" }, [spark(p.history.citations, "citations"), " ", spark(p.history.stars, "stars")]),
      el("td", { class: "more" }, [open])
    ]);
    tr.addEventListener("click", function (event) { if (!event.target.closest("a")) toggle(p.path); });
    return tr;
  }

  var lastRange = null;
  function paint(force) {
    var scroller = $("scroller"), body = $("rows");
    var first = Math.max(0, Math.floor(scroller.scrollTop / ROW) - OVERSCAN);
    var count = Math.ceil(scroller.clientHeight / ROW) + 2 * OVERSCAN;
    var last = Math.min(shown.length, first + count);
    var key = first + ":" + last;
    if (!force && key === lastRange) return;
    lastRange = key;
    var frag = document.createDocumentFragment();
    frag.appendChild(el("tr", { "aria-hidden": "true", style: "height:" + first * ROW + "px" }));
    for (var i = first; i < last; i++) frag.appendChild(rowFor(shown[i]));
    if (!shown.length) frag.appendChild(el("tr", { class: "empty" }, [el("td", { colspan: COLUMNS.length, text: "No paper matches these filters." })]));
    frag.appendChild(el("tr", { "aria-hidden": "true", style: "height:" + (shown.length - last) * ROW + "px" }));
    body.replaceChildren(frag);
  }

  function showDetails() {
    var r = byId[state.open], aside = $("details");
    if (!r) { aside.hidden = true; return; }
    var p = r.p, repo = p.repo, dl = el("dl");
    function item(term, value) { if (value !== null && value !== undefined && value !== "") dl.append(el("dt", { text: term }), el("dd", {}, [value])); }
    item("Authors", p.authors.join(", "));
    item("Institutions", p.institutions.join(", "));
    item("Venue", [p.venue, p.venue_detail].filter(Boolean).join(" — "));
    item("Year", fmt(p.year));
    item("Citations", p.citations === null ? "unknown" : p.citations + (p.citations_changed ? " (changed " + p.citations_changed + ")" : ""));
    item("Influential", p.influential_citations === null ? null : p.influential_citations + (p.influential_citations_changed ? " (changed " + p.influential_citations_changed + ")" : ""));
    if (repo) {
      item("Code", link(repo.url || p.code_url, repo.url || p.code_url));
      item("Stars", repo.stars === null ? "unknown" : repo.stars + (repo.stars_changed ? " (changed " + repo.stars_changed + ")" : "") + (repo.dead ? ", link dead" : repo.archived ? ", archived" : ""));
    } else if (p.code_url) item("Code", link(p.code_url, p.code_url));
    item("arXiv", p.arxiv_id ? link("https://arxiv.org/abs/" + p.arxiv_id, p.arxiv_id) : null);
    item("DOI", p.doi ? link("https://doi.org/" + p.doi, p.doi) : null);
    $("details-title").replaceChildren(link(p.url, p.title));
    $("details-body").replaceChildren(
      p.tldr ? el("p", {}, [el("strong", { text: "TL;DR " }), p.tldr]) : "",
      el("p", { class: p.abstract ? "abstract" : "abstract muted",
                text: p.abstract || (window.catalogPage.complete ? "No abstract known yet." : "Loading the abstract…") }),
      dl);
    aside.hidden = false;
  }
  function toggle(id) {
    state.open = state.open === id ? "" : id;
    writeHash(); paint(true); showDetails();
    if (state.open) $("details").focus();
  }

  function update(resetScroll) {
    var t0 = performance.now();
    compute();
    if (resetScroll) $("scroller").scrollTop = 0;
    paint(true);
    document.querySelectorAll("#head th").forEach(function (th) {
      var key = th.getAttribute("data-key");
      if (NUMERIC[key]) th.setAttribute("aria-sort", key === state.sort ? (state.dir === "asc" ? "ascending" : "descending") : "none");
    });
    $("summary").textContent = shown.length + " of " + papers.length + " papers" + (asOf !== null ? "; counts and growth as of " + isoDay(asOf) : "") +
      ". Click a row for its abstract.";
    controlsFromState();
    writeHash();
    showDetails();
    timings.push(performance.now() - t0);
  }

  $("q").addEventListener("input", function () { state.q = this.value; update(true); });
  ["keyword", "venue", "from", "to", "sort", "dir"].forEach(function (k) {
    $(k).addEventListener("change", function () { state[k] = this.value; update(true); });
  });
  $("reset").addEventListener("click", function () { location.hash = ""; readHash(); update(true); });
  $("close").addEventListener("click", function () { toggle(state.open); });
  $("scroller").addEventListener("scroll", function () { paint(false); }, { passive: true });
  window.addEventListener("resize", function () { paint(true); });
  window.addEventListener("hashchange", function () { readHash(); update(false); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && document.activeElement.tagName !== "INPUT") { event.preventDefault(); $("q").focus(); }
    if (event.key === "Escape" && state.open) toggle(state.open);
  });
  function visibleIds() {
    return Array.prototype.map.call(document.querySelectorAll("#rows tr.paper"), function (tr) { return tr.getAttribute("data-id"); });
  }

  // Abstracts (most of the data) come second, so the first rows are drawn without waiting for them.
  function loadAbstracts() {
    var script = document.createElement("script");
    script.src = "abstracts.js";
    script.onload = function () {
      var texts = window.CATALOG_ABSTRACTS || [];
      papers.forEach(function (r, i) {
        var pair = texts[i] || [null, null];
        r.p.abstract = pair[0]; r.p.tldr = pair[1];
        if (pair[0]) r.text += " \u0000 " + pair[0].toLowerCase();
      });
      window.catalogPage.complete = true;
      update(false);
      performance.mark("catalog-complete");
    };
    script.onerror = function () { window.catalogPage.complete = true; $("summary").textContent += " (abstracts.js is missing: search covers titles and authors)"; };
    document.body.appendChild(script);
  }

  readHash();
  update(false);
  window.catalogPage.ready = true;
  performance.mark("catalog-ready");
  setTimeout(loadAbstracts, 0);
})();
