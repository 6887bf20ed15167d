// ONNX Runtime's CPU execution provider as the runtime bench's peer,
// through onnxruntime-node (install: see README.md). Two modes, each one
// process, so run.py can interleave them with modelgate's:
//
//   node ort_bench.js ips MODEL BATCH SECONDS THREADS
//     steady-state forward passes of random [0,1) rows at BATCH;
//     prints "forward IPS" (images/s, warm-up call excluded)
//   node ort_bench.js run MODEL X.npy OUT.npy THREADS [BATCH]
//     what `modelgate model run` does: load, run every row of a float32
//     NPY (BATCH rows per call, all at once when 0 or absent), write the
//     logits as an N x K float32 NPY; timed from outside, start to exit
//
// Sessions use the CPU provider only, every graph optimisation, and
// THREADS for both intra- and inter-op pools, as modelgate's two threads.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function options(threads) {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: threads,
  };
}

// The fixed dims after the batch axis of the session's only input.
function rowShape(session) {
  const meta = session.inputMetadata[0];
  const dims = meta.shape.slice(1);
  if (dims.some((d) => typeof d !== 'number' || d <= 0))
    throw new Error(`input '${meta.name}' has a symbolic dimension after the batch`);
  return dims;
}

function readNpy(path) {
  const buf = fs.readFileSync(path);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${path}: not an NPY file`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + hlen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  if (!/'descr':\s*'<f4'/.test(header) || /'fortran_order':\s*True/.test(header))
    throw new Error(`${path}: expected little-endian float32 in C order`);
  const shape = header.match(/'shape':\s*\(([^)]*)\)/)[1].split(',').filter((s) => s.trim())
      .map(Number);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length));
  return {shape, data};
}

function writeNpy(path, data, shape) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')},), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  fs.writeFileSync(path, Buffer.concat([pre, Buffer.from(header, 'latin1'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

async function ips(model, batch, seconds, threads) {
  const session = await ort.InferenceSession.create(model, options(threads));
  const dims = rowShape(session);
  const per = dims.reduce((a, b) => a * b, 1);
  const x = new Float32Array(batch * per);
  let seed = 1;
  for (let i = 0; i < x.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    x[i] = seed / 4294967296;
  }
  const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', x, [batch, ...dims])};
  await session.run(feeds); // warm-up: allocations, kernel selection
  let runs = 0;
  const t0 = process.hrtime.bigint();
  let dt = 0;
  while (dt < seconds || runs < 3) {
    await session.run(feeds);
    runs++;
    dt = Number(process.hrtime.bigint() - t0) * 1e-9;
  }
  console.log(`forward ${(runs * batch / dt).toFixed(1)}`);
}

async function run(model, xpath, out, threads, batch) {
  const session = await ort.InferenceSession.create(model, options(threads));
  const dims = rowShape(session);
  const per = dims.reduce((a, b) => a * b, 1);
  const {shape, data} = readNpy(xpath);
  const rows = shape[0];
  if (shape.slice(1).reduce((a, b) => a * b, 1) !== per)
    throw new Error(`${xpath}: rows do not fit the model input ${dims.join('x')}`);
  const step = batch > 0 ? batch : rows;
  let logits = null, k = 0;
  for (let r = 0; r < rows; r += step) {
    const n = Math.min(step, rows - r);
    const feeds = {[session.inputNames[0]]:
        new ort.Tensor('float32', data.subarray(r * per, (r + n) * per), [n, ...dims])};
    const y = (await session.run(feeds))[session.outputNames[0]];
    if (!logits) {
      k = y.data.length / n;
      logits = new Float32Array(rows * k);
    }
    logits.set(y.data, r * k);
  }
  writeNpy(out, logits, [rows, k]);
}

async function main() {
  const [mode, ...a] = process.argv.slice(2);
  if (mode === 'ips' && a.length === 4)
    return ips(a[0], Number(a[1]), Number(a[2]), Number(a[3]));
  if (mode === 'run' && (a.length === 4 || a.length === 5))
    return run(a[0], a[1], a[2], Number(a[3]), Number(a[4] || 0));
  console.error('usage: ort_bench.js ips MODEL BATCH SECONDS THREADS\n' +
                '       ort_bench.js run MODEL X.npy OUT.npy THREADS [BATCH]');
  process.exit(2);
}

main().catch((e) => {
  console.error(`ort_bench: ${e.message}`);
  process.exit(2);
});
