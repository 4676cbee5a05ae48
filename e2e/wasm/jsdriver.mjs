// jsdriver.mjs runs a step program against tcpwrap's GOOS=js module under
// Node: node jsdriver.mjs DIR STEPS.jsonl, where DIR holds tcpwrap.wasm,
// wasm_exec.js and load.mjs (as `make wasm` lays them out).
//
// Steps: {"op":"evaluateJSON","data":B64} prints evaluateJSON's string;
// {"op":"evaluate","data":B64} passes the parsed object (or, when the text
// is not JSON, the string) to evaluate and prints JSON.stringify of the
// answer, or "THREW: ..." if it threw; {"op":"evaluateValue","value":V}
// passes V itself; {"op":"check"|"format"|"diff","data":B64} passes the
// parsed object to check, format or diff. Each step prints one line, a JSON string.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [dir, stepsPath] = process.argv.slice(2);
const { load } = await import(pathToFileURL(join(dir, "load.mjs")));
const tcpwrap = await load();
const out = [];
for (const line of readFileSync(stepsPath, "utf8").split("\n")) {
  if (line === "") continue;
  const s = JSON.parse(line);
  let r;
  try {
    switch (s.op) {
      case "version":
        r = `${tcpwrap.version} ${typeof tcpwrap.evaluate}`;
        break;
      case "evaluateJSON":
        r = tcpwrap.evaluateJSON(Buffer.from(s.data ?? "", "base64").toString("utf8"));
        break;
      case "evaluate": {
        const text = Buffer.from(s.data ?? "", "base64").toString("utf8");
        let arg = text;
        try {
          arg = JSON.parse(text);
        } catch {}
        r = JSON.stringify(tcpwrap.evaluate(arg));
        break;
      }
      case "check":
      case "format":
      case "diff": {
        const text = Buffer.from(s.data ?? "", "base64").toString("utf8");
        r = JSON.stringify(tcpwrap[s.op](JSON.parse(text)));
        break;
      }
      case "evaluateValue": {
        let v = s.value;
        if (s.cycle) {
          v = { requests: [] };
          v.self = v;
        }
        if (s.bigint) v = { requests: [], version: 10n };
        r = JSON.stringify(tcpwrap.evaluate(v));
        break;
      }
      default:
        throw new Error("unknown step " + s.op);
    }
  } catch (e) {
    r = "THREW: " + e;
  }
  out.push(JSON.stringify(r));
}
process.stdout.write(out.join("\n") + "\n");
