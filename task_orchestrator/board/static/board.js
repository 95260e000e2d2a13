// The task board's page: columns of cards, a task panel, live refresh over server-sent
// events. No framework and nothing from elsewhere (the page's CSP allows only this file).
"use strict";

const state = {
  workspace: null, // the workspace id shown
  columns: [], // [{key, title, cards, next_cursor, count, count_capped}]
  panel: null, // the open panel's data (core/detail.task_detail plus its graph)
  panelId: null,
  opener: null, // the element focused before the panel opened
  refreshing: false,
  again: false,
  shown: "", // what the columns were last drawn from, so an unchanged refresh draws nothing
  expanded: new Map(), // artifact id -> its detailed work, for those the person opened
};
// Drawn cards by task id: a refresh reuses the node of an unchanged card, so a click or the
// focus on it survives the refresh.
const cardNodes = new Map();
const $ = (id) => document.getElementById(id);
const PAGE = 30;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  return node;
}

// -- talking to the board's server ---------------------------------------------------------

async function getJSON(url) {
  const res = await fetch(url, { headers: { accept: "application/json" } });
  const data = await res.json().catch(() => ({ error: `the board answered ${res.status}` }));
  if (!res.ok) throw new Error(data.error || `the board answered ${res.status}`);
  return data;
}

async function post(taskId, action, body) {
  const res = await fetch(`/api/tasks/${encodeURIComponent(taskId)}/${action}`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ workspace: state.workspace, ...body }),
  });
  const data = await res.json().catch(() => ({ error: `the board answered ${res.status}` }));
  if (!res.ok) throw new Error(data.error || `the board answered ${res.status}`);
  return data;
}

function showError(where, message) {
  // Emptied first so that the same message twice is announced twice.
  where.textContent = "";
  if (message) setTimeout(() => { where.textContent = message; }, 30);
}

function announce(text) {
  const node = $("announce");
  node.textContent = "";
  setTimeout(() => { node.textContent = text; }, 30);
}

// -- words -------------------------------------------------------------------------------

function age(iso) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const s = Math.max(0, (Date.now() - t) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h`;
  if (s < 86400 * 60) return `${Math.floor(s / 86400)} d`;
  return `${Math.floor(s / (86400 * 30))} mo`;
}

function ago(iso) {
  const text = age(iso);
  return text === "just now" || !text ? text : `${text} ago`;
}

const STATUS_WORDS = {
  pending: "pending", in_progress: "in progress", needs_revision: "needs revision",
  blocked: "blocked", completed: "completed", cancelled: "cancelled",
};

function progressOf(card) {
  const counted = card.subtasks - card.subtasks_cancelled;
  return card.subtasks ? `${card.subtasks_completed}/${counted}` : "";
}

// -- the columns -------------------------------------------------------------------------

function limitsQuery() {
  // A refresh keeps as many cards as "show more" had opened (the server caps a page).
  return state.columns.map((c) => `&${c.key}=${Math.max(PAGE, c.cards.length)}`).join("");
}

async function loadColumns() {
  if (!state.workspace) return;
  const ws = encodeURIComponent(state.workspace);
  const data = await getJSON(`/api/columns?workspace=${ws}${limitsQuery()}`);
  if (data.workspace !== state.workspace) return; // the person switched meanwhile
  state.columns = data.columns;
  const shown = JSON.stringify(data.columns);
  if (shown === state.shown && $("board").childElementCount) return;
  state.shown = shown;
  renderColumns();
}

function renderCard(card) {
  const progress = progressOf(card);
  const when = age(card.created_at);
  const label = [
    card.title, STATUS_WORDS[card.status], `specialist ${card.specialist}`,
    progress ? `${card.subtasks_completed} of ${card.subtasks - card.subtasks_cancelled} subtasks done` : null,
    when ? `created ${ago(card.created_at)}` : null,
  ].filter(Boolean).join(", ");
  return el("li", {},
    el("button", {
      type: "button", class: `card s-${card.status}`, "data-id": card.id, "aria-label": label,
      "aria-haspopup": "dialog", onclick: (e) => openPanel(card.id, e.currentTarget),
    },
    el("span", { class: "title", text: card.title }),
    el("span", { class: "meta" },
      card.status === "needs_revision" ? el("span", { class: "badge", text: "needs revision" }) : null,
      el("span", { class: "specialist", text: card.specialist }),
      progress ? el("span", { class: "progress", title: "subtasks completed", text: progress }) : null,
      el("span", { class: "age", title: card.created_at, text: when }))));
}

function cardNode(card) {
  const sig = `${JSON.stringify(card)}|${age(card.created_at)}`;
  const known = cardNodes.get(card.id);
  if (known && known.sig === sig) return known.node;
  const node = renderCard(card);
  cardNodes.set(card.id, { sig, node });
  return node;
}

function renderColumns() {
  const focused = document.activeElement;
  const focusId = focused && focused.classList.contains("card") ? focused.dataset.id : null;
  const main = $("board");
  main.replaceChildren(...state.columns.map((col) => {
    const count = col.count_capped ? `${col.count}+` : String(col.count);
    const list = el("ul", { class: "cards", "aria-labelledby": `h-${col.key}` },
      col.cards.map(cardNode));
    return el("section", { class: "column", id: `col-${col.key}`, "data-key": col.key, "aria-labelledby": `h-${col.key}` },
      el("h2", { id: `h-${col.key}` }, el("span", { text: col.title }),
        el("span", { class: "count", "aria-label": `${count} tasks`, text: count })),
      col.cards.length ? list : el("p", { class: "empty", text: "No tasks" }),
      col.next_cursor ? el("button", {
        type: "button", class: "more", "aria-label": `Show more ${col.title.toLowerCase()} tasks`,
        onclick: () => showMore(col.key),
      }, "Show more") : null);
  }));
  const drawn = new Set(state.columns.flatMap((c) => c.cards.map((card) => card.id)));
  for (const id of [...cardNodes.keys()]) if (!drawn.has(id)) cardNodes.delete(id);
  if (focusId && document.activeElement !== focused) {
    const again = main.querySelector(`.card[data-id="${CSS.escape(focusId)}"]`);
    if (again) again.focus();
  }
}

async function showMore(key) {
  const col = state.columns.find((c) => c.key === key);
  if (!col || !col.next_cursor) return;
  const ws = encodeURIComponent(state.workspace);
  try {
    const page = await getJSON(`/api/columns/${key}?workspace=${ws}&cursor=${col.next_cursor}&limit=${PAGE}`);
    const first = page.cards.length ? page.cards[0].id : null;
    col.cards = col.cards.concat(page.cards);
    col.next_cursor = page.next_cursor;
    renderColumns();
    if (first) document.querySelector(`.card[data-id="${CSS.escape(first)}"]`).focus();
  } catch (err) {
    showError($("error"), err.message);
  }
}

// -- the task panel ----------------------------------------------------------------------

async function openPanel(taskId, opener) {
  if (!$("overlay").hidden && state.panelId === taskId) return;
  if ($("overlay").hidden) state.opener = opener || document.activeElement;
  if (state.panelId !== taskId) state.expanded.clear();
  state.panelId = taskId;
  showError($("panel-error"), "");
  try {
    state.panel = await getJSON(`/api/tasks/${encodeURIComponent(taskId)}?workspace=${encodeURIComponent(state.workspace)}`);
  } catch (err) {
    showError($("error"), err.message);
    return;
  }
  $("overlay").hidden = false;
  $("board").inert = true;
  $("top").inert = true;
  renderPanel();
  $("panel").focus();
}

function closePanel() {
  if ($("overlay").hidden) return;
  $("overlay").hidden = true;
  $("board").inert = false;
  $("top").inert = false;
  state.panel = null;
  state.panelId = null;
  const back = state.opener && state.opener.dataset ? state.opener.dataset.id : null;
  const card = back ? document.querySelector(`.card[data-id="${CSS.escape(back)}"]`) : null;
  (card || state.opener || $("workspace")).focus();
}

async function refreshPanel() {
  if (!state.panelId) return;
  let fresh;
  try {
    fresh = await getJSON(`/api/tasks/${encodeURIComponent(state.panelId)}?workspace=${encodeURIComponent(state.workspace)}`);
  } catch (err) {
    showError($("panel-error"), err.message);
    return;
  }
  // Most changes concern other tasks: then nothing is redrawn under the person's pointer.
  if (JSON.stringify(fresh) === JSON.stringify(state.panel)) return;
  state.panel = fresh;
  // Keep what the person was typing and where the focus was.
  const kept = {};
  for (const id of ["summary", "new-title", "reason"]) {
    const input = $(id);
    if (input && input.dataset.touched) kept[id] = input.value;
  }
  const focusId = document.activeElement && document.activeElement.id;
  renderPanel();
  for (const [id, value] of Object.entries(kept)) {
    const input = $(id);
    if (input) { input.value = value; input.dataset.touched = "1"; }
  }
  const again = focusId && $(focusId);
  (again || $("panel")).focus();
}

function section(title, id, ...content) {
  return el("section", { "aria-labelledby": id }, el("h3", { id, text: title }), ...content);
}

function renderPanel() {
  const d = state.panel;
  const t = d.task;
  $("panel-title").textContent = t.title;
  const facts = el("p", { class: "facts" },
    el("span", { text: `Status: ${STATUS_WORDS[t.status]}` }),
    el("span", { text: `Specialist: ${t.specialist}` }),
    el("span", {}, "Id: ", el("code", { text: t.id })),
    el("span", { text: `Created ${ago(t.created_at)}` }),
    d.subtasks_total ? el("span", { text: `Subtasks: ${d.progress.completed} completed, ${d.progress.open} open, ${d.progress.cancelled} cancelled` }) : null);
  const parent = d.parent ? el("p", {}, "Part of ",
    el("button", { type: "button", class: "link", onclick: () => openPanel(d.parent.id) }, d.parent.title)) : null;
  const body = [
    facts, parent,
    t.description ? el("p", { class: "description", text: t.description }) : null,
    section("Actions", "h-actions", actions(t)),
    section(d.graph.kind === "plan" ? "Subtasks and their dependencies" : "Dependencies", "h-graph", graphView(d.graph)),
    d.subtasks.length ? section(`Subtasks (${d.subtasks_total})`, "h-subtasks", taskList(d.subtasks)) : null,
    d.dependencies.length ? section("Depends on", "h-deps", taskList(d.dependencies)) : null,
    d.dependents.length ? section("Needed by", "h-dependents", taskList(d.dependents)) : null,
    section(`Work (${d.artifacts_total})`, "h-work", d.artifacts.length ? d.artifacts.map(artifactView) : el("p", { class: "empty", text: "No work recorded yet" })),
    section("Files touched", "h-files", d.files.length ? el("ul", { class: "plain" }, d.files.map((f) => el("li", {}, el("code", { text: f })))) : el("p", { class: "empty", text: "None recorded" })),
    section("History", "h-history", el("ol", { class: "timeline" }, d.events.map(eventView))),
  ];
  $("panel-body").replaceChildren(...body.filter(Boolean));
}

function taskList(tasks) {
  return el("ul", { class: "plain" }, tasks.map((s) => el("li", {},
    el("button", { type: "button", class: "link", onclick: () => openPanel(s.id), "aria-label": `${s.title}, ${STATUS_WORDS[s.status]}` }, s.title),
    ` (${STATUS_WORDS[s.status]})`)));
}

function touched(e) { e.target.dataset.touched = "1"; }

function actions(t) {
  const finished = t.finished;  // core/rules.py decides, not the page
  const box = el("div", { class: "actions" });
  if (!finished) {
    box.append(el("div", { class: "row" },
      t.status === "in_progress" ? null : el("button", { type: "button", id: "do-start", onclick: () => act("start", {}, "Started") }, "Start"),
      el("button", { type: "button", id: "do-cancel", onclick: () => act("cancel", {}, "Cancelled") }, "Cancel task")));
    box.append(el("form", { id: "complete-form", onsubmit: (e) => { e.preventDefault(); act("complete", { summary: $("summary").value }, "Completed"); } },
      el("label", { for: "summary", text: "Summary" }),
      el("input", { id: "summary", name: "summary", type: "text", maxlength: "4000", placeholder: "What was done (optional)", oninput: touched }),
      el("button", { type: "submit", id: "do-complete" }, "Complete")));
  } else {
    box.append(el("div", { class: "row" },
      el("button", { type: "button", id: "do-reopen", onclick: () => act("reopen", {}, "Reopened") }, "Reopen")));
  }
  box.append(el("form", { id: "rename-form", onsubmit: (e) => { e.preventDefault(); act("rename", { title: $("new-title").value, version: t.version }, "Renamed"); } },
    el("label", { for: "new-title", text: "Title" }),
    el("input", { id: "new-title", name: "title", type: "text", value: t.title, oninput: touched }),
    el("button", { type: "submit", id: "do-rename" }, "Rename")));
  return box;
}

async function act(action, body, done) {
  showError($("panel-error"), "");
  try {
    await post(state.panelId, action, body);
  } catch (err) {
    showError($("panel-error"), err.message);
    return;
  }
  announce(`${done}: ${state.panel ? state.panel.task.title : ""}`);
  for (const id of ["summary", "new-title"]) { const i = $(id); if (i) delete i.dataset.touched; }
  await refresh();
}

function artifactView(a) {
  const id = `work-${a.id}`;
  const kept = state.expanded.get(a.id);
  const pre = el("pre", { id, hidden: kept === undefined });
  if (kept !== undefined) { pre.textContent = kept; pre.dataset.loaded = "1"; }
  const button = el("button", {
    type: "button", "aria-expanded": String(kept !== undefined), "aria-controls": id, id: `show-${a.id}`,
    onclick: async () => {
      const open = button.getAttribute("aria-expanded") === "true";
      if (!open && !pre.dataset.loaded) {
        try {
          pre.textContent = (await getJSON(`/api/artifacts/${encodeURIComponent(a.id)}`)).content;
          pre.dataset.loaded = "1";
        } catch (err) {
          showError($("panel-error"), err.message);
          return;
        }
      }
      pre.hidden = open;
      if (open) state.expanded.delete(a.id); else state.expanded.set(a.id, pre.textContent);
      button.setAttribute("aria-expanded", String(!open));
      button.textContent = open ? "Show detailed work" : "Hide detailed work";
    },
  }, kept === undefined ? "Show detailed work" : "Hide detailed work");
  return el("div", { class: "artifact" },
    el("p", {}, el("strong", { text: `${a.type}: ` }), a.summary),
    el("p", { class: "facts" }, el("span", { text: `${a.size} characters` }), el("span", { text: ago(a.created_at) })),
    button, pre);
}

function eventView(e) {
  const data = e.data || {};
  const bits = [];
  for (const key of ["from_status", "status", "title", "reason", "summary"]) {
    if (data[key]) bits.push(`${key.replace("_", " ")}: ${data[key]}`);
  }
  return el("li", {}, el("time", { datetime: e.at, text: new Date(e.at).toLocaleString() }),
    el("span", { text: e.kind }), bits.length ? ` (${bits.join("; ")})` : null);
}

// -- the dependency graph: layers by dependency depth, drawn as SVG ------------------------

const NODE_W = 176, NODE_H = 46, GAP_X = 48, GAP_Y = 16, PAD = 14;

function layout(graph) {
  // Depth of a node: 0 when it waits for nothing in the picture, else one more than the
  // deepest thing it waits for. The store refuses cycles; the guard only keeps a damaged
  // store from hanging the page.
  const ids = graph.nodes.map((n) => n.id);
  const waitsFor = new Map(ids.map((id) => [id, []]));
  for (const [from, to] of graph.edges) if (waitsFor.has(from) && waitsFor.has(to)) waitsFor.get(from).push(to);
  const depth = new Map();
  const visiting = new Set();
  function depthOf(id) {
    if (depth.has(id)) return depth.get(id);
    if (visiting.has(id)) return 0;
    visiting.add(id);
    let d = 0;
    for (const dep of waitsFor.get(id)) d = Math.max(d, depthOf(dep) + 1);
    visiting.delete(id);
    depth.set(id, d);
    return d;
  }
  ids.forEach(depthOf);
  const layers = [];
  for (const id of ids) (layers[depth.get(id)] ||= []).push(id);
  // Within a layer, nodes sit near what they wait for (mean row of their dependencies),
  // which removes most crossings of a plan's usual shapes.
  const row = new Map();
  layers.forEach((layer, i) => {
    if (i > 0) {
      const key = (id) => {
        const deps = waitsFor.get(id);
        return deps.length ? deps.reduce((s, d) => s + row.get(d), 0) / deps.length : Infinity;
      };
      layer.sort((a, b) => key(a) - key(b));
    }
    layer.forEach((id, j) => row.set(id, j));
  });
  const pos = new Map();
  layers.forEach((layer, i) => layer.forEach((id, j) => pos.set(id, {
    x: PAD + i * (NODE_W + GAP_X), y: PAD + j * (NODE_H + GAP_Y),
  })));
  const tallest = Math.max(1, ...layers.map((l) => l.length));
  return {
    pos, width: PAD * 2 + layers.length * NODE_W + Math.max(0, layers.length - 1) * GAP_X,
    height: PAD * 2 + tallest * NODE_H + (tallest - 1) * GAP_Y,
  };
}

function clip(text, n) { return text.length > n ? `${text.slice(0, n - 1)}\u2026` : text; }

function graphView(graph) {
  if (!graph.nodes.length) return el("p", { class: "empty", text: "Nothing to draw" });
  const { pos, width, height } = layout(graph);
  const picture = svg("svg", {
    class: "graph", width, height, viewBox: `0 0 ${width} ${height}`, role: "group",
    "aria-label": `${graph.nodes.length} tasks, ${graph.edges.length} dependencies; an arrow points from a task to the one that waits for it`,
  });
  const defs = svg("defs");
  const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "8", markerHeight: "8", orient: "auto-start-reverse" });
  marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrowhead" }));
  defs.append(marker);
  picture.append(defs);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  for (const [from, to] of graph.edges) {
    const a = pos.get(to), b = pos.get(from); // drawn from what is waited for to the waiter
    if (!a || !b) continue;
    const x1 = a.x + NODE_W, y1 = a.y + NODE_H / 2, x2 = b.x, y2 = b.y + NODE_H / 2;
    const mid = (x1 + x2) / 2;
    const path = svg("path", { class: "edge", d: `M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2 - 2} ${y2}`, "marker-end": "url(#arrow)" });
    const title = svg("title");
    title.textContent = `${byId.get(from).title} waits for ${byId.get(to).title}`;
    path.append(title);
    picture.append(path);
  }
  for (const node of graph.nodes) {
    const p = pos.get(node.id);
    const focus = graph.focus === node.id;
    const g = svg("g", {
      class: `node s-${node.status}${focus ? " focus" : ""}`, "data-id": node.id,
      transform: `translate(${p.x} ${p.y})`, tabindex: focus ? "-1" : "0", role: "button",
      "aria-label": `${node.title}, ${STATUS_WORDS[node.status]}${focus ? " (this task)" : ""}`,
    });
    g.append(svg("rect", { width: NODE_W, height: NODE_H, rx: "6" }));
    const name = svg("text", { x: "10", y: "19" });
    name.textContent = clip(node.title, 25);
    const status = svg("text", { x: "10", y: "36", class: "status" });
    status.textContent = STATUS_WORDS[node.status];
    const tip = svg("title");
    tip.textContent = node.title;
    g.append(tip, name, status);
    if (!focus) {
      g.addEventListener("click", () => openPanel(node.id));
      g.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); openPanel(node.id); }
      });
    }
    picture.append(g);
  }
  return el("div", { class: "graph-box" }, picture);
}

// -- live refresh ------------------------------------------------------------------------

async function refresh() {
  // One refresh at a time; changes during one make one more afterwards.
  if (state.refreshing) { state.again = true; return; }
  state.refreshing = true;
  try {
    do {
      state.again = false;
      await loadWorkspaces();
      await loadColumns();
      await refreshPanel();
    } while (state.again);
    showError($("error"), "");
  } catch (err) {
    showError($("error"), err.message);
  } finally {
    state.refreshing = false;
  }
}

function listen() {
  const live = $("live");
  const source = new EventSource("/api/events");
  source.addEventListener("hello", () => { live.textContent = "live"; live.className = "live on"; });
  source.addEventListener("change", () => { live.textContent = "live"; live.className = "live on"; refresh(); });
  source.addEventListener("gone", () => {
    live.textContent = "store missing"; live.className = "live off";
    showError($("error"), "The task store file is missing or cannot be read; run `task-orchestrator doctor`.");
  });
  source.onerror = () => {
    live.textContent = "reconnecting"; live.className = "live off";
    if (source.readyState === EventSource.CLOSED) {
      live.textContent = "stopped";
      showError($("error"), "The board stopped. Run `task-orchestrator board` again for a new address.");
    }
  };
  // Missed changes while disconnected: refetch once the stream is back.
  source.addEventListener("open", () => refresh());
}

// -- start -------------------------------------------------------------------------------

async function loadWorkspaces() {
  const info = await getJSON("/api/workspaces");
  const select = $("workspace");
  const known = [...select.options].map((o) => o.value).join("\n");
  if (known !== info.workspaces.map((w) => w.id).join("\n")) {
    select.replaceChildren(...info.workspaces.map((w) => el("option", { value: w.id, title: w.path }, `${w.name} (${w.path})`)));
  }
  if (!state.workspace) state.workspace = info.default || (info.workspaces[0] && info.workspaces[0].id) || null;
  if (state.workspace) select.value = state.workspace;
  const note = $("note");
  if (!info.workspaces.length) {
    note.textContent = "No tasks yet: the store has no workspace. Tasks appear here as they are made.";
    note.hidden = false;
  } else if (!info.default && info.folder && !state.picked) {
    note.textContent = `No tasks recorded for ${info.folder} yet; showing another workspace.`;
    note.hidden = false;
  } else {
    note.hidden = true;
  }
}

async function start() {
  const select = $("workspace");
  const note = $("note");
  try {
    await loadWorkspaces();
  } catch (err) {
    showError($("error"), err.message);
    return;
  }
  select.addEventListener("change", () => {
    state.workspace = select.value;
    state.picked = true;
    state.columns = [];
    state.shown = "";
    cardNodes.clear();
    note.hidden = true;
    loadColumns().catch((err) => showError($("error"), err.message));
  });
  $("close").addEventListener("click", closePanel);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !$("overlay").hidden) { e.preventDefault(); closePanel(); }
  });
  $("overlay").addEventListener("click", (e) => { if (e.target === $("overlay")) closePanel(); });
  try {
    await loadColumns();
  } catch (err) {
    showError($("error"), err.message);
  }
  listen();
  // Ages ("3 min") move on without any change in the store.
  setInterval(() => { if (state.columns.length) renderColumns(); }, 60000);
}

start();
