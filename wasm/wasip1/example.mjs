// example.mjs runs tcpwrap's WASI reactor under Node's node:wasi (Node 20
// prints an ExperimentalWarning for node:wasi; --no-warnings hides it):
//
//	make wasm
//	node --no-warnings wasm/wasip1/example.mjs bin/wasm/tcpwrap-wasip1.wasm
//
// It compiles a policy, evaluates two requests through JSON, and decides
// one connection through the compact path. The ABI is in ABI.md.
import { readFileSync } from "node:fs";
import { WASI } from "node:wasi";

const wasmPath = process.argv[2] ?? new URL("../../bin/wasm/tcpwrap-wasip1.wasm", import.meta.url);
const wasi = new WASI({ version: "preview1" });
const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), wasi.getImportObject());
wasi.initialize(instance); // runs _initialize: always first
const x = instance.exports;
if (x.abi_version() !== 1) throw new Error(`ABI version ${x.abi_version()}, want 1`);

const enc = new TextEncoder();
const dec = new TextDecoder();

// call passes text in a fresh module buffer and returns the JSON reply.
function call(fn, text, ...before) {
  const bytes = enc.encode(text);
  const ptr = x.alloc(bytes.length);
  if (ptr === 0) throw new Error("alloc failed");
  new Uint8Array(x.memory.buffer, ptr, bytes.length).set(bytes);
  const packed = BigInt.asUintN(64, fn(...before, ptr, bytes.length)); // i64 arrives as a BigInt
  x.free(ptr);
  const outPtr = Number(packed >> 32n), outLen = Number(packed & 0xffffffffn);
  const reply = JSON.parse(dec.decode(new Uint8Array(x.memory.buffer, outPtr, outLen).slice()));
  x.free(outPtr);
  return reply;
}

const policy = {
  allow: "sshd: 10.0.0.0/255.255.255.0 EXCEPT 10.0.0.9\n",
  deny: "ALL: ALL\n",
  hosts: "10.0.0.1 good.example.com\n",
};
const { handle, error } = call(x.compile, JSON.stringify(policy));
if (error) throw new Error(error);

const out = call(x.evaluate, JSON.stringify({
  requests: [
    { daemon: "sshd", client: "good.example.com" },
    { daemon: "sshd", client: "10.0.0.9" },
  ],
}), handle);
for (const r of out.results) {
  for (const p of r.predictions ?? []) {
    console.log(`${p.request.daemon} ${p.request.address}: ${p.access} (${p.reason})`);
  }
  if (r.error) console.log("error:", r.error);
}

// The compact path: the daemon name in a buffer the host keeps, the
// address as a number; the answer is a code (see ABI.md).
const name = enc.encode("sshd");
const daemon = x.alloc(name.length);
new Uint8Array(x.memory.buffer, daemon, name.length).set(name);
const code = x.decide(handle, 0x0a000001 /* 10.0.0.1 */, 2222, daemon, name.length) >>> 0;
const access = ["granted", "denied", "delegated"][code & 3];
console.log(`decide sshd 10.0.0.1: ${access}, ${code & 4 ? "hosts.deny" : "hosts.allow"} line ${code >>> 8}`);
x.free(daemon);
x.release(handle);
