/* Passkeys: forms marked data-passkey="create" (register) or "get" (sign in) fetch their
   options from data-options-url, ask the browser's authenticator, put the answer (JSON) in
   the form's hidden "credential" field and submit the form as usual. */
(function () {
  "use strict";
  function b64uToBuf(s) {
    var pad = "=".repeat((4 - (s.length % 4)) % 4);
    var bin = atob((s + pad).replace(/-/g, "+").replace(/_/g, "/"));
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function bufToB64u(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function creationOptions(o) {
    o.challenge = b64uToBuf(o.challenge);
    o.user.id = b64uToBuf(o.user.id);
    (o.excludeCredentials || []).forEach(function (c) { c.id = b64uToBuf(c.id); });
    return o;
  }
  function requestOptions(o) {
    o.challenge = b64uToBuf(o.challenge);
    (o.allowCredentials || []).forEach(function (c) { c.id = b64uToBuf(c.id); });
    return o;
  }
  function toJSON(cred) {
    var r = cred.response, out = {
      id: cred.id, rawId: bufToB64u(cred.rawId), type: cred.type,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      response: { clientDataJSON: bufToB64u(r.clientDataJSON) }
    };
    if (r.attestationObject) {
      out.response.attestationObject = bufToB64u(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = bufToB64u(r.authenticatorData);
      out.response.signature = bufToB64u(r.signature);
      if (r.userHandle) out.response.userHandle = bufToB64u(r.userHandle);
    }
    return out;
  }
  function start(form) {
    var status = form.querySelector("[data-passkey-status]");
    var say = function (t) { if (status) status.textContent = t; };
    form.addEventListener("submit", function (e) {
      var field = form.querySelector("input[name=credential]");
      if (field.value) return;
      e.preventDefault();
      if (!form.reportValidity()) return;
      if (!window.PublicKeyCredential) { say("This browser cannot use passkeys."); return; }
      var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
      var creating = form.dataset.passkey === "create";
      say("Follow your browser's steps…");
      fetch(form.dataset.optionsUrl, { method: "POST", headers: { "X-CSRFToken": token }, credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error("options"); return r.json(); })
        .then(function (o) {
          return creating
            ? navigator.credentials.create({ publicKey: creationOptions(o) })
            : navigator.credentials.get({ publicKey: requestOptions(o) });
        })
        .then(function (cred) {
          field.value = JSON.stringify(toJSON(cred));
          say("Checking…");
          form.submit();
        })
        .catch(function () { say("The passkey step did not finish. Try again, or use another way."); });
    });
  }
  document.querySelectorAll("form[data-passkey]").forEach(start);
})();
