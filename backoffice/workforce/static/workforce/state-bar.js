/* The agent's state bar: keys 1 to 5 press its buttons, anywhere outside a text box. */
(function () {
  if (window.workforceStateKeys) return;
  window.workforceStateKeys = true;
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.shiftKey || e.repeat) return;
    var t = e.target;
    if (t && (/INPUT|TEXTAREA|SELECT/.test(t.tagName) || t.isContentEditable)) return;
    var button = document.querySelector('#state-bar button[data-state-key="' + e.key + '"]');
    if (!button) return;
    e.preventDefault();
    button.click();
  });
})();
