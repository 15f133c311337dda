// Small progressive enhancements; every page works without them.
document.addEventListener("click", (event) => {
  const menu = document.querySelector(".usermenu[open]");
  if (menu && !menu.contains(event.target)) menu.removeAttribute("open");
});

// No inline scripts or event handlers anywhere (Content-Security-Policy: script-src 'self'); markup asks for
// behaviour with data attributes instead.
// <select data-autosubmit>: submit its form when the choice changes (the language switch; <noscript> has a button).
document.addEventListener("change", (event) => {
  const field = event.target.closest && event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.submit();
});
// <a data-history-back href="/">: back to the previous page when there is one, else follow the link.
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a[data-history-back]");
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
