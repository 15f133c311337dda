// Small progressive enhancements; every page works without them.
document.addEventListener("click", (event) => {
  const menu = document.querySelector(".usermenu[open]");
  if (menu && !menu.contains(event.target)) menu.removeAttribute("open");
});
