// Raising an issue (coordination/issue_form.html): the companies offered depend on the project, so choosing
// another project reloads the form with ?project=<id> (bureau staff, liaison officers, inspectors). The form
// works without this script: the "Continue" button of the first step does the same.
(function () {
  "use strict";
  function reloadWith(select) {
    if (!select.value) { return; }
    var url = new URL(window.location.href);
    url.searchParams.set("project", select.value);
    window.location.assign(url.toString());
  }
  document.querySelectorAll("form.js-autosubmit select[name=project], form.js-project-reload select[name=project]")
    .forEach(function (select) {
      select.addEventListener("change", function () { reloadWith(select); });
    });
}());
