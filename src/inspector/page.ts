import { ROW_HEIGHT } from './row-height.js';

/**
 * The inspector's HTML page (markup and style). `npm run build` writes it to
 * dist/browser/inspector.html; the hub serves it at `/`, beside its code `/inspector.js` (built
 * from `main.ts`), which imports the library from `/varspace.js`. The ids are the ones `dom.ts`
 * looks up.
 */
export const INSPECTOR_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>varspace inspector</title>
<link rel="icon" href="data:,">
<style>
  :root {
    --bg: #fbfbfa; --panel: #ffffff; --line: #e4e4e0; --text: #1f2328; --muted: #6e7781;
    --accent: #0b6bcb; --flash: #ffe58a; --error: #c62828; --ok: #2e7d32; --warn: #b26a00;
    --row: ${ROW_HEIGHT}px; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--text);
  }
  * { box-sizing: border-box; }
  body { margin: 0; background: var(--bg); height: 100vh; display: flex; flex-direction: column; }
  header { display: flex; gap: 12px; align-items: baseline; padding: 8px 14px; border-bottom: 1px solid var(--line); background: var(--panel); }
  header h1 { font-size: 15px; margin: 0; }
  header .hub, header .counts { color: var(--muted); font-family: ui-monospace, monospace; font-size: 12px; }
  header .counts { margin-left: auto; }
  .status { font-size: 11px; padding: 1px 8px; border-radius: 10px; background: #eee; color: var(--muted); }
  .status.open { background: #e3f4e5; color: var(--ok); }
  .status.reconnecting, .status.connecting { background: #fff3dc; color: var(--warn); }
  .status.closed { background: #fde7e7; color: var(--error); }
  main { flex: 1; display: grid; grid-template-columns: minmax(420px, 3fr) minmax(320px, 2fr); min-height: 0; }
  section { display: flex; flex-direction: column; min-height: 0; border-right: 1px solid var(--line); }
  .toolbar { display: flex; gap: 6px; padding: 8px; border-bottom: 1px solid var(--line); align-items: center; flex-wrap: wrap; }
  #filter { flex: 1; min-width: 180px; font: 13px ui-monospace, monospace; padding: 4px 8px; border: 1px solid var(--line); border-radius: 4px; }
  #filter.invalid { border-color: var(--error); background: #fff6f6; }
  #filter-error { flex-basis: 100%; color: var(--error); font-size: 12px; min-height: 0; }
  #filter-error:empty { display: none; }
  button { font: inherit; font-size: 12px; padding: 3px 10px; border: 1px solid var(--line); border-radius: 4px; background: #f6f6f4; cursor: pointer; }
  button:hover { background: #ececea; }
  button:disabled { opacity: .5; cursor: default; }
  #tree { flex: 1; overflow: auto; position: relative; background: var(--panel); }
  #spacer { position: relative; width: 100%; }
  #rows { position: absolute; inset: 0 0 auto 0; }
  .row { position: absolute; left: 0; right: 0; height: var(--row); line-height: var(--row); display: flex; gap: 10px; white-space: nowrap; cursor: pointer; border-bottom: 1px solid #f3f3f1; padding-right: 8px; }
  .row:hover { background: #f4f8fd; }
  .row.selected { background: #e6f0fb; }
  .row.ns .twisty { width: 12px; color: var(--muted); }
  .row.ns .label { font-weight: 600; }
  .row.ns .count { color: var(--muted); font-size: 11px; background: #f0f0ee; border-radius: 8px; padding: 0 6px; line-height: 16px; align-self: center; }
  .row.var .name { font-family: ui-monospace, monospace; flex: 0 0 auto; overflow: hidden; text-overflow: ellipsis; }
  .row.var .value { flex: 1; font-family: ui-monospace, monospace; color: #0a3069; overflow: hidden; text-overflow: ellipsis; }
  .row.var .writer { color: var(--muted); font-size: 11px; max-width: 180px; overflow: hidden; text-overflow: ellipsis; }
  .row.var .time { color: var(--muted); font-size: 11px; font-family: ui-monospace, monospace; width: 84px; text-align: right; }
  .row.var .writer, .row.var .time { order: 1; }
  .row.var .spark { flex: 0 0 auto; align-self: center; color: var(--accent); }
  #traffic { padding: 6px 10px; border-bottom: 1px solid var(--line); flex: 0 0 auto; font-size: 11px; }
  #traffic svg { display: block; width: 100%; }
  #traffic path { stroke: none; fill-opacity: .55; }
  #traffic path.out { fill-opacity: .3; }
  #traffic line { stroke: #c8c8c4; vector-effect: non-scaling-stroke; }
  #traffic .state { fill: var(--accent); color: var(--accent); }
  #traffic .events { fill: var(--ok); color: var(--ok); }
  #traffic .requests { fill: var(--warn); color: var(--warn); }
  #traffic .key { display: flex; gap: 8px; color: var(--muted); }
  #traffic .caption { color: var(--muted); font-family: ui-monospace, monospace; }
  aside { display: flex; flex-direction: column; min-height: 0; overflow: hidden; }
  aside h3 { margin: 0; padding: 6px 10px; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); border-bottom: 1px solid var(--line); background: #f6f6f4; }
  #detail { padding: 10px; border-bottom: 1px solid var(--line); flex: 0 0 auto; }
  #detail .empty { color: var(--muted); }
  #detail h2 { font: 600 13px ui-monospace, monospace; margin: 0 0 4px; word-break: break-all; }
  #detail .meta { color: var(--muted); font-size: 12px; margin-bottom: 6px; overflow-wrap: anywhere; }
  #detail .meta .time, #instances .attrs .time { white-space: nowrap; }
  #detail .editor { width: 100%; height: 140px; font: 12px ui-monospace, monospace; border: 1px solid var(--line); border-radius: 4px; padding: 6px; resize: vertical; }
  #detail .editor.invalid { border-color: var(--error); background: #fff6f6; }
  #detail .buttons { display: flex; gap: 6px; align-items: center; margin-top: 6px; }
  .message { font-size: 12px; color: var(--muted); }
  .message.error { color: var(--error); }
  .message.ok { color: var(--ok); }
  .message.warn { color: var(--warn); }
  #instances { list-style: none; margin: 0; padding: 0; overflow: auto; max-height: 30vh; flex: 0 0 auto; }
  #instances li { padding: 6px 10px; border-bottom: 1px solid #f0f0ee; }
  #instances .who { font-weight: 600; }
  #instances .id, #instances .attrs { font: 11px ui-monospace, monospace; color: var(--muted); word-break: break-all; }
  #services { list-style: none; margin: 0; padding: 0; overflow: auto; max-height: 20vh; flex: 0 0 auto; }
  #services li { padding: 6px 10px; border-bottom: 1px solid #f0f0ee; }
  #services .who { font-weight: 600; }
  #services .id, #services .attrs, #services .empty { font: 11px ui-monospace, monospace; color: var(--muted); word-break: break-all; }
  #log { list-style: none; margin: 0; padding: 0; overflow: auto; flex: 1; font: 12px ui-monospace, monospace; }
  #log li { padding: 2px 10px; display: flex; gap: 8px; border-bottom: 1px solid #f6f6f4; }
  #log .time { color: var(--muted); }
  #log .kind { width: 72px; flex: 0 0 auto; }
  #log .time { flex: 0 0 auto; }
  #log .joined .kind, #log .interned .kind { color: var(--ok); }
  #log .left .kind, #log .unmapped .kind { color: var(--error); }
  #log .text { word-break: break-all; }
</style>
</head>
<body data-status="connecting">
<header>
  <h1>varspace inspector</h1>
  <span class="status" id="status">loading</span>
  <span class="hub" id="hub"></span>
  <span class="counts" id="counts"></span>
</header>
<main>
  <section>
    <div class="toolbar">
      <input id="filter" type="search" placeholder="filter by pattern: demo.>  ui.buttons/*  *.sensors/*" autocomplete="off" spellcheck="false" aria-label="filter by pattern">
      <button id="expand-all" type="button">Expand all</button>
      <button id="collapse-all" type="button">Collapse all</button>
      <div id="filter-error" role="alert"></div>
    </div>
    <div id="tree"><div id="spacer"><div id="rows"></div></div></div>
  </section>
  <aside>
    <h3>Selected var</h3>
    <div id="detail"><div class="empty">Click a var to see its value and edit it as JSON.</div></div>
    <h3>Instances</h3>
    <ul id="instances"></ul>
    <h3>Services</h3>
    <ul id="services"></ul>
    <h3>Events</h3>
    <ul id="log"></ul>
  </aside>
</main>
<noscript>The inspector needs JavaScript.</noscript>
<script type="module" src="/inspector.js"></script>
</body>
</html>
`;
