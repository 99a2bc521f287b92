// axe.run in one world, for a page without frames (with frames, Vigie runs axe frame by frame:
// axe_partial.js, axe_finish.js). Also bench/baseline_playwright.py's "locale" step.
// Run the injected axe-core and send back only what Vigie stores: violations and incomplete
// in full, passes and inapplicable as rule ids (sending everything costs time for nothing).
// axe was injected with its French locale (Vigie's reports are in French; ids and tags are
// unchanged).
async ({ options }) => {
  const r = await axe.run(document, options);
  return {
    testEngine: r.testEngine,
    testRunner: r.testRunner,
    testEnvironment: r.testEnvironment,
    url: r.url,
    timestamp: r.timestamp,
    toolOptions: r.toolOptions,
    violations: r.violations,
    incomplete: r.incomplete,
    passes: r.passes.map((p) => p.id),
    inapplicable: r.inapplicable.map((p) => p.id),
  };
}
