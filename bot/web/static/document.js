// Centre the cited passage, if the page has one (the #extract fragment alone puts it at the top).
"use strict";
const extract = document.getElementById("extract");
if (extract) {
  extract.scrollIntoView({ block: "center" });
  extract.focus({ preventScroll: true });
}
