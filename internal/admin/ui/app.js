// The decision view. It talks only to the admin listener it was served
// from: /decisions/stream for the live list, the management API for the
// test and flush tools (always with Content-Type: application/json).
"use strict";

const records = new Map(); // seq -> record
const routes = new Set();
let selected = 0;

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

const denied = (r) => r.steps.some((s) => s.name === "gateway response");

function visible(r) {
  const st = $("f-status").value, route = $("f-route").value;
  if (st && String(r.status)[0] !== st) return false;
  if (route && r.route !== route) return false;
  if ($("f-denied").checked && !denied(r)) return false;
  return true;
}

function row(r) {
  const t = new Date(r.time);
  const tr = el("tr", { "data-seq": r.seq, "data-status": r.status, "data-path": r.path, tabindex: "0", class: denied(r) ? "denied" : "allowed" },
    el("td", {}, t.toLocaleTimeString([], { hour12: false })),
    el("td", {}, r.method),
    el("td", { class: "path", title: r.path }, r.path),
    el("td", { class: "wide" }, r.route || "—"),
    el("td", { class: "status s" + String(r.status)[0] }, String(r.status)),
    el("td", { class: "num" }, r.latencyMs.toFixed(1)),
    el("td", { class: "wide" }, r.mock ? r.principal + " (mock " + r.mock + ")" : r.principal || "—"));
  if (r.seq === selected) tr.classList.add("selected");
  return tr;
}

function render() {
  const body = $("rows");
  const shown = [...records.values()].filter(visible).reverse();
  body.replaceChildren(...shown.map(row));
  $("empty").hidden = records.size > 0;
  $("count").textContent = shown.length + " of " + records.size;
}

function add(r) {
  records.set(r.seq, r);
  if (r.route && !routes.has(r.route)) {
    routes.add(r.route);
    $("f-route").append(el("option", { value: r.route }, r.route));
  }
  while (records.size > 1000) records.delete(records.keys().next().value);
}

function detail(r) {
  const d = $("detail");
  const head = el("div", {},
    el("h2", {}, r.method + " " + r.path + " → " + r.status),
    el("p", { class: "meta" }, [r.route || "no route", "stage " + (r.stage || "—"), (r.principal ? "principal " + r.principal : "no principal"),
      r.latencyMs.toFixed(1) + " ms", "request " + r.requestId].join(" · ")));
  // "Why": the execution log's deciding sentences; the whole log below.
  const explain = el("div", { class: "explain", id: "explanation" });
  const deciding = /^(Authorizer cache hit|Policy decision|Identity policy decision|Resource policy|Combined decision|Explicit deny|Mock identity|The client is not authorized|Gateway response type|Execution failed)/;
  const why = (r.log || []).filter((l) => l.level === "WARN" || deciding.test(l.msg));
  for (const l of why) explain.append(el("p", { class: l.level === "WARN" ? "warn" : "" }, l.msg));
  if (why.length === 0) explain.append(el("p", {}, denied(r) ? "Refused before any authorization step (see the pipeline)." : "Allowed: nothing in the pipeline refused it."));
  const full = el("details", { class: "log" }, el("summary", {}, "Execution log (" + (r.log || []).length + " lines)"),
    el("pre", { class: "code" }, (r.log || []).map((l) => l.msg).join("\n")));
  const steps = el("ol", { class: "steps" });
  for (const s of r.steps) {
    const dl = el("dl", {});
    for (const f of s.fields || []) {
      dl.append(el("dt", {}, f.label));
      dl.append(f.code ? el("dd", { class: "block" }, el("pre", { class: "code" }, f.value)) : el("dd", {}, f.value));
    }
    steps.append(el("li", { class: s.outcome, "data-step": s.name },
      el("span", { class: "step-name" }, s.name), el("span", { class: "step-summary" }, s.summary), dl));
  }
  d.replaceChildren(head, el("h3", { class: "meta" }, "Why"), explain, el("h3", { class: "meta" }, "Pipeline"), steps, full);
}

function select(seq) {
  const r = records.get(seq);
  if (!r) return;
  selected = seq;
  for (const tr of $("rows").children) tr.classList.toggle("selected", Number(tr.dataset.seq) === seq);
  detail(r);
}

function connect() {
  const es = new EventSource("/decisions/stream");
  es.onopen = () => { $("live").className = "live on"; $("live").textContent = "live"; };
  es.onerror = () => { $("live").className = "live off"; $("live").textContent = "reconnecting"; };
  es.addEventListener("decision", (ev) => { add(JSON.parse(ev.data)); render(); });
}

// The management API, as the AWS SDKs call it.
async function api(method, path, body) {
  const init = { method, headers: { "Content-Type": "application/json" } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(path, init);
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

async function fill(select, items, value, label) {
  select.replaceChildren(...items.map((i) => el("option", { value: value(i) }, label(i))));
}

async function loadTools() {
  const apis = (await api("GET", "/restapis")).json.item || [];
  for (const s of [$("test-api"), $("flush-api")]) await fill(s, apis, (a) => a.id, (a) => a.name + " (" + a.id + ")");
  const onAPI = async () => {
    const id = $("test-api").value;
    if (!id) return;
    const az = (await api("GET", "/restapis/" + id + "/authorizers")).json.item || [];
    await fill($("test-authorizer"), az, (a) => a.id, (a) => a.name + " · " + a.type);
  };
  const onFlushAPI = async () => {
    const id = $("flush-api").value;
    if (!id) return;
    const st = (await api("GET", "/restapis/" + id + "/stages")).json.item || [];
    await fill($("flush-stage"), st, (s) => s.stageName, (s) => s.stageName);
  };
  $("test-api").onchange = onAPI;
  $("flush-api").onchange = onFlushAPI;
  await onAPI();
  await onFlushAPI();
}

function headers(text) {
  const out = {};
  for (const line of text.split("\n")) {
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

document.addEventListener("DOMContentLoaded", () => {
  for (const id of ["f-status", "f-route", "f-denied"]) $(id).onchange = render;
  $("rows").onclick = (ev) => { const tr = ev.target.closest("tr"); if (tr) select(Number(tr.dataset.seq)); };
  $("rows").onkeydown = (ev) => {
    if (ev.key === "Enter") { const tr = ev.target.closest("tr"); if (tr) select(Number(tr.dataset.seq)); }
  };
  $("open-tools").onclick = () => {
    const t = $("tools");
    t.hidden = !t.hidden;
    $("open-tools").setAttribute("aria-expanded", String(!t.hidden));
    if (!t.hidden) loadTools().catch((e) => { $("flush-result").textContent = "could not list the APIs: " + e; });
  };
  $("test-form").onsubmit = async (ev) => {
    ev.preventDefault();
    const out = $("test-result");
    const body = { headers: headers($("test-headers").value) };
    if ($("test-path").value) body.pathWithQueryString = $("test-path").value;
    const res = await api("POST", "/restapis/" + $("test-api").value + "/authorizers/" + $("test-authorizer").value, body);
    out.hidden = false;
    out.textContent = res.json ? (res.json.log ? res.json.log + "\n" : "") + JSON.stringify({ ...res.json, log: undefined }, null, 2) : "HTTP " + res.status;
  };
  $("flush-form").onsubmit = async (ev) => {
    ev.preventDefault();
    const id = $("flush-api").value, stage = $("flush-stage").value;
    const res = await api("DELETE", "/restapis/" + id + "/stages/" + encodeURIComponent(stage) + "/cache/authorizers");
    $("flush-result").textContent = res.status === 202 ? "Flushed the authorizer cache of " + id + "/" + stage + "." : "Flush failed: HTTP " + res.status;
  };
  render();
  connect();
});
