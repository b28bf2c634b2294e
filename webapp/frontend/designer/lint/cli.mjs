#!/usr/bin/env node
// Lint BPMN files with the designer's rules, outside the browser (for tests and for the curious):
//   node webapp/frontend/designer/lint/cli.mjs [--catalogue cat.json] FILE...
// prints one JSON list [{file, id, rule, message, category}] and exits 0 (problems are data, not a
// failure; a file that cannot be read is one "error" entry with rule "duibiao/parse").
// The files are one batch, as for `duibiao workflows validate`: a call activity may call a process
// defined in any of them (the catalogue's processes are the deployed ones). --generic reads the
// spiffworkflow extension as unknown XML (a moddle without its descriptor), which the rules also read.

import { readFile } from "node:fs/promises";
import { basename } from "node:path";

import { BpmnModdle } from "bpmn-moddle";
import bpmnlint from "bpmnlint";

import { lintConfig } from "./index.js";

const { Linter } = bpmnlint;
const spiffworkflow = JSON.parse(await readFile(new URL("../spiffworkflow.json", import.meta.url), "utf8"));

function parseArguments(argv) {
  const files = [];
  let cataloguePath = null;
  let generic = false;
  for (let index = 0; index < argv.length; index += 1) {
    if (argv[index] === "--catalogue") cataloguePath = argv[++index];
    else if (argv[index] === "--generic") generic = true;
    else files.push(argv[index]);
  }
  return { files, cataloguePath, generic };
}

async function readDefinitions(file, generic) {
  const moddle = new BpmnModdle(generic ? {} : { spiffworkflow });
  const { rootElement } = await moddle.fromXML(await readFile(file, "utf8"));
  return rootElement;
}

function processIds(definitions) {
  return (definitions.rootElements || []).filter((e) => e.$type === "bpmn:Process").map((e) => e.id);
}

/** The catalogue with the batch's processes counted as known call targets. */
function withBatch(catalogue, parsed) {
  if (!Array.isArray(catalogue.processes)) return catalogue;
  const batch = parsed.flatMap(({ definitions }) => (definitions ? processIds(definitions) : []));
  return { ...catalogue, processes: [...catalogue.processes, ...batch.map((value) => ({ value, label: value }))] };
}

function flatten(file, results) {
  return Object.entries(results).flatMap(([rule, reports]) => reports.map((report) => ({
    file,
    id: report.id ?? null,
    rule: rule.includes("/") ? rule : `bpmnlint/${rule}`,
    message: report.message,
    category: report.category === "warn" ? "warn" : "error",
  })));
}

async function main() {
  const { files, cataloguePath, generic } = parseArguments(process.argv.slice(2));
  const catalogue = cataloguePath ? JSON.parse(await readFile(cataloguePath, "utf8")) : {};
  const parsed = await Promise.all(files.map(async (file) => {
    try {
      return { file, definitions: await readDefinitions(file, generic) };
    } catch (error) {
      return { file, error };
    }
  }));
  const options = lintConfig(withBatch(catalogue, parsed));
  const found = [];
  for (const { file, definitions, error } of parsed) {
    if (error) {
      found.push({ file, id: basename(file), rule: "duibiao/parse", message: `无法读取 BPMN：${error.message}`, category: "error" });
      continue;
    }
    // a Linter per file: some bpmnlint rules keep state between the elements they visit
    const linter = new Linter(options);
    found.push(...flatten(file, await linter.lint(definitions)));
  }
  process.stdout.write(`${JSON.stringify(found, null, 1)}\n`);
}

await main();
