// /api/v1/docs: Swagger UI over the platform's own OpenAPI document (served locally, no CDN).
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({url: root.dataset.specUrl, dom_id: "#swagger-ui", deepLinking: true});
})();
