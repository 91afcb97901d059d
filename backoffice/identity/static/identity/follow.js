/* Follow the link marked data-follow at once (the single sign-on hand-over to the
   organization's identity provider; the page also has a refresh and the visible link). */
(function () {
  "use strict";
  var link = document.querySelector("a[data-follow]");
  if (link) window.location.assign(link.href);
})();
