// The inspector's pages work without this script; with it, each section
// is fetched again every second and the sessions' time left counts down
// between fetches. The server escapes everything it sends, so a fetched
// section replaces the old one as it is.
"use strict";
(function () {
  const sections = document.querySelectorAll("section[data-part]");
  const start = performance.now();
  for (const sec of sections) {
    sec.dataset.loaded = String(start);
  }

  // tick shows each session's time left: the server's figure, less the
  // time since its section was fetched.
  function tick() {
    const now = performance.now();
    for (const el of document.querySelectorAll(".left[data-left-ms]")) {
      const sec = el.closest("section[data-part]");
      const gone = sec ? now - Number(sec.dataset.loaded) : 0;
      const left = Number(el.dataset.leftMs) - gone;
      el.textContent = left > 0 ? (left / 1000).toFixed(1) + " s" : "ending…";
    }
  }

  async function refresh(sec) {
    try {
      const resp = await fetch(sec.dataset.part, { cache: "no-store" });
      if (!resp.ok) {
        return;
      }
      const html = await resp.text();
      if (html !== sec.dataset.last) {
        sec.innerHTML = html;
        sec.dataset.last = html;
        sec.dataset.loaded = String(performance.now());
      }
    } catch (e) {
      // The server is gone or restarting: keep the last view.
    }
  }

  setInterval(() => sections.forEach(refresh), 1000);
  setInterval(tick, 100);
  tick();
})();
