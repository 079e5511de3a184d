// Present mode: one objective per slide; arrows, space, Page Up/Down, Home/End, F, Esc.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var slides = Array.prototype.slice.call(document.querySelectorAll(".slide"));
    var counter = document.querySelector("[data-current]");
    var index = 0;
    function show(i) {
      index = Math.max(0, Math.min(slides.length - 1, i));
      slides.forEach(function (s, n) { s.hidden = n !== index; });
      if (counter) counter.textContent = String(index + 1);
      if (location.hash !== "#" + (index + 1)) history.replaceState(null, "", "#" + (index + 1));
    }
    document.addEventListener("keydown", function (e) {
      var k = e.key;
      if (k === "ArrowRight" || k === "PageDown" || k === " ") { show(index + 1); e.preventDefault(); }
      else if (k === "ArrowLeft" || k === "PageUp") { show(index - 1); e.preventDefault(); }
      else if (k === "Home") { show(0); }
      else if (k === "End") { show(slides.length - 1); }
      else if (k === "f" || k === "F") {
        if (document.fullscreenElement) document.exitFullscreen();
        else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen();
      } else if (k === "Escape" && !document.fullscreenElement) {
        location.href = document.body.getAttribute("data-exit");
      }
    });
    document.addEventListener("click", function (e) {
      if (e.target.closest("a, button")) return;
      show(e.clientX < window.innerWidth / 3 ? index - 1 : index + 1);
    });
    show(parseInt(location.hash.slice(1), 10) - 1 || 0);
  });
})();
