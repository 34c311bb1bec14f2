// Loaded on pages with widgets, just before vendor/require.js and the widget manager.
(function () {
  // 1. Where the widget manager (vendor/html-manager/embed-amd.js) finds its font files. It
  //    derives their location from the RequireJS address of its module, by default next to the
  //    page (@jupyter-widgets/html-manager/dist/); a RequireJS config object defined before
  //    require.js loads maps that module path to the copy this book serves.
  var here = document.currentScript && document.currentScript.src;
  if (here && !window.require) {
    var dist = new URL("vendor/html-manager", here).href;
    window.require = { paths: { "@jupyter-widgets/html-manager/dist": dist } };
    window.__jupyter_widgets_assets_path__ = dist + "/";
  }

  // 2. The widgets typeset their labels with MathJax 2's MathJax.Hub.Queue; the book serves
  //    MathJax 3, which has no Hub. Route those calls to MathJax 3's typesetPromise.
  document.addEventListener("DOMContentLoaded", function () {
    var mj = window.MathJax;
    if (!mj || mj.Hub) {
      return;
    }
    mj.Hub = {
      Queue: function (job) {
        var element = Array.isArray(job) ? job[2] : null;
        if (element && mj.startup && mj.typesetPromise) {
          mj.startup.promise.then(function () { return mj.typesetPromise([element]); });
        }
      },
    };
  });
})();
