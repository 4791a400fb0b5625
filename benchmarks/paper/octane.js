// A CPU-bound JavaScript benchmark in the spirit of Octane (written for swrr's
// benchmarks/paper-workloads; no Octane code): a ray tracer, a JSON and regular-expression
// workload, a splay tree that keeps the garbage collector busy, and the same ray tracer in two
// worker_threads at once. Every part prints a checksum, so a replay that differs shows.
//
// Usage: node octane.js [SCALE]   (SCALE 1: ~0.5 s here natively; the full size is 12)
'use strict';
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');

// --- ray tracer: spheres, a plane, one light, shadows and one reflection bounce ---------------
function vec(x, y, z) { return { x, y, z }; }
function add(a, b) { return vec(a.x + b.x, a.y + b.y, a.z + b.z); }
function sub(a, b) { return vec(a.x - b.x, a.y - b.y, a.z - b.z); }
function mul(a, s) { return vec(a.x * s, a.y * s, a.z * s); }
function dot(a, b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
function norm(a) { const l = Math.sqrt(dot(a, a)); return mul(a, 1 / l); }

class Sphere {
  constructor(c, r, color, refl) { this.c = c; this.r = r; this.color = color; this.refl = refl; }
  hit(o, d) {
    const oc = sub(o, this.c), b = dot(oc, d), c = dot(oc, oc) - this.r * this.r, h = b * b - c;
    if (h < 0) return -1;
    const t = -b - Math.sqrt(h);
    return t > 1e-4 ? t : -1;
  }
  normal(p) { return norm(sub(p, this.c)); }
}
class Plane {
  constructor(y, color) { this.y = y; this.color = color; this.refl = 0.3; }
  hit(o, d) { if (Math.abs(d.y) < 1e-9) return -1; const t = (this.y - o.y) / d.y; return t > 1e-4 ? t : -1; }
  normal() { return vec(0, 1, 0); }
}
const scene = [new Plane(-1, vec(0.8, 0.8, 0.8)),
  new Sphere(vec(0, 0, 4), 1, vec(1, 0.2, 0.2), 0.4),
  new Sphere(vec(-2, 0.3, 5), 1.3, vec(0.2, 1, 0.2), 0.2),
  new Sphere(vec(2, -0.3, 3.5), 0.7, vec(0.2, 0.2, 1), 0.6)];
const light = vec(-5, 5, -3);

function trace(o, d, depth) {
  let best = Infinity, obj = null;
  for (const s of scene) { const t = s.hit(o, d); if (t > 0 && t < best) { best = t; obj = s; } }
  if (!obj) return vec(0.1, 0.1, 0.2);
  const p = add(o, mul(d, best)), n = obj.normal(p), l = norm(sub(light, p));
  let shade = Math.max(0, dot(n, l));
  for (const s of scene) { if (s !== obj && s.hit(p, l) > 0) { shade *= 0.3; break; } }
  let c = mul(obj.color, 0.1 + 0.9 * shade);
  if (depth < 2 && obj.refl > 0) {
    const r = sub(d, mul(n, 2 * dot(d, n)));
    c = add(mul(c, 1 - obj.refl), mul(trace(p, norm(r), depth + 1), obj.refl));
  }
  return c;
}

function render(width, height, rowStart, rowEnd) {
  let sum = 0;
  for (let y = rowStart; y < rowEnd; y++) {
    for (let x = 0; x < width; x++) {
      const d = norm(vec((x - width / 2) / height, (height / 2 - y) / height, 1));
      const c = trace(vec(0, 0, 0), d, 0);
      sum = (sum + Math.floor(c.x * 255) * 3 + Math.floor(c.y * 255) * 5 + Math.floor(c.z * 255) * 7) % 1000000007;
    }
  }
  return sum;
}

// --- JSON and regular expressions -------------------------------------------------------------
function jsonRegexp(rounds) {
  let check = 0;
  for (let r = 0; r < rounds; r++) {
    const records = [];
    for (let i = 0; i < 400; i++) {
      records.push({ id: r * 1000 + i, name: 'user' + ((i * 7919) % 1000), email: `u${i}.r${r}@example${i % 13}.org`,
        tags: ['a' + (i % 5), 'b' + (i % 3)], score: (i * 31) % 97 / 7 });
    }
    const text = JSON.stringify(records);
    const back = JSON.parse(text);
    const emails = text.match(/"email":"([a-z0-9.]+)@(example\d+)\.org"/g) || [];
    const rewritten = text.replace(/user(\d+)/g, (_, n) => 'U' + (Number(n) % 17));
    check = (check + back.length + emails.length * 3 + rewritten.length) % 1000000007;
  }
  return check;
}

// --- splay tree: inserts and removals of fresh nodes with payloads (the GC's work) ------------
class Node { constructor(key, value) { this.key = key; this.value = value; this.left = null; this.right = null; } }
class SplayTree {
  constructor() { this.root = null; }
  splay(key) {
    const dummy = new Node(0, null); let left = dummy, right = dummy, t = this.root;
    for (;;) {
      if (key < t.key) {
        if (!t.left) break;
        if (key < t.left.key) { const y = t.left; t.left = y.right; y.right = t; t = y; if (!t.left) break; }
        right.left = t; right = t; t = t.left;
      } else if (key > t.key) {
        if (!t.right) break;
        if (key > t.right.key) { const y = t.right; t.right = y.left; y.left = t; t = y; if (!t.right) break; }
        left.right = t; left = t; t = t.right;
      } else break;
    }
    left.right = t.left; right.left = t.right; t.left = dummy.right; t.right = dummy.left; this.root = t;
  }
  insert(key, value) {
    if (!this.root) { this.root = new Node(key, value); return; }
    this.splay(key);
    if (this.root.key === key) return;
    const n = new Node(key, value);
    if (key > this.root.key) { n.left = this.root; n.right = this.root.right; this.root.right = null; }
    else { n.right = this.root; n.left = this.root.left; this.root.left = null; }
    this.root = n;
  }
  remove(key) {
    if (!this.root) return;
    this.splay(key);
    if (this.root.key !== key) return;
    if (!this.root.left) this.root = this.root.right;
    else { const r = this.root.right; this.root = this.root.left; this.splay(key); this.root.right = r; }
  }
  min() { let t = this.root; while (t && t.left) t = t.left; return t ? t.key : -1; }
}
function splay(operations) {
  const tree = new SplayTree(); let seed = 49734321, check = 0;
  // Park-Miller: the product stays below 2^53, so doubles compute it exactly.
  const next = () => { seed = (seed * 16807) % 2147483647; return seed; };
  for (let i = 0; i < 8000; i++) { const k = next(); tree.insert(k, { k, s: 'v' + k, a: [k, k + 1] }); }
  for (let i = 0; i < operations; i++) {
    const k = next();
    tree.insert(k, { k, s: 'v' + k, a: new Array(8).fill(i) });
    tree.remove(tree.min());
    check = (check + (tree.root ? tree.root.key % 1000 : 7)) % 1000000007;
  }
  return check;
}

// --- main: each part timed by the caller only (the output is the checksums) ------------------
if (!isMainThread) {
  const { width, height, rowStart, rowEnd } = workerData;
  parentPort.postMessage(render(width, height, rowStart, rowEnd));
} else {
  const scale = Math.max(1, Math.min(1000, Number(process.argv[2] || 1) | 0));
  const w = 64 * Math.ceil(Math.sqrt(scale)), h = 48 * Math.ceil(Math.sqrt(scale));
  console.log('raytrace ' + w + 'x' + h + ' ' + render(w, h, 0, h));
  console.log('json+regexp ' + jsonRegexp(10 * scale));
  console.log('splay ' + splay(60000 * scale));
  const parts = [0, 1].map((i) => new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: { width: w, height: h, rowStart: i * h / 2, rowEnd: (i + 1) * h / 2 } });
    worker.on('message', resolve);
    worker.on('error', reject);
  }));
  Promise.all(parts).then((sums) => console.log('workers ' + sums.join(' ')));
}
