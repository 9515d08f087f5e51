// The UI's stylesheet and script, served from memory with the rest of Trove (no CDN, no build
// step). The script only adds: copy buttons, live numbers, and confirmations.

export const CSS = `
:root{--fg:#1b1f24;--muted:#4a5360;--bg:#fff;--panel:#f4f6f8;--line:#d0d7de;--accent:#0b57d0;--bad:#b3261e;--good:#146c2e}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;gap:1.5rem;align-items:center;padding:.6rem 1.25rem;border-bottom:1px solid var(--line)}
header nav{display:flex;gap:1rem}
.brand{font-weight:700;font-size:1.1rem;color:var(--fg);text-decoration:none}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
main{max-width:72rem;margin:0 auto;padding:1rem 1.25rem 3rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.15rem;margin:0}
.type{color:var(--muted);font-weight:400;font-size:.9rem;margin-left:.4rem}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(21rem,1fr));gap:1rem}
article{border:1px solid var(--line);border-radius:8px;padding:1rem;background:var(--bg)}
dl.stats{display:grid;grid-template-columns:auto 1fr;gap:.15rem 1rem;margin:.75rem 0}
dl.stats dt{color:var(--muted)}
dl.stats dd{margin:0;font-variant-numeric:tabular-nums;text-align:right}
.setup{position:relative}
pre{background:var(--panel);padding:.75rem;border-radius:6px;overflow-x:auto;margin:.5rem 0 0;font-size:.85rem}
button{font:inherit;padding:.3rem .8rem;border:1px solid var(--accent);background:var(--accent);color:#fff;border-radius:6px;cursor:pointer}
button.secondary{background:var(--bg);color:var(--accent)}
button.danger{background:var(--bad);border-color:var(--bad)}
.copy{position:absolute;top:.4rem;right:.4rem}
.setup pre{padding-right:5.5rem}
progress{width:100%;height:.8rem}
.storage{margin-bottom:1.25rem}
form.search{display:flex;gap:.5rem;align-items:end;flex-wrap:wrap;margin-bottom:1rem}
label{display:block;font-weight:600;margin-bottom:.2rem}
input[type=search]{font:inherit;padding:.3rem .5rem;border:1px solid var(--muted);border-radius:6px;min-width:20rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
caption{text-align:left;color:var(--muted);padding:.25rem 0}
th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code.digest{font-size:.8rem}
.notice{padding:.6rem .8rem;border-radius:6px;background:var(--panel);border-left:4px solid var(--good)}
.notice.error{border-left-color:var(--bad)}
.inline{display:inline}
.muted{color:var(--muted)}
`;

export const JS = `
(function () {
  function copyText(text, button) {
    var done = function () { var old = button.textContent; button.textContent = 'Copied'; setTimeout(function () { button.textContent = old; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).then(done); return; }
    var area = document.createElement('textarea'); area.value = text; document.body.appendChild(area); area.select();
    try { document.execCommand('copy'); done(); } finally { document.body.removeChild(area); }
  }
  document.querySelectorAll('button.copy').forEach(function (b) {
    b.hidden = false;
    b.addEventListener('click', function () { copyText(b.getAttribute('data-copy') || '', b); });
  });
  document.querySelectorAll('form[data-confirm]').forEach(function (f) {
    f.addEventListener('submit', function (e) { if (!confirm(f.getAttribute('data-confirm'))) e.preventDefault(); });
  });
  var live = document.querySelector('[data-live]');
  if (!live) return;
  function show(stats) {
    Object.keys(stats.instances).forEach(function (name) {
      var card = document.querySelector('[data-instance="' + name + '"]');
      if (!card) return;
      var s = stats.instances[name];
      card.querySelectorAll('[data-stat]').forEach(function (el) { var k = el.getAttribute('data-stat'); if (k in s.text) el.textContent = s.text[k]; });
    });
    var used = document.querySelector('[data-store]');
    if (used) used.textContent = stats.store.text;
  }
  setInterval(function () {
    fetch('/ui/api/stats', { headers: { accept: 'application/json' } }).then(function (r) { return r.ok ? r.json() : null; }).then(function (s) { if (s) show(s); }).catch(function () {});
  }, 5000);
})();
`;
