// Keyboard of the review page: Enter submits the form (accept, or save a correction);
// Alt+I illegible, Alt+R redacted, Esc skip. The reviewer's name is remembered in this browser.
(function () {
  // The reading view: a line's box on the scan and its text light up together on hover;
  // arrow keys move between pages (left, right) and cables (up, down).
  const nav = document.getElementById("reading-nav");
  if (nav) {
    const light = (id, on) => {
      for (const el of document.querySelectorAll(`[data-line="${CSS.escape(id)}"]`)) el.classList.toggle("lit", on);
    };
    for (const el of document.querySelectorAll("[data-line]")) {
      el.addEventListener("mouseenter", () => light(el.dataset.line, true));
      el.addEventListener("mouseleave", () => light(el.dataset.line, false));
    }
    const keys = { ArrowLeft: "previous-page", ArrowRight: "next-page", ArrowUp: "previous-cable", ArrowDown: "next-cable" };
    document.addEventListener("keydown", (event) => {
      const link = keys[event.key] && document.getElementById(keys[event.key]);
      if (link && !event.altKey && !event.ctrlKey && !event.metaKey) { event.preventDefault(); link.click(); }
    });
  }
})();
(function () {
  const form = document.getElementById("decide");
  if (!form) return;
  const reviewer = document.getElementById("reviewer");
  if (reviewer && !reviewer.value) reviewer.value = localStorage.getItem("cableocr-reviewer") || "";
  const decide = (action) => {
    form.elements.action.value = action;
    if (reviewer) localStorage.setItem("cableocr-reviewer", reviewer.value);
    form.submit();
  };
  form.addEventListener("submit", () => { if (reviewer) localStorage.setItem("cableocr-reviewer", reviewer.value); });
  for (const button of form.querySelectorAll("button[type=button]")) {
    button.addEventListener("click", () => decide(button.dataset.action));
  }
  const value = document.getElementById("value");
  if (value) value.select();
  document.addEventListener("keydown", (event) => {
    if (event.isComposing) return;  // a Japanese input method is converting: its keys are its own
    if (event.altKey && event.code === "KeyI") { event.preventDefault(); decide("illegible"); }
    else if (event.altKey && event.code === "KeyR") { event.preventDefault(); decide("redacted"); }
    else if (event.key === "Escape") { event.preventDefault(); decide("skip"); }
  });
})();
