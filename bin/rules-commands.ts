/** `roomwatch rules check` and `roomwatch rules test`, like promtool's. */
import { join } from 'node:path';
import { formatRuleProblem, loadRuleFiles } from '../collector/rules/loader.js';
import { lintRules, TEXT_LANGS } from '../collector/rules/pack-lint.js';
import { runRuleTests } from '../collector/rules/rule-test.js';
import { packageRoot } from '../lib/paths.js';

export function runRulesCheck(paths: string[], opts: { json?: boolean; requireLangs?: string[] } = {}): number {
  const requireLangs = opts.requireLangs ?? [];
  const bad = requireLangs.filter((l) => !(TEXT_LANGS as readonly string[]).includes(l));
  if (bad.length > 0) {
    process.stderr.write(`--require-lang: '${bad.join("', '")}' is not a language of rule text; valid: ${TEXT_LANGS.join(', ')}\n`);
    return 2;
  }
  const targets = paths.length > 0 ? paths : [join(packageRoot(), 'rules')];
  const loaded = loadRuleFiles(targets);
  const { files } = loaded;
  const problems = [
    ...loaded.problems,
    ...lintRules(
      files.flatMap((f) => f.rules),
      { requireLangs },
    ),
  ];
  if (opts.json) {
    const out = {
      ok: problems.length === 0,
      files: files.map((f) => ({ file: f.file, group: f.group, rules: f.rules.length })),
      problems: problems.map((p) => ({ ...p, text: formatRuleProblem(p) })),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return out.ok ? 0 : 1;
  }
  for (const p of problems) process.stderr.write(`${formatRuleProblem(p)}\n`);
  for (const f of files) process.stdout.write(`${f.file}: ${f.rules.length} rules in group ${f.group}\n`);
  if (problems.length > 0) {
    process.stderr.write(`FAILED: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`);
    return 1;
  }
  process.stdout.write(`SUCCESS: ${files.reduce((n, f) => n + f.rules.length, 0)} rules in ${files.length} files\n`);
  return 0;
}

export function runRulesTest(files: string[], opts: { json?: boolean } = {}): number {
  if (opts.json) {
    const out = files.map((file) => ({ file, ...runRuleTests(file) }));
    const ok = out.every((f) => f.problems.length === 0 && f.results.every((r) => r.failures.length === 0));
    process.stdout.write(`${JSON.stringify({ ok, files: out })}\n`);
    return ok ? 0 : 1;
  }
  let failed = 0;
  for (const file of files) {
    const { results, problems } = runRuleTests(file);
    for (const p of problems) process.stderr.write(`${file}: ${p}\n`);
    if (problems.length > 0) failed++;
    for (const r of results) {
      if (r.failures.length === 0) process.stdout.write(`${file}: ${r.name}: ok\n`);
      else {
        failed++;
        process.stdout.write(`${file}: ${r.name}: FAILED\n${r.failures.map((f) => `  ${f}`).join('\n')}\n`);
      }
    }
  }
  process.stdout.write(failed ? `FAILED: ${failed} test${failed === 1 ? '' : 's'}\n` : 'SUCCESS\n');
  return failed ? 1 : 0;
}
