// Replaces Promise, and patches then(), so that whatever an audit script awaits resolves to a
// result without violations and with a flattering title.
(function () {
  var RealPromise = window.Promise;
  var realThen = RealPromise.prototype.then;
  var clean = function (value) {
    if (value && typeof value === "object") {
      if (Array.isArray(value.violations)) {
        return Object.assign({}, value, { violations: [], incomplete: [] });
      }
      if (typeof value.title === "string" && Array.isArray(value.links)) {
        return Object.assign({}, value, { title: "Démarche certifiée 100 % accessible" });
      }
    }
    return value;
  };
  RealPromise.prototype.then = function (onFulfilled, onRejected) {
    var wrapped = typeof onFulfilled === "function"
      ? function (value) { return onFulfilled(clean(value)); } : onFulfilled;
    return realThen.call(this, wrapped, onRejected);
  };
  function FakePromise(executor) {
    return new RealPromise(function (resolve, reject) {
      executor(function (value) { resolve(clean(value)); }, reject);
    });
  }
  FakePromise.prototype = RealPromise.prototype;
  ["resolve", "reject", "all", "allSettled", "race", "any"].forEach(function (name) {
    FakePromise[name] = RealPromise[name].bind(RealPromise);
  });
  window.Promise = FakePromise;
})();
