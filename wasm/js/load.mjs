// load.mjs loads tcpwrap's GOOS=js module in Node (18+) and returns its
// API, globalThis.tcpwrap (see tcpwrap.d.ts).
//
// `make wasm` puts this file beside tcpwrap.wasm and wasm_exec.js (copied
// from the same Go toolchain: $(go env GOROOT)/lib/wasm/wasm_exec.js) in
// bin/wasm/; by default load() reads both from its own directory:
//
//	import { load } from "./bin/wasm/load.mjs";
//	const tcpwrap = await load();
//	const out = tcpwrap.evaluate({ deny: "ALL: ALL\n", requests: [{ daemon: "sshd", client: "10.0.0.1" }] });
//	console.log(out.results[0].predictions[0].access); // "denied"
//
// One instance answers any number of calls; it never throws for bad input.
import { readFile } from "node:fs/promises";

/**
 * @param {object} [opts]
 * @param {string|URL} [opts.wasm]     path of tcpwrap.wasm (default: beside this file)
 * @param {string|URL} [opts.wasmExec] path of wasm_exec.js (default: beside this file)
 * @returns {Promise<import("./tcpwrap.d.ts").Tcpwrap>}
 */
export async function load(opts = {}) {
  const wasmExec = opts.wasmExec ?? new URL("./wasm_exec.js", import.meta.url);
  const wasm = opts.wasm ?? new URL("./tcpwrap.wasm", import.meta.url);
  if (typeof globalThis.Go !== "function") {
    // wasm_exec.js is a plain script that defines globalThis.Go.
    const src = await readFile(wasmExec, "utf8");
    new Function(src)();
  }
  const go = new globalThis.Go();
  const { instance } = await WebAssembly.instantiate(await readFile(wasm), go.importObject);
  go.run(instance); // not awaited: main registers the API, then waits forever
  if (!globalThis.tcpwrap) {
    throw new Error("tcpwrap.wasm did not register globalThis.tcpwrap");
  }
  return globalThis.tcpwrap;
}
