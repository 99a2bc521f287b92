// One frame's share of an axe-core run (axe.runPartial, as axe's own integrations run it):
// its partial result, and the frames it holds, each with axe's selector and the part of the
// page (frameContext) to test there. No frame messaging: the crawler visits each frame's
// isolated world itself, so a page cannot answer for its frames. The partial result is large:
// it stays JSON text until axe_finish.js parses it (an object would be walked field by field
// on its way out and back in).
async ({ context, options }) => {
  const target = context || document;
  const frames = axe.utils.getFrameContexts(target, options);
  const partial = JSON.stringify(await axe.runPartial(target, options));
  return { frames, partial };
}
