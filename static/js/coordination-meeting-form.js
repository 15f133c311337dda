// A coordination meeting's form (coordination/meeting_form.html): the attending organisations and users offered
// follow the chosen projects, so changing the projects presses the form's own "Update the lists" button (a post
// with name=refresh that saves nothing and shows the form again with the new lists and everything typed so far).
// Without this script the button is there to press by hand.
(function () {
  "use strict";
  var timer = null;
  document.querySelectorAll("form.js-meeting-form").forEach(function (form) {
    var select = form.querySelector("select[name=projects]");
    var refresh = form.querySelector("button[name=refresh]");
    if (!select || !refresh) { return; }
    // Several projects are chosen with Ctrl-clicks: update once the choosing pauses.
    select.addEventListener("change", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        if (form.requestSubmit) { form.requestSubmit(refresh); } else { refresh.click(); }
      }, 700);
    });
  });
}());
