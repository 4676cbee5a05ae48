// wasidriver.mjs runs a step program against tcpwrap's WASI reactor under
// Node's node:wasi: node wasidriver.mjs MODULE.wasm STEPS.jsonl
//
// Each line of STEPS is one JSON step; each step prints one line, a JSON
// string (see steps.go for the step kinds).
import { readFileSync } from "node:fs";
import { WASI } from "node:wasi";

const [wasmPath, stepsPath] = process.argv.slice(2);
const wasi = new WASI({ version: "preview1", args: [], env: {} });
const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), wasi.getImportObject());
wasi.initialize(instance);
const x = instance.exports;
const enc = new TextEncoder();
const dec = new TextDecoder("utf-8");

function put(bytes) {
  const ptr = x.alloc(bytes.length);
  if (ptr === 0) throw new Error("alloc failed");
  new Uint8Array(x.memory.buffer, ptr, bytes.length).set(bytes);
  return ptr;
}
function take(packed) {
  packed = BigInt.asUintN(64, packed);
  const ptr = Number(packed >> 32n), len = Number(packed & 0xffffffffn);
  const text = dec.decode(new Uint8Array(x.memory.buffer, ptr, len).slice());
  x.free(ptr);
  return text;
}
function withBuffer(bytes, call) {
  const ptr = put(bytes);
  try {
    return take(call(ptr, bytes.length));
  } finally {
    x.free(ptr);
  }
}

let handle = 0;
let daemonPtr = 0;
const out = [];
for (const line of readFileSync(stepsPath, "utf8").split("\n")) {
  if (line === "") continue;
  const s = JSON.parse(line);
  let r;
  switch (s.op) {
    case "abi":
      r = String(x.abi_version());
      break;
    case "compile": {
      r = withBuffer(Buffer.from(s.data ?? "", "base64"), (p, n) => x.compile(p, n));
      const h = JSON.parse(r).handle;
      if (h) handle = h;
      break;
    }
    case "evaluate":
      r = withBuffer(Buffer.from(s.data ?? "", "base64"), (p, n) => x.evaluate(s.handle ?? handle, p, n));
      break;
    case "release":
      x.release(s.handle ?? handle);
      r = "ok";
      break;
    case "rawCompile":
      r = take(x.compile(s.ptr >>> 0, s.len >>> 0));
      break;
    case "rawDecide":
      r = String(x.decide(s.handle ?? handle, 0, 0, s.ptr >>> 0, s.len >>> 0) >>> 0);
      break;
    case "decide": {
      if (daemonPtr === 0) daemonPtr = x.alloc(256);
      const b = enc.encode(s.daemon);
      new Uint8Array(x.memory.buffer, daemonPtr, b.length).set(b);
      let code = 0;
      for (let i = 0; i < (s.times ?? 1); i++) {
        code = x.decide(s.handle ?? handle, s.addr >>> 0, s.port, daemonPtr, b.length) >>> 0;
      }
      r = String(code);
      break;
    }
    case "pages":
      r = String(x.memory.buffer.byteLength / 65536);
      break;
    default:
      throw new Error("unknown step " + s.op);
  }
  out.push(JSON.stringify(r));
}
process.stdout.write(out.join("\n") + "\n");
