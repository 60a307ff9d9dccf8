/* Draw the transmission chain with Cytoscape (vendored in vendor/cytoscape/).
 *
 * The elements come from the page's JSON data element "chain-graph-data" (Django's
 * json_script: never executed, so the strict CSP allows it). Without this script, or
 * without Cytoscape, the server-drawn SVG stays on the page; the table below both holds
 * the same links for screen readers and keyboards. */
(function () {
  "use strict";

  function draw() {
    var container = document.getElementById("chain-graph");
    var source = document.getElementById("chain-graph-data");
    if (!container || !source || typeof window.cytoscape !== "function") {
      return;
    }
    var elements = JSON.parse(source.textContent);  /* nodes carry their positions */
    if (!elements.nodes.length) {
      return;
    }
    var caseUrl = container.getAttribute("data-case-url");
    container.hidden = false;
    var cy = window.cytoscape({
      container: container,
      elements: elements,
      wheelSensitivity: 0.3,
      style: [
        { selector: "node", style: {
          "label": "data(label)", "font-size": 11, "text-valign": "bottom", "text-margin-y": 4,
          "background-color": "#ffffff", "border-color": "#005eb8", "border-width": 3,
          "width": 32, "height": 32, "color": "#0b0c0c" } },
        { selector: "node.highlight", style: { "background-color": "#cfe3f5" } },
        { selector: "node.elsewhere", style: { "border-color": "#505a5f", "border-style": "dashed" } },
        { selector: "node.setting", style: {
          "shape": "round-rectangle", "width": 120, "height": 30, "text-valign": "center",
          "text-margin-y": 0, "background-color": "#fde8e5", "border-color": "#d4351c",
          "border-width": 2 } },
        { selector: "node[case]", style: { "color": "#005eb8" } },
        { selector: "edge", style: {
          "width": 2, "line-color": "#505a5f", "target-arrow-color": "#505a5f",
          "target-arrow-shape": "triangle", "curve-style": "bezier" } },
        { selector: "edge.household", style: { "line-color": "#4c2c92", "target-arrow-color": "#4c2c92" } },
        { selector: "edge.setting", style: {
          "line-color": "#d4351c", "target-arrow-color": "#d4351c", "line-style": "dashed" } },
        { selector: ":selected", style: { "border-width": 5 } }
      ],
      /* The server's layered layout: one column per generation, the setting first. */
      layout: { name: "preset", fit: true, padding: 32 },
      maxZoom: 2.5
    });
    cy.on("tap", "node[case]", function (event) {
      var id = event.target.data("case");
      window.location.assign(caseUrl.replace("/0/", "/" + id + "/"));
    });
    var still = document.getElementById("chain-static");
    if (still) {
      still.classList.add("replaced");  /* SVG elements have no "hidden" property */
    }
    container.setAttribute("data-nodes", String(cy.nodes().length));
    container.setAttribute("data-edges", String(cy.edges().length));
    window.tracedeskChainGraph = cy;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
