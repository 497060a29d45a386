// Security keys and passkeys (WebAuthn). A static file, as the Content-Security-Policy
// allows no inline script. Each <form data-webauthn="register|authenticate"> asks its
// data-options-url for options, lets the authenticator answer, puts the answer in the
// hidden "credential" field and submits the form; the server checks everything.
(function () {
  "use strict";

  function toBytes(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creationOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    (options.excludeCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
    return options;
  }

  function requestOptions(options) {
    options.challenge = toBytes(options.challenge);
    (options.allowCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
    return options;
  }

  function registrationJSON(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: {
        clientDataJSON: toText(response.clientDataJSON),
        attestationObject: toText(response.attestationObject),
        transports: response.getTransports ? response.getTransports() : []
      }
    };
  }

  function assertionJSON(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: {
        clientDataJSON: toText(response.clientDataJSON),
        authenticatorData: toText(response.authenticatorData),
        signature: toText(response.signature),
        userHandle: response.userHandle ? toText(response.userHandle) : undefined
      }
    };
  }

  function setUp(form) {
    var mode = form.getAttribute("data-webauthn");
    var optionsUrl = form.getAttribute("data-options-url");
    var button = form.querySelector("[data-webauthn-button]");
    var status = form.querySelector("[data-webauthn-status]");
    var field = form.querySelector("input[name=credential]");
    var token = form.querySelector("input[name=csrf_token]");
    if (!button || !field || !optionsUrl) { return; }
    button.hidden = false;

    function say(message) { if (status) { status.textContent = message; } }

    form.addEventListener("submit", function (event) {
      if (field.value) { return; }
      var nameField = form.querySelector("input[name=name]");
      if (mode === "register" && nameField && !nameField.value.trim()) {
        return; // the server explains that the key needs a name
      }
      event.preventDefault();
      button.disabled = true;
      var kind = form.querySelector("input[name=kind]:checked");
      say(mode === "register" ? "Follow your browser's prompt to register the key." :
        "Follow your browser's prompt to use your key.");
      fetch(optionsUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
        body: JSON.stringify({ kind: kind ? kind.value : "" })
      }).then(function (response) {
        if (!response.ok) { throw new Error("options"); }
        return response.json();
      }).then(function (options) {
        if (mode === "register") {
          return navigator.credentials.create({ publicKey: creationOptions(options) })
            .then(registrationJSON);
        }
        return navigator.credentials.get({ publicKey: requestOptions(options) })
          .then(assertionJSON);
      }).then(function (answer) {
        field.value = JSON.stringify(answer);
        form.submit();
      }).catch(function (error) {
        button.disabled = false;
        if (error && error.message === "options") {
          say("The portal could not start. Reload the page and try again.");
        } else if (error && error.name === "InvalidStateError") {
          say("That key is already registered to your account.");
        } else {
          say("The key was not used: the request was cancelled or timed out. Try again.");
        }
      });
    });
  }

  function start() {
    if (!window.PublicKeyCredential || !navigator.credentials || !window.fetch) { return; }
    document.querySelectorAll("[data-webauthn-needs-js]").forEach(function (note) {
      note.hidden = true;
    });
    document.querySelectorAll("form[data-webauthn]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
