// The progress of the PDFs, updated in place: every few seconds, while an element marked
// [data-en-cours] remains, the same page is fetched and each [data-progression] element is
// replaced by its new version. No reload (the scroll and the focus stay where they are), no
// animation; a region with role="status" announces the change to screen readers.
(function () {
  "use strict";
  var DELAI = 4000;

  function enCours() {
    return document.querySelector("[data-progression][data-en-cours]") !== null;
  }

  function mettreAJour() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (reponse) {
        if (!reponse.ok) throw new Error(reponse.status);
        return reponse.text();
      })
      .then(function (texte) {
        var nouvelle = new DOMParser().parseFromString(texte, "text/html");
        document.querySelectorAll("[data-progression]").forEach(function (ancien) {
          var recent = nouvelle.querySelector(
            '[data-progression="' + ancien.getAttribute("data-progression") + '"]'
          );
          if (recent && recent.innerHTML !== ancien.innerHTML) {
            ancien.innerHTML = recent.innerHTML;
            if (recent.hasAttribute("data-en-cours")) {
              ancien.setAttribute("data-en-cours", "");
            } else {
              ancien.removeAttribute("data-en-cours");
            }
          }
        });
        if (enCours()) window.setTimeout(mettreAJour, DELAI);
      })
      .catch(function () {
        window.setTimeout(mettreAJour, DELAI * 3);
      });
  }

  if (enCours()) window.setTimeout(mettreAJour, DELAI);
})();
