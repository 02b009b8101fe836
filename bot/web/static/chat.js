() => {
  // Gradio's label wraps the question box and its Ask button, so the box would be named
  // "Your question Ask"; name it by its label alone.
  const name = () => {
    const box = document.querySelector("#question textarea");
    if (box && box.getAttribute("aria-label") !== "Your question") {
      box.setAttribute("aria-label", "Your question");
    }
  };
  name();
  new MutationObserver(name).observe(document.body, { childList: true, subtree: true });
}
