"""The inline style sheet and script of the review pages, and the colour of each label.

Pages must open from a file with no network, so everything is inline. The script
only adds behaviour (highlighting a quote's parts and drawing an arrow to its
speaker on hover); the page is complete without it. It also records any script
error on the <html> element (`data-js-errors`), so a headless browser test can
read errors from the DOM it dumps.
"""

from __future__ import annotations

__all__ = ["PALETTE", "label_colours", "CSS", "ERROR_RECORDER", "SCRIPT"]

#: Light, distinguishable backgrounds; labels take them in schema order (entities, then figures).
PALETTE = (
    "#ffd6a5", "#caffbf", "#9bf6ff", "#bdb2ff", "#ffc6ff", "#fdffb6", "#a0c4ff", "#ffadad", "#d0f4de",
    "#e4c1f9", "#fcf6bd", "#b8e0d2", "#f1c0e8", "#cfe1b9", "#ffcfd2", "#98f5e1", "#fde4cf", "#c9c9ff",
)


def label_colours(labels: list[str]) -> dict[str, str]:
    return {label: PALETTE[i % len(PALETTE)] for i, label in enumerate(labels)}


CSS = """
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d1d1f;
       background: #fafafa; }
a { color: #0b57d0; }
header { padding: 8px 16px; background: #263238; color: #fff; display: flex; gap: 16px; align-items: baseline;
         flex-wrap: wrap; }
header h1 { font-size: 16px; margin: 0; font-weight: 600; }
header a { color: #cfe3ff; }
header .meta { font-size: 13px; color: #cfd8dc; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 380px; height: calc(100vh - 40px); }
main { overflow: auto; padding: 12px 20px 40px; }
aside { overflow: auto; border-left: 1px solid #ddd; background: #fff; padding: 10px 14px; font-size: 13px; }
aside h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: #555; margin: 14px 0 6px; }
.doc { position: relative; max-width: 860px; }
#text { white-space: pre-wrap; line-height: 2.05; font-size: 15px; background: #fff; padding: 12px 16px;
        border: 1px solid #e0e0e0; border-radius: 4px; overflow-wrap: anywhere; }
#text [id] { scroll-margin-top: 90px; }
#arrows { position: absolute; left: 0; top: 0; width: 100%; height: 100%; pointer-events: none; overflow: visible; }
.ent, .fig { border-radius: 3px; padding: 1px 1px; }
.ent::after, .fig::after { content: attr(data-label); font-size: 9px; font-weight: 600; color: #444;
                           vertical-align: super; margin-left: 1px; letter-spacing: .02em; }
.cont::after { content: none; }
.fig { border: 1px solid #777; }
.measured { border-bottom: 1px dashed #777; }
.q-content { background-color: rgba(255, 213, 79, .22); text-decoration: underline 2px #c2185b;
             text-underline-offset: 6px; text-decoration-skip-ink: none; }
.q-speaker { outline: 2px solid #1565c0; outline-offset: 1px; border-radius: 2px; }
.q-cue { font-weight: 700; color: #6a1b9a; border-bottom: 2px dotted #6a1b9a; }
.q-addressee { outline: 2px dashed #2e7d32; outline-offset: 1px; border-radius: 2px; }
.lit.q-content { background-color: rgba(255, 193, 7, .55); }
.lit.q-speaker, .lit.q-addressee { outline-width: 3px; background-color: rgba(21, 101, 192, .12); }
.lit.q-cue { background-color: rgba(106, 27, 154, .12); }
.qlink { font-size: 10px; font-weight: 700; color: #fff; background: #c2185b; border-radius: 8px; padding: 0 4px;
         margin-right: 2px; text-decoration: none; vertical-align: super; user-select: none; }
.qlink.none { background: #9e9e9e; }
.noise { color: #9e9e9e; text-decoration: line-through 1px #9e9e9e; background: repeating-linear-gradient(
         -45deg, #f3f3f3, #f3f3f3 3px, #e6e6e6 3px, #e6e6e6 6px); cursor: help; }
.legend { display: flex; flex-wrap: wrap; gap: 4px; }
.legend span { font-size: 11px; padding: 1px 5px; border-radius: 3px; cursor: help; }
.legend .fig { border: 1px solid #777; }
.legend .ent::after, .legend .fig::after { content: none; }
.parts span { display: inline-block; margin: 2px 6px 2px 0; font-size: 12px; }
ol.findings, ul.quotes { margin: 0; padding-left: 18px; }
ol.findings li { margin-bottom: 6px; }
.sev-error { color: #b3261e; font-weight: 700; }
.sev-warning { color: #8a6100; font-weight: 700; }
.hint { color: #555; }
.ok { color: #2e7d32; }
ul.quotes li { margin-bottom: 3px; }
table.index { border-collapse: collapse; margin: 16px; background: #fff; font-size: 14px; }
table.index th, table.index td { border: 1px solid #ddd; padding: 4px 10px; text-align: left; }
table.index td.num { text-align: right; }
"""

ERROR_RECORDER = """
(function () {
  var root = document.documentElement;
  function record(message) {
    var before = root.getAttribute('data-js-errors');
    root.setAttribute('data-js-errors', (before ? before + ' | ' : '') + message);
  }
  window.addEventListener('error', function (e) { record(String(e.message || e)); });
  window.addEventListener('unhandledrejection', function (e) { record('unhandled rejection: ' + e.reason); });
})();
"""

SCRIPT = """
(function () {
  var root = document.documentElement;
  var doc = document.querySelector('.doc');
  var layer = document.getElementById('arrow-layer');
  var NS = 'http://www.w3.org/2000/svg';
  function clear() {
    var lit = document.querySelectorAll('.lit');
    for (var i = 0; i < lit.length; i++) { lit[i].classList.remove('lit'); }
    while (layer.firstChild) { layer.removeChild(layer.firstChild); }
  }
  function arrow(from, to) {
    var box = doc.getBoundingClientRect(), a = from.getBoundingClientRect(), b = to.getBoundingClientRect();
    var x1 = a.left + a.width / 2 - box.left, y1 = a.top - box.top;
    var x2 = b.left + b.width / 2 - box.left, y2 = (b.top > a.top ? b.top : b.bottom) - box.top;
    var lift = Math.min(60, 20 + Math.abs(x2 - x1) / 6);
    var path = document.createElementNS(NS, 'path');
    path.setAttribute('d', 'M' + x1 + ',' + y1 + ' C' + x1 + ',' + (y1 - lift) + ' ' + x2 + ',' +
                      (y2 - lift) + ' ' + x2 + ',' + y2);
    path.setAttribute('class', 'arrow');
    path.setAttribute('fill', 'none');
    path.setAttribute('stroke', '#1565c0');
    path.setAttribute('stroke-width', '2');
    path.setAttribute('marker-end', 'url(#head)');
    layer.appendChild(path);
  }
  function show(quote) {
    clear();
    var parts = document.querySelectorAll('[data-quote="' + quote + '"]');
    for (var i = 0; i < parts.length; i++) { parts[i].classList.add('lit'); }
    var from = document.getElementById(quote + '-link'), to = document.getElementById(quote + '-speaker');
    if (from && to) { arrow(from, to); }
  }
  var text = document.getElementById('text');
  text.addEventListener('mouseover', function (e) {
    var el = e.target.closest ? e.target.closest('[data-quote]') : null;
    if (el) { show(el.getAttribute('data-quote')); }
  });
  text.addEventListener('mouseleave', clear);
  function fromHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id ? document.getElementById(id) : null;
    if (el && el.getAttribute('data-quote')) { show(el.getAttribute('data-quote')); }
  }
  window.addEventListener('hashchange', fromHash);
  fromHash();
  root.setAttribute('data-js-ready', '1');
})();
"""
