// spikestream live view: one Server-Sent Event per snapshot (see LiveView.java); no libraries, works offline.
'use strict';

const ON = [61, 220, 132];
const OFF = [255, 79, 112];
const HISTORY = 120; // accuracy points kept per sensor for its sparkline

// Read by the browser test and handy in the console: updates received, the newest snapshot.
window.liveView = { updates: 0, last: null };

const panels = new Map();

function fmt(v, digits) {
  if (v === null || v === undefined) return '-';
  if (Math.abs(v) >= 1e6) return (v / 1e6).toFixed(2) + ' M';
  if (Math.abs(v) >= 1e4) return (v / 1e3).toFixed(1) + ' k';
  return Number(v).toFixed(digits);
}

function el(tag, cls, parent) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (parent) parent.appendChild(e);
  return e;
}

function panel(s) {
  let p = panels.get(s.id);
  if (p) return p;
  const root = el('section', 'sensor', document.getElementById('sensors'));
  root.dataset.sensor = s.id;
  const title = el('h2', null, root);
  title.textContent = s.id;
  const sub = el('small', null, title);
  const frame = el('canvas', 'frame', root);
  frame.width = s.width;
  frame.height = s.height;
  const pred = el('div', 'pred', root);
  const big = el('div', 'big', pred);
  const bars = el('div', 'bars', pred);
  const raster = el('canvas', 'raster', root);
  raster.width = 300;
  raster.height = 204;
  const stats = el('div', 'stats', root);
  p = { root, sub, frame, big, bars, raster, stats, barCells: [], history: [], image: null };
  panels.set(s.id, p);
  return p;
}

function drawFrame(p, s) {
  const ctx = p.frame.getContext('2d');
  if (p.frame.width !== s.width || p.frame.height !== s.height) {
    p.frame.width = s.width;
    p.frame.height = s.height;
    p.image = null;
  }
  if (!p.image) p.image = ctx.createImageData(s.width, s.height);
  const d = p.image.data;
  const img = s.image;
  let lit = 0;
  for (let i = 0; i < img.length; i++) {
    const c = img.charCodeAt(i) - 48; // '0' none, '1' OFF, '2' ON
    const rgb = c === 2 ? ON : c === 1 ? OFF : null;
    d[4 * i] = rgb ? rgb[0] : 0;
    d[4 * i + 1] = rgb ? rgb[1] : 0;
    d[4 * i + 2] = rgb ? rgb[2] : 0;
    d[4 * i + 3] = 255;
    if (rgb) lit++;
  }
  ctx.putImageData(p.image, 0, 0);
  p.frame.dataset.lit = lit;
}

// Bar lengths: the scores scaled to their range (the readouts' signals of an untrained or live network are close
// together, and a softmax of them would draw ten equal bars); the raw score is in each bar's tooltip.
function scaled(scores) {
  let min = Infinity;
  let max = -Infinity;
  for (const v of scores) {
    if (v === null) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min;
  return scores.map(v => (v === null ? 0 : span > 0 ? 0.04 + 0.96 * (v - min) / span : 1));
}

function drawPrediction(p, s) {
  const predicted = s.predicted >= 0 ? String(s.predicted) : '-';
  p.big.innerHTML = '';
  const digit = el('span', 'predicted', p.big);
  digit.textContent = predicted;
  const note = el('small', null, p.big);
  note.textContent = s.predicted < 0 ? 'no prediction yet'
    : (s.label >= 0 ? 'label ' + s.label : 'unlabelled') + ' · ' + s.kind + (s.learning ? '' : ' · learning off');
  p.root.dataset.predicted = s.predicted;
  p.root.dataset.predictionUs = s.predictionUs;
  p.root.dataset.predictions = s.predictions;
  const lengths = scaled(s.scores);
  if (p.barCells.length !== lengths.length) {
    p.bars.innerHTML = '';
    p.barCells = lengths.map((_, k) => {
      el('span', null, p.bars).textContent = k;
      const track = el('div', null, p.bars);
      return { track, fill: el('b', null, track) };
    });
  }
  lengths.forEach((v, k) => {
    const c = p.barCells[k];
    c.fill.style.width = (100 * v).toFixed(1) + '%';
    c.track.className = (k === s.predicted ? 'best' : '') + (k === s.label ? ' label' : '');
    c.track.title = 'class ' + k + ': score ' + s.scores[k];
  });
}

function drawRaster(p, s) {
  const ctx = p.raster.getContext('2d');
  const w = p.raster.width;
  const h = p.raster.height;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, w, h);
  const r = s.raster;
  if (!r || r.neurons <= 0 || r.toStep <= r.fromStep) return;
  const span = r.toStep - r.fromStep;
  const dy = h / r.neurons;
  ctx.fillStyle = '#e6e6e6';
  for (let i = 0; i < r.steps.length; i++) {
    const x = ((r.steps[i] - r.fromStep) / span) * w;
    const y = r.neuron[i] * dy;
    ctx.fillRect(x, y, Math.max(1, w / span), Math.max(1, dy));
  }
  p.raster.dataset.spikes = r.steps.length;
}

function sparkline(values) {
  const c = document.createElement('canvas');
  c.className = 'spark';
  c.width = 120;
  c.height = 24;
  const ctx = c.getContext('2d');
  ctx.strokeStyle = '#3ddc84';
  ctx.beginPath();
  values.forEach((v, i) => {
    const x = (i / Math.max(1, HISTORY - 1)) * c.width;
    const y = c.height - v * (c.height - 2) - 1;
    if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
  });
  ctx.stroke();
  return c;
}

function drawStats(p, s) {
  if (s.accuracy !== null && (p.history.length === 0 || p.lastScored !== s.scored)) {
    p.history.push(s.accuracy);
    if (p.history.length > HISTORY) p.history.shift();
    p.lastScored = s.scored;
  }
  p.stats.innerHTML = '';
  const item = (name, value) => {
    const span = el('span', null, p.stats);
    span.append(name + ' ');
    el('b', null, span).textContent = value;
    return span;
  };
  item('rolling accuracy', s.accuracy === null ? '-' : (100 * s.accuracy).toFixed(1) + ' %').className = 'accuracy';
  if (p.history.length > 1) p.stats.lastChild.append(' ', sparkline(p.history));
  item('loss', s.loss === null ? '-' : s.loss.toFixed(4)).className = 'loss';
  item('scored', s.scored);
  item('events/s', fmt(s.eventsPerSecond, 0)).className = 'throughput';
  item('events', fmt(s.events, 0));
  item('stream time', (s.streamUs / 1e6).toFixed(3) + ' s');
  p.sub.textContent = s.width * s.binning + 'x' + s.height * s.binning + (s.binning > 1 ? ' (binned ' + s.binning + 'x)' : '');
}

function render(snap) {
  window.liveView.updates++;
  window.liveView.last = snap;
  document.getElementById('eventsPerSecond').textContent = fmt(snap.eventsPerSecond, 0);
  document.getElementById('consumerLag').textContent = snap.consumerLag === null ? '-' : fmt(snap.consumerLag, 0);
  document.getElementById('realtimeFactor').textContent = snap.realtimeFactor === null ? '-' : fmt(snap.realtimeFactor, 2) + 'x';
  document.getElementById('sensorCount').textContent = snap.sensors.length
    + (snap.sensorsNotShown > 0 ? ' (+' + snap.sensorsNotShown + ' not shown)' : '');
  document.getElementById('waiting').hidden = snap.sensors.length > 0;
  for (const s of snap.sensors) {
    const p = panel(s);
    document.getElementById('frameMs').textContent = s.frameUs / 1000;
    drawFrame(p, s);
    drawPrediction(p, s);
    drawRaster(p, s);
    drawStats(p, s);
  }
}

function connect() {
  const status = document.getElementById('connection');
  const source = new EventSource('events');
  source.onopen = () => { status.textContent = 'live'; status.className = 'up'; };
  source.onerror = () => { status.textContent = 'reconnecting'; status.className = 'down'; };
  source.onmessage = e => render(JSON.parse(e.data));
}

connect();
