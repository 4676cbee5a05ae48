// Validates SARIF logs against the SARIF 2.1.0 JSON schema (the copy
// shipped in @microsoft/jest-sarif), with ajv.
//
//   node e2e/sarif/validate.mjs FILE...
//
// Prints "FILE: valid" or the schema errors; exits 1 if any file fails.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const Ajv = require("ajv");
const schema = require("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");

const ajv = new Ajv({ schemaId: "id", allErrors: true, logger: false });
ajv.addMetaSchema(require("ajv/lib/refs/json-schema-draft-04.json"));
const validate = ajv.compile(schema);

let failed = 0;
for (const file of process.argv.slice(2)) {
  const log = JSON.parse(readFileSync(file, "utf8"));
  if (validate(log)) {
    console.log(`${file}: valid SARIF 2.1.0`);
  } else {
    failed++;
    console.log(`${file}: invalid`);
    for (const e of validate.errors) console.log(`  ${e.dataPath || "/"} ${e.message}`);
  }
}
if (process.argv.length < 3) {
  console.log("usage: node e2e/sarif/validate.mjs FILE...");
  failed = 1;
}
process.exit(failed ? 1 : 0);
