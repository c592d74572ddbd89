// Parse an AsyncAPI document with the official parser (@asyncapi/parser).
// Exits 1 when the document does not parse or any diagnostic has error or warning severity,
// printing every diagnostic; prints a one-line summary on success.
import { resolve } from 'node:path';
import { Parser, fromFile } from '@asyncapi/parser';

const SEVERITY = ['error', 'warning', 'info', 'hint'];
const FAILING = new Set([0, 1]);

const target = process.argv[2];
if (!target) {
  console.error('usage: node check.mjs <asyncapi document>');
  process.exit(2);
}

const parser = new Parser();
const { document, diagnostics } = await fromFile(parser, resolve(target)).parse();

for (const diagnostic of diagnostics) {
  const where = diagnostic.path && diagnostic.path.length ? diagnostic.path.join('/') : '(root)';
  const severity = SEVERITY[diagnostic.severity] ?? String(diagnostic.severity);
  console.error(`${severity} ${diagnostic.code}: ${diagnostic.message} at ${where}`);
}

const failing = diagnostics.filter((diagnostic) => FAILING.has(diagnostic.severity));
if (!document || failing.length > 0) {
  console.error(`${target}: ${failing.length} error/warning diagnostic(s); document ${document ? 'parsed' : 'did not parse'}`);
  process.exit(1);
}

const channels = document.channels().length;
const operations = document.operations().length;
const messages = document.messages().length;
console.log(
  `${target}: AsyncAPI ${document.version()} ok: ${channels} channels, ${operations} operations, ${messages} messages`,
);
