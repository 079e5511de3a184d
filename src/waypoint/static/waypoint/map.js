// The alignment map: the cycle's objectives as a tree you can pan, zoom, fold and filter,
// coloured by pace (d3, vendored in static/waypoint/vendor). The nested list below it on the
// page holds the same tree for the keyboard and screen readers.
(function () {
  "use strict";
  var el = document.getElementById("alignment-map");
  if (!el || !window.d3) return;
  var d3 = window.d3;
  var labels = JSON.parse(document.getElementById("map-labels").textContent);
  var W = 230, H = 58, GAP_X = 70, GAP_Y = 16, OPEN_DEPTH = 2;
  var svg = d3.select(el).append("svg").attr("class", "map-svg").attr("role", "presentation");
  var stage = svg.append("g");
  var linkLayer = stage.append("g").attr("class", "map-links");
  var dependencyLayer = stage.append("g").attr("class", "map-dependencies");
  var nodeLayer = stage.append("g").attr("class", "map-nodes");
  var zoom = d3.zoom().scaleExtent([0.15, 2.5]).on("zoom", function (e) {
    stage.attr("transform", e.transform);
  });
  svg.call(zoom).on("dblclick.zoom", null);
  var root = null;

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, k) { return values[k]; });
  }
  function short(text, n) { return text.length > n ? text.slice(0, n - 1) + "…" : text; }

  function adopt(node, depth) {
    // Beyond the first levels a branch starts folded; its children wait in _children.
    if (node.children && node.children.length && depth >= OPEN_DEPTH) {
      node._children = node.children;
      node.children = null;
    }
    (node.children || node._children || []).forEach(function (c) { adopt(c, depth + 1); });
  }

  function load(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  }

  function matches(d) {
    var q = (document.getElementById("map-find").value || "").trim().toLocaleLowerCase();
    var show = document.getElementById("map-filter").value;
    var data = d.data;
    if (q && data.title.toLocaleLowerCase().indexOf(q) < 0) return false;
    if (show === "behind" && data.pace !== "behind" && data.pace !== "late") return false;
    if (show === "late" && data.pace !== "late") return false;
    if (show === "risk" && data.confidence !== "at_risk" && data.confidence !== "off_track") return false;
    return true;
  }

  function toggle(d) {
    var data = d.data;
    if (data.children) { data._children = data.children; data.children = null; draw(); return; }
    if (data._children) { data.children = data._children; data._children = null; draw(); return; }
    if (data.folded) {
      el.setAttribute("aria-busy", "true");
      load(el.getAttribute("data-url") + "?under=" + data.id).then(function (more) {
        data.children = more.nodes;
        data.children.forEach(function (c) { adopt(c, 1); });
        data.folded = 0;
        el.removeAttribute("aria-busy");
        draw();
      });
    }
  }

  function draw() {
    var tree = d3.hierarchy(root, function (d) { return d.children; });
    d3.tree().nodeSize([H + GAP_Y, W + GAP_X])(tree);
    var nodes = tree.descendants().filter(function (d) { return d.depth > 0; });
    var links = tree.links().filter(function (l) { return l.source.depth > 0; });
    var path = d3.linkHorizontal().x(function (d) { return d.y; }).y(function (d) { return d.x; });
    linkLayer.selectAll("path").data(links, function (l) { return l.target.data.id; })
      .join("path").attr("class", "map-link")
      .attr("d", function (l) {
        return path({ source: { x: l.source.x, y: l.source.y + W / 2 }, target: { x: l.target.x, y: l.target.y - W / 2 } });
      });
    // "Blocked by": a dashed line from the blocker to the objective that waits for it,
    // where both are drawn.
    var at = {};
    nodes.forEach(function (d) { at[d.data.id] = d; });
    // "Also counts towards": a dotted line from a contributor to the other objective it
    // serves, besides the one it aligns to.
    var waits = [];
    nodes.forEach(function (d) {
      (d.data.blocked_by || []).forEach(function (b) {
        if (at[b]) waits.push({ source: at[b], target: d, kind: "map-dependency" });
      });
      (d.data.counts_towards || []).forEach(function (p) {
        if (at[p]) waits.push({ source: d, target: at[p], kind: "map-contribution" });
      });
    });
    dependencyLayer.selectAll("path").data(waits, function (l) { return l.kind + l.source.data.id + ">" + l.target.data.id; })
      .join("path").attr("class", function (l) { return l.kind; })
      .attr("d", function (l) {
        var x1 = l.source.y, y1 = l.source.x + H / 2, x2 = l.target.y, y2 = l.target.x - H / 2;
        if (l.source.x > l.target.x) { y1 = l.source.x - H / 2; y2 = l.target.x + H / 2; }
        return "M" + x1 + "," + y1 + " C" + (x1 + 60) + "," + y1 + " " + (x2 - 60) + "," + y2 + " " + x2 + "," + y2;
      });
    var g = nodeLayer.selectAll("g.map-node").data(nodes, function (d) { return d.data.id; })
      .join(function (enter) {
        var n = enter.append("g");
        n.append("rect").attr("x", -W / 2).attr("y", -H / 2).attr("width", W).attr("height", H).attr("rx", 9);
        n.append("a").attr("class", "map-title").append("text").attr("x", -W / 2 + 10).attr("y", -H / 2 + 19);
        n.append("text").attr("class", "map-meta").attr("x", -W / 2 + 10).attr("y", -H / 2 + 35);
        n.append("rect").attr("class", "map-track").attr("x", -W / 2 + 10).attr("y", H / 2 - 14).attr("width", W - 20).attr("height", 5).attr("rx", 2.5);
        n.append("rect").attr("class", "map-fill").attr("x", -W / 2 + 10).attr("y", H / 2 - 14).attr("height", 5).attr("rx", 2.5);
        n.append("text").attr("class", "map-more").attr("x", W / 2 + 6).attr("y", 4);
        return n;
      });
    g.attr("class", function (d) {
      var open = d.data.children && d.data.children.length;
      var closed = d.data._children || d.data.folded;
      return "map-node pace-" + (d.data.pace || "none") + (matches(d) ? "" : " dim") +
        (closed ? " folded" : open ? " open" : "") +
        (d.data.blocked_by && d.data.blocked_by.length ? " blocked" : "");
    })
      .attr("data-id", function (d) { return d.data.id; })
      .attr("transform", function (d) { return "translate(" + d.y + "," + d.x + ")"; })
      .on("click", function (e, d) {
        if (e.target.closest("a")) return;  // the title opens the objective
        toggle(d);
      });
    g.select("a.map-title").attr("href", function (d) { return d.data.url; })
      .select("text").text(function (d) { return short(d.data.title, 30); });
    g.select("text.map-meta").text(function (d) {
      var bits = [Math.round(d.data.progress * 100) + "%", labels[d.data.pace] || ""];
      var waits = (d.data.blocked_by || []).length;
      if (waits) bits.splice(1, 0, format(labels.blocked, { n: waits }));
      var serves = (d.data.counts_towards || []).length;
      if (serves) bits.splice(1, 0, format(labels.towards, { n: serves }));
      if (d.data.owner) bits.push(d.data.owner);
      if (d.data.other_cycle) bits.push(format(labels.other, { cycle: d.data.other_cycle }));
      return short(bits.filter(Boolean).join(" · "), 38);
    });
    g.select("rect.map-fill").attr("width", function (d) { return Math.max(0, Math.min(1, d.data.progress)) * (W - 20); });
    g.select("text.map-more").text(function (d) {
      var hidden = d.data._children ? d.data._children.length : d.data.folded;
      return hidden ? "+" + hidden : "";
    });
    g.select("title").remove();
    g.append("title").text(function (d) {
      var hidden = d.data._children ? d.data._children.length : d.data.folded;
      var text = d.data.title + (hidden ? " — " + format(labels.folded, { n: hidden }) : "");
      var blockers = (d.data.blocked_by || []).map(function (b) { return at[b] && at[b].data.title; }).filter(Boolean);
      return text + (d.data.blocked_by && d.data.blocked_by.length ? " — " + format(labels.blocked, { n: d.data.blocked_by.length }) + (blockers.length ? ": " + blockers.join(", ") : "") : "");
    });
    return tree;
  }

  function fit() {
    var box = stage.node().getBBox();
    var width = el.clientWidth, height = el.clientHeight;
    if (!box.width || !box.height) return;
    var k = Math.min(1.2, 0.92 * Math.min(width / box.width, height / box.height));
    var t = d3.zoomIdentity.translate(width / 2 - k * (box.x + box.width / 2), height / 2 - k * (box.y + box.height / 2)).scale(k);
    svg.call(zoom.transform, t);
  }

  load(el.getAttribute("data-url")).then(function (data) {
    root = { id: 0, title: data.cycle, children: data.nodes };
    data.nodes.forEach(function (n) { adopt(n, 1); });
    draw();
    fit();
    el.setAttribute("data-ready", "1");
  });
  document.getElementById("map-find").addEventListener("input", function () { if (root) draw(); });
  document.getElementById("map-filter").addEventListener("change", function () { if (root) draw(); });
  document.querySelector("[data-map-fit]").addEventListener("click", fit);
})();
