// The Colonies dashboard: plain JavaScript, no build step, nothing fetched
// from elsewhere. Pages are drawn from /ui/api; the session is an HttpOnly
// cookie, and actions carry the CSRF token that /ui/api/me hands out.
"use strict";

const STATES = ["waiting", "running", "successful", "failed", "cancelled"];
let me = null;
let live = null; // the open EventSource, one at a time
let refresh = null; // the page's refresh timer

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "onclick" || k === "onsubmit" || k === "onchange") el[k] = v;
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

function svg(tag, attrs) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  return el;
}

async function api(path, method = "GET") {
  const headers = {};
  if (method !== "GET" && me) headers["X-CSRF-Token"] = me.csrf;
  const reply = await fetch(path, { method, headers, credentials: "same-origin" });
  const body = await reply.json().catch(() => ({ error: reply.statusText }));
  if (!reply.ok) throw new Error(body.error || reply.statusText);
  return body;
}

function show(...children) {
  const main = document.getElementById("main");
  main.replaceChildren(...children);
}

function stateName(n) {
  return h("span", { class: "state-" + n, "data-state": n }, STATES[n] || String(n));
}

function when(text) {
  return !text || text.startsWith("0001-") ? "-" : text.replace("T", " ").replace("Z", "");
}

function short(id) {
  return id ? id.slice(0, 12) : "";
}

function action(label, path, done) {
  return h("button", {
    "data-action": label.toLowerCase(),
    onclick: async (ev) => {
      ev.target.disabled = true;
      try {
        const result = await api(path, "POST");
        if (done) done(result);
      } catch (err) {
        alert(err.message);
      } finally {
        ev.target.disabled = false;
      }
    },
  }, label);
}

function watch(colony, onBatch) {
  if (live) live.close();
  live = new EventSource("/ui/api/colonies/" + encodeURIComponent(colony) + "/events");
  live.onmessage = (ev) => onBatch(JSON.parse(ev.data));
}

function throttled(fn, ms) {
  let timer = null;
  return () => {
    if (timer === null) timer = setTimeout(() => { timer = null; fn(); }, ms);
  };
}

function colonyNav(colony) {
  const c = encodeURIComponent(colony);
  return h("p", {},
    h("a", { href: "#/colony/" + c + "/executors" }, "Executors"), " · ",
    h("a", { href: "#/colony/" + c + "/processes" }, "Processes"), " · ",
    h("a", { href: "#/colony/" + c + "/workflows" }, "Workflows"), " · ",
    h("a", { href: "#/colony/" + c + "/schedules" }, "Crons and generators"), " · ",
    h("a", { href: "#/colony/" + c + "/ratelimits" }, "Rate limits"), " · ",
    h("a", { href: "#/colony/" + c + "/weights" }, "Fair shares"));
}

// ---------------------------------------------------------------- pages --

function sparkline(history) {
  const width = 240, height = 40;
  const box = svg("svg", { class: "spark", width, height, viewBox: `0 0 ${width} ${height}` });
  if (history.length < 2) return box;
  const top = Math.max(1, ...history.map((s) => Math.max(s.waiting, s.running)));
  for (const key of ["waiting", "running"]) {
    const points = history.map((s, i) =>
      `${(i / (history.length - 1)) * width},${height - (s[key] / top) * (height - 2) - 1}`);
    box.append(svg("polyline", { class: key, points: points.join(" ") }));
  }
  return box;
}

async function overview() {
  const colonies = await api("/ui/api/colonies");
  if (colonies.length === 0) {
    show(h("p", { id: "empty" }, "This identity may read no colony."));
    return;
  }
  show(h("div", { class: "cards" }, colonies.map((c) => h("div", { class: "card", "data-colony": c.name },
    h("h2", {}, c.name),
    h("div", { class: "counts" },
      h("span", { class: "state-0" }, "waiting ", h("b", { "data-count": "waiting" }, c.stats.waitingprocesses)),
      h("span", { class: "state-1" }, "running ", h("b", { "data-count": "running" }, c.stats.runningprocesses)),
      h("span", { class: "state-2" }, "successful ", h("b", { "data-count": "successful" }, c.stats.successfulprocesses)),
      h("span", { class: "state-3" }, "failed ", h("b", { "data-count": "failed" }, c.stats.failedprocesses))),
    h("div", {}, "executors ", c.stats.executors, " · workflows running ", c.stats.runningworkflows),
    sparkline(c.history),
    colonyNav(c.name)))));
  refresh = setTimeout(route, 3000);
}

async function executors(colony) {
  const list = await api("/ui/api/colonies/" + encodeURIComponent(colony) + "/executors");
  const reload = () => route();
  show(h("h1", {}, colony, ": executors"), colonyNav(colony), h("table", { id: "executors" },
    h("tr", {}, ["name", "type", "state", "last heard from", "running", "capabilities", ""].map((t) => h("th", {}, t))),
    list.map((e) => h("tr", { "data-executor": e.executorname },
      h("td", {}, e.executorname), h("td", {}, e.executortype),
      h("td", {}, ["pending", "approved", "rejected"][e.state] || e.state),
      h("td", {}, when(e.lastheardfromtime)), h("td", {}, e.running),
      h("td", { class: "mono" }, JSON.stringify(e.capabilities.software || e.capabilities.hardware || "")),
      h("td", {},
        action("Approve", `/ui/api/colonies/${encodeURIComponent(colony)}/executors/${encodeURIComponent(e.executorname)}/approve`, reload),
        " ",
        action("Reject", `/ui/api/colonies/${encodeURIComponent(colony)}/executors/${encodeURIComponent(e.executorname)}/reject`, reload))))));
  watch(colony, throttled(route, 1000));
}

async function processes(colony, query) {
  const params = new URLSearchParams(query);
  const state = params.get("state") || "0";
  const list = await api(`/ui/api/colonies/${encodeURIComponent(colony)}/processes?${params}`);
  const form = h("form", { class: "filters", onsubmit: (ev) => {
    ev.preventDefault();
    const data = new URLSearchParams(new FormData(ev.target));
    location.hash = `#/colony/${encodeURIComponent(colony)}/processes?${data}`;
  } },
  h("select", { name: "state" }, STATES.map((s, i) => {
    const o = h("option", { value: i }, s);
    if (String(i) === state) o.selected = true;
    return o;
  })),
  h("input", { name: "executortype", placeholder: "executor type", value: params.get("executortype") || "" }),
  h("input", { name: "label", placeholder: "label", value: params.get("label") || "" }),
  h("input", { name: "prefix", placeholder: "id prefix", value: params.get("prefix") || "" }),
  h("button", { type: "submit" }, "Filter"));
  show(h("h1", {}, colony, ": processes"), colonyNav(colony), form, h("table", { id: "processes" },
    h("tr", {}, ["id", "function", "type", "state", "submitted", "executor"].map((t) => h("th", {}, t))),
    list.map((p) => h("tr", { "data-process": p.processid },
      h("td", { class: "mono" }, h("a", { href: "#/process/" + p.processid }, short(p.processid))),
      h("td", {}, p.spec.funcname), h("td", {}, p.spec.conditions.executortype),
      h("td", {}, stateName(p.state)), h("td", {}, when(p.submissiontime)),
      h("td", { class: "mono" }, short(p.assignedexecutorid))))));
  watch(colony, throttled(route, 1000));
}

async function process(id) {
  const { process: p, logs } = await api("/ui/api/processes/" + encodeURIComponent(id));
  const final = p.state >= 2;
  show(h("h1", {}, "Process ", h("span", { class: "mono" }, short(p.processid))),
    colonyNav(p.spec.conditions.colonyname),
    h("table", { id: "process" },
      [["id", h("span", { class: "mono" }, p.processid)], ["state", stateName(p.state)],
        ["function", p.spec.funcname], ["executor type", p.spec.conditions.executortype],
        ["submitted", when(p.submissiontime)], ["started", when(p.starttime)],
        ["ended", when(p.endtime)], ["attempt", p.attempt], ["retries", p.retries],
        ["workflow", p.processgraphid ? h("a", { href: "#/workflow/" + p.processgraphid }, short(p.processgraphid)) : "-"],
        ["output", h("span", { class: "mono" }, JSON.stringify(p.out))],
        ["errors", h("span", { class: "error" }, p.errors.join("; "))]]
        .map(([k, v]) => h("tr", {}, h("th", {}, k), h("td", {}, v)))),
    final ? null : action("Cancel", `/ui/api/processes/${p.processid}/cancel`, () => route()),
    final && !p.processgraphid ? action("Rerun", `/ui/api/processes/${p.processid}/rerun`,
      (copy) => { location.hash = "#/process/" + copy.processid; }) : null,
    h("h2", {}, "Log"), h("pre", { id: "log" }, logs.map((e) => e.message).join("")),
    h("h2", {}, "Spec"), h("pre", {}, JSON.stringify(p.spec, null, 2)));
  if (!final) refresh = setTimeout(route, 1000);
}

async function workflows(colony) {
  const list = await api(`/ui/api/colonies/${encodeURIComponent(colony)}/workflows`);
  show(h("h1", {}, colony, ": workflows"), colonyNav(colony), h("table", { id: "workflows" },
    h("tr", {}, ["id", "state", "processes", "submitted"].map((t) => h("th", {}, t))),
    list.map((g) => h("tr", {},
      h("td", { class: "mono" }, h("a", { href: "#/workflow/" + g.processgraphid }, short(g.processgraphid))),
      h("td", {}, stateName(g.state)), h("td", {}, g.processids.length), h("td", {}, when(g.submissiontime))))));
  watch(colony, throttled(route, 1000));
}

function drawGraph(g) {
  const nodes = g.nodes, W = 160, H = 36;
  const width = Math.max(...nodes.map((n) => n.position.x)) + W + 20;
  const height = Math.max(...nodes.map((n) => n.position.y)) + H + 20;
  const box = svg("svg", { class: "graph", id: "graph", width, height, viewBox: `0 0 ${width} ${height}` });
  const at = new Map(nodes.map((n) => [n.id, n.position]));
  for (const e of g.edges) {
    const a = at.get(e.source), b = at.get(e.target);
    box.append(svg("line", { x1: a.x + 10 + W / 2, y1: a.y + 10 + H, x2: b.x + 10 + W / 2, y2: b.y + 10 }));
  }
  for (const n of nodes) {
    const link = svg("a", { href: "#/process/" + n.id });
    link.append(svg("rect", { x: n.position.x + 10, y: n.position.y + 10, width: W, height: H, rx: 5,
      "data-node": n.id, "data-state": n.state }));
    const label = svg("text", { x: n.position.x + 18, y: n.position.y + 32 });
    label.textContent = n.data.label || short(n.id);
    link.append(label);
    box.append(link);
  }
  return box;
}

async function workflow(id) {
  const g = await api("/ui/api/workflows/" + encodeURIComponent(id));
  const stateCell = h("span", { id: "graph-state" }, stateName(g.state));
  show(h("h1", {}, "Workflow ", h("span", { class: "mono" }, short(g.processgraphid)), " ", stateCell),
    colonyNav(g.colonyname),
    g.state >= 2 ? null : action("Cancel", `/ui/api/workflows/${g.processgraphid}/cancel`, () => route()),
    h("p", {}, g.nodes.length, " processes"), drawGraph(g));
  const rects = new Map();
  for (const r of document.querySelectorAll("#graph rect")) rects.set(r.dataset.node, r);
  // Each message holds the latest state of everything that changed in the last
  // quarter second: one attribute change per node, whatever the graph's size.
  watch(g.colonyname, (batch) => {
    for (const ev of batch) {
      const r = rects.get(ev.processid);
      if (r) r.setAttribute("data-state", ev.state);
      else if (!ev.processid && ev.processgraphid === g.processgraphid) stateCell.replaceChildren(stateName(ev.state));
    }
  });
}

async function schedules(colony) {
  const s = await api(`/ui/api/colonies/${encodeURIComponent(colony)}/schedules`);
  show(h("h1", {}, colony, ": crons and generators"), colonyNav(colony),
    h("h2", {}, "Crons"), h("table", { id: "crons" },
      h("tr", {}, ["name", "expression", "interval (s)", "next run", "last run"].map((t) => h("th", {}, t))),
      s.crons.map((c) => h("tr", {}, h("td", {}, c.name), h("td", { class: "mono" }, c.cronexpression),
        h("td", {}, c.interval), h("td", {}, when(c.nextrun)), h("td", {}, when(c.lastrun))))),
    h("h2", {}, "Generators"), h("table", { id: "generators" },
      h("tr", {}, ["name", "trigger", "timeout (s)", "queued", "last run"].map((t) => h("th", {}, t))),
      s.generators.map((g) => h("tr", {}, h("td", {}, g.name), h("td", {}, g.trigger),
        h("td", {}, g.timeout), h("td", {}, g.queuesize), h("td", {}, when(g.lastrun))))));
}

async function ratelimits(colony) {
  const found = await api(`/ui/api/colonies/${encodeURIComponent(colony)}/ratelimits`);
  show(h("h1", {}, colony, ": rate limits"), colonyNav(colony),
    h("table", { id: "ratelimits" },
      h("tr", {}, ["name", "rate", "burst", "tokens left"].map((t) => h("th", {}, t))),
      found.map((r) => h("tr", {}, h("td", {}, r.name), h("td", {}, `${r.rate}/${r.unit}`),
        h("td", {}, r.burst), h("td", { class: "tokens" }, r.tokens.toFixed(2))))));
  refresh = setTimeout(route, 2000); // the budget refills as time passes
}

async function weights(colony) {
  const found = await api(`/ui/api/colonies/${encodeURIComponent(colony)}/weights`);
  show(h("h1", {}, colony, ": fair shares"), colonyNav(colony),
    h("p", {}, "Each user or executor gets its weight's share of the colony's claims; " +
      "those not listed have weight 1."),
    h("table", { id: "weights" },
      h("tr", {}, ["name", "kind", "weight"].map((t) => h("th", {}, t))),
      found.map((w) => h("tr", {}, h("td", {}, w.name), h("td", {}, w.kind),
        h("td", { class: "weight" }, w.weight)))));
}

// --------------------------------------------------------------- router --

async function route() {
  clearTimeout(refresh);
  if (live) { live.close(); live = null; }
  const hash = location.hash.slice(1) || "/";
  const [path, query] = hash.split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  try {
    if (parts.length === 0) await overview();
    else if (parts[0] === "colony" && parts[2] === "executors") await executors(parts[1]);
    else if (parts[0] === "colony" && parts[2] === "processes") await processes(parts[1], query || "");
    else if (parts[0] === "colony" && parts[2] === "workflows") await workflows(parts[1]);
    else if (parts[0] === "colony" && parts[2] === "schedules") await schedules(parts[1]);
    else if (parts[0] === "colony" && parts[2] === "ratelimits") await ratelimits(parts[1]);
    else if (parts[0] === "colony" && parts[2] === "weights") await weights(parts[1]);
    else if (parts[0] === "process") await process(parts[1]);
    else if (parts[0] === "workflow") await workflow(parts[1]);
    else show(h("p", {}, "No such page."));
  } catch (err) {
    show(h("p", { class: "error", id: "error" }, err.message));
  }
}

async function start() {
  try {
    me = await api("/ui/api/me");
  } catch (err) {
    show(h("p", { class: "error", id: "error" }, err.message));
    return;
  }
  document.getElementById("who").textContent = short(me.id);
  const nav = document.getElementById("nav");
  nav.replaceChildren(...me.colonies.map((c) => h("a", { href: "#/colony/" + encodeURIComponent(c) + "/processes" }, c)));
  const logout = document.getElementById("logout");
  logout.hidden = false;
  logout.onclick = async () => {
    await api("/ui/logout", "POST");
    me = null;
    if (live) live.close();
    show(h("p", { id: "loggedout" }, "Logged out."));
  };
  window.addEventListener("hashchange", route);
  route();
}

start();
