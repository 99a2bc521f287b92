// Combine the frames' partial results (JSON text from axe_partial.js; a frame that could not be
// tested is null, and axe.finishRun reports it itself) and send back only what Vigie stores:
// violations and incomplete in full, passes and inapplicable as rule ids (sending everything
// costs time for nothing). axe was injected with its French locale (Vigie's reports are in
// French; ids and tags are unchanged).
async ({ partials, options }) => {
  const parsed = partials.map((text) => (text === null ? null : JSON.parse(text)));
  const r = await axe.finishRun(parsed, options);
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
