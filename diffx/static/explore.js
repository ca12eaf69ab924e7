// diffx's interactive page: steps through the forward and reverse sweeps, highlights the
// routes from an input, shows a node's local partials and adjoint, recomputes everything when
// an input moves, collapses statement groups. Reads the graph's arrays from the JSON block
// #dx-data and the op table's JavaScript form (DIFFX_OPS); every user-derived string is
// written with textContent, never as HTML. No network, no libraries.
(function () {
  "use strict";
  var t0 = performance.now();
  var D = JSON.parse(document.getElementById("dx-data").textContent);
  var OPS = DIFFX_OPS;
  var N = D.output + 1;
  var byId = {}, order = [], nodeEdges = {}, userEdges = {};
  D.nodes.forEach(function (n) { byId[n.id] = n; order.push(n.id); nodeEdges[n.id] = []; userEdges[n.id] = []; });
  D.edges.forEach(function (e, k) { nodeEdges[e.head].push(k); userEdges[e.tail].push(k); });
  var E = D.edges.length;
  var vals = new Float64Array(N), adj = new Float64Array(N);
  var partial = new Float64Array(E), contrib = new Float64Array(E);
  var point = D.inputs.map(function (i) { return i.value === null ? NaN : i.value; });
  var inputIndex = {};
  D.inputs.forEach(function (inp, k) { inputIndex[inp.node] = k; });

  function el(tag, cls, text) {
    var x = document.createElement(tag);
    if (cls) x.className = cls;
    if (text !== undefined) x.textContent = text;
    return x;
  }
  function fmt(x) {  // as diffx prints a number with 6 digits (present.text.number)
    if (x !== x) return "nan";
    if (x === Infinity) return "inf";
    if (x === -Infinity) return "-inf";
    if (x === Math.round(x) && Math.abs(x) < 1e15) return String(x === 0 ? 0 : x);
    var s = x.toExponential(5), m = s.split("e"), ex = parseInt(m[1], 10);
    if (ex < -4 || ex >= 6) {
      var mant = m[0].indexOf(".") >= 0 ? m[0].replace(/0+$/, "").replace(/\.$/, "") : m[0];
      return mant + "e" + (ex < 0 ? "-" : "+") + (Math.abs(ex) < 10 ? "0" : "") + Math.abs(ex);
    }
    var f = x.toFixed(Math.max(0, 5 - ex));
    return f.indexOf(".") >= 0 ? f.replace(/0+$/, "").replace(/\.$/, "") : f;
  }
  function signed(x) { var s = fmt(x); return s.charAt(0) === "-" ? "(" + s + ")" : s; }
  function szmul(a, p) { return (a === 0 || p === 0) ? 0 : a * p; }  // strong zero

  // ------------------------------------------------------------------ the sweeps
  function compute() {
    var start = performance.now();
    for (var k = 0; k < order.length; k++) {
      var i = order[k], n = byId[i];
      if (n.kind === "input") vals[i] = point[inputIndex[i]];
      else if (n.kind === "const") vals[i] = n.const === null ? NaN : n.const;
      else {
        var op = OPS[n.op], x = vals[n.args[0]], y = n.args.length > 1 ? vals[n.args[1]] : 0;
        var out = op.arity === 1 ? op.value(x) : op.value(x, y);
        vals[i] = out;
        var ps = op.arity === 1 ? op.partials(x, out) : op.partials(x, y, out);
        var es = nodeEdges[i];
        for (var j = 0; j < es.length; j++) partial[es[j]] = ps[D.edges[es[j]].pos];
      }
    }
    adj.fill(0);
    adj[D.output] = 1;
    for (k = order.length - 1; k >= 0; k--) {
      var h = order[k], hs = nodeEdges[h];
      for (j = 0; j < hs.length; j++) {
        var e = D.edges[hs[j]];
        if (e.constant) continue;
        var c = szmul(adj[h], partial[hs[j]]);
        contrib[hs[j]] = c;
        adj[e.tail] += c;
      }
    }
    api.lastRecomputeMs = performance.now() - start;
  }

  // the walk: forward, one step per node; reverse, a seed then one step per edge
  var steps = [];
  order.forEach(function (i) { steps.push({phase: "forward", node: i}); });
  steps.push({phase: "seed", node: D.output});
  for (var s = order.length - 1; s >= 0; s--) {
    nodeEdges[order[s]].forEach(function (k) {
      if (!D.edges[k].constant) steps.push({phase: "reverse", edge: k});
    });
  }
  var pos = steps.length;  // the page opens with both sweeps done
  var walking = false;  // true while the user steps: the last step is shown

  // ------------------------------------------------------------------ the picture
  var svgNode = {}, svgEdge = {}, svgGroup = {};
  var svgRoot = document.querySelector("#dx-svg svg");
  if (D.drawn && svgRoot) {
    D.nodes.forEach(function (n) {
      var g = document.getElementById("dx_n" + n.id);
      if (g) svgNode[n.id] = {g: g, texts: g.querySelectorAll("text")};
    });
    D.edges.forEach(function (e, k) {
      var g = document.getElementById("dx_e" + k);
      if (g) svgEdge[k] = {g: g, texts: g.querySelectorAll("text")};
    });
    D.groups.forEach(function (grp, k) {
      var g = document.getElementById("dx_g" + k);
      if (g) svgGroup[k] = {g: g, text: g.querySelector("text")};
    });
  }
  function setText(t, text) { if (t && t.textContent !== text) t.textContent = text; }

  function known(stepPos) {  // what the walk has computed after stepPos steps
    var seen = new Uint8Array(N), a = null, last = null;
    var fw = Math.min(stepPos, order.length);
    for (var k = 0; k < fw; k++) seen[order[k]] = 1;
    if (stepPos === steps.length) a = adj;  // both sweeps done: the adjoints themselves
    else if (stepPos > order.length) {
      a = new Float64Array(N);
      for (k = order.length; k < stepPos; k++) {
        var st = steps[k];
        if (st.phase === "seed") a[st.node] = 1;
        else a[D.edges[st.edge].tail] += contrib[st.edge];
      }
    }
    if (stepPos > 0 && (walking || stepPos < steps.length)) last = steps[stepPos - 1];
    return {seen: seen, adj: a, last: last};
  }

  function render() {
    var kn = known(pos);
    if (D.drawn) D.nodes.forEach(function (n) {
      var i = n.id, s = svgNode[i], g = s ? s.g : null;
      var hasVal = !!kn.seen[i], hasAdj = kn.adj !== null;
      var vt = hasVal ? "= " + fmt(vals[i]) : "= ?";
      var at = D.adjointNames[i] + " = " + (hasAdj ? fmt(kn.adj[i]) : "?");
      if (g) {
        g.setAttribute("data-value", hasVal ? String(vals[i]) : "");
        g.setAttribute("data-adjoint", hasAdj ? String(kn.adj[i]) : "");
        if (n.kind !== "const") { setText(s.texts[1], vt); setText(s.texts[2], at); }
        g.classList.toggle("dx-pending", !hasVal);
        g.classList.toggle("dx-current", !!kn.last && kn.last.node === i);
      }
    });
    if (D.drawn) D.edges.forEach(function (e, k) {
      var s = svgEdge[k];
      if (!s) return;
      var shown = !!kn.seen[e.head];
      if (!e.constant) setText(s.texts[1], "= " + (shown ? fmt(partial[k]) : "?"));
      s.g.setAttribute("data-partial", shown && !e.constant ? String(partial[k]) : "");
      s.g.classList.toggle("dx-current", !!kn.last && kn.last.edge === k);
    });
    renderStatus(kn);
    renderTable(kn);
    if (selected !== null) showNode(selected);
    document.getElementById("dx-pos").textContent = pos + " / " + steps.length;
  }

  function renderStatus(kn) {
    var box = document.getElementById("dx-status");
    box.textContent = "";
    var st = kn.last;
    box.setAttribute("data-phase", pos === 0 ? "start" : pos === steps.length ? "done" : "");
    if (pos === steps.length && !walking) {
      box.appendChild(el("span", "dx-line", "both sweeps done: " + D.outputName + " = " + fmt(vals[D.output]) +
        ". Press step (or →) to walk the forward sweep, then the reverse sweep."));
      return;
    }
    if (!st) { box.appendChild(el("span", "dx-line", "Press step (or →) to walk the forward sweep.")); return; }
    var line;
    if (st.phase === "forward") {
      var n = byId[st.node];
      if (n.kind === "input") line = "forward: input " + n.label + " = " + fmt(vals[n.id]);
      else if (n.kind === "const") line = "forward: constant " + n.label;
      else {
        var args = n.args.map(function (a) { return byId[a].label + " = " + fmt(vals[a]); });
        line = "forward: " + n.expr + "   with " + args.join(", ") + "   → " + fmt(vals[n.id]);
      }
    } else if (st.phase === "seed") {
      line = "reverse: seed " + D.adjointNames[D.output] + " = 1";
    } else {
      var e = D.edges[st.edge], hd = D.adjointNames[e.head], tl = D.adjointNames[e.tail];
      var before = kn.adj[e.tail] - contrib[st.edge];
      line = "reverse: " + tl + " += " + hd + " · " + e.symbol + " = " + signed(kn.adj[e.head]) +
        " · " + signed(partial[st.edge]) + " = " + fmt(contrib[st.edge]) + "   running sum " +
        fmt(before) + " + " + signed(contrib[st.edge]) + " = " + fmt(kn.adj[e.tail]);
    }
    if (pos === steps.length) line += "   (both sweeps done)";
    box.appendChild(el("span", "dx-line", line));
    box.setAttribute("data-phase", st.phase);
  }

  function renderTable(kn) {
    var body = document.getElementById("dx-grad");
    body.textContent = "";
    var out = el("tr");
    out.appendChild(el("td", "", D.outputName));
    out.appendChild(el("td", "dx-num", kn.seen[D.output] ? fmt(vals[D.output]) : "?"));
    out.appendChild(el("td", "", ""));
    body.appendChild(out);
    D.inputs.forEach(function (inp) {
      var tr = el("tr");
      tr.appendChild(el("td", "", inp.name));
      tr.appendChild(el("td", "dx-num", fmt(vals[inp.node])));
      var td = el("td", "dx-num dx-grad-cell", kn.adj ? fmt(kn.adj[inp.node]) : "?");
      td.setAttribute("data-input", inp.name);
      td.setAttribute("data-adjoint", kn.adj ? String(kn.adj[inp.node]) : "");
      tr.appendChild(td);
      body.appendChild(tr);
    });
  }

  // ------------------------------------------------------------------ clicking a node
  var selected = null, routeInput = null;
  function showNode(i) {
    selected = i;
    var n = byId[i], box = document.getElementById("dx-details");
    box.textContent = "";
    box.setAttribute("data-node", String(i));
    box.appendChild(el("h3", "", n.kind === "op" ? n.expr : n.label + " (" + n.kind + ")"));
    box.appendChild(el("p", "dx-value", n.label + " = " + fmt(vals[i])));
    if (n.kind === "op") {
      box.appendChild(el("h4", "", "local partials"));
      var ul = el("ul");
      nodeEdges[i].forEach(function (k) {
        var e = D.edges[k];
        if (e.constant) return;
        var li = el("li", "dx-partial", e.symbol + (e.formula ? " = " + e.formula : "") + " = " + fmt(partial[k]));
        li.setAttribute("data-value", String(partial[k]));
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
    if (n.kind !== "const") {
      box.appendChild(el("h4", "", "adjoint"));
      var terms = userEdges[i].filter(function (k) { return !D.edges[k].constant; });
      var name = D.adjointNames[i], text;
      if (i === D.output) text = name + " = 1 (the seed)";
      else if (!terms.length) text = name + " = 0";
      else {
        var sym = terms.map(function (k) { return D.adjointNames[D.edges[k].head] + "·" + D.edges[k].symbol; });
        var num = terms.map(function (k) { return signed(adj[D.edges[k].head]) + "·" + signed(partial[k]); });
        text = name + " = " + sym.join(" + ") + " = " + num.join(" + ") + " = " + fmt(adj[i]);
      }
      var p = el("p", "dx-adjoint", text);
      p.setAttribute("data-value", String(adj[i]));
      box.appendChild(p);
    }
  }

  // ------------------------------------------------------------------ routes from an input
  var MAX_LISTED = 64;
  function showRoutes(inputNode) {
    routeInput = inputNode;
    var from = new Uint8Array(N), count = new Float64Array(N);
    from[inputNode] = 1; count[inputNode] = 1;
    order.forEach(function (i) {
      nodeEdges[i].forEach(function (k) {
        var e = D.edges[k];
        if (!e.constant && from[e.tail]) { from[i] = 1; count[i] += count[e.tail]; }
      });
    });
    Object.keys(svgNode).forEach(function (i) { svgNode[i].g.classList.toggle("dx-route", !!from[i]); });
    D.edges.forEach(function (e, k) {
      if (svgEdge[k]) svgEdge[k].g.classList.toggle("dx-route", !e.constant && !!from[e.tail]);
    });
    var box = document.getElementById("dx-routes");
    box.textContent = "";
    var inName = byId[inputNode].label, total = count[D.output];
    box.appendChild(el("h3", "", total + (total === 1 ? " route" : " routes") + " from " + inName + " to " + D.outputName));
    var ol = el("ol"), sum = 0;
    if (total <= MAX_LISTED) {
      // every route, listed by an explicit stack from the output back to the input
      var stack = [[D.output, [], []]];
      var found = [];
      while (stack.length) {
        var top = stack.pop(), node = top[0];
        if (node === inputNode) { found.push(top); continue; }
        var es = nodeEdges[node];
        for (var j = es.length - 1; j >= 0; j--) {
          var e = D.edges[es[j]];
          if (!e.constant && from[e.tail]) stack.push([e.tail, top[1].concat([es[j]]), top[2]]);
        }
      }
      found.forEach(function (r) {
        var ks = r[1].slice().reverse(), prod = 1;
        var names = [inName].concat(ks.map(function (k) { return byId[D.edges[k].head].label; }));
        ks.forEach(function (k) { prod *= partial[k]; });
        sum += prod;
        var li = el("li", "dx-route-item", names.join(" → ") + ":  " +
          (ks.map(function (k) { return D.edges[k].symbol; }).join("·") || "1") + " = " +
          (ks.map(function (k) { return signed(partial[k]); }).join("·") || "1") + " = " + fmt(prod));
        li.setAttribute("data-product", String(prod));
        li.setAttribute("data-edges", ks.join(","));
        ol.appendChild(li);
      });
      box.appendChild(ol);
      var p = el("p", "dx-route-sum", "sum of the route products = " + fmt(sum) + ";  the reverse sweep's " +
        D.adjointNames[inputNode] + " = " + fmt(adj[inputNode]));
      p.setAttribute("data-sum", String(sum));
      p.setAttribute("data-adjoint", String(adj[inputNode]));
      box.appendChild(p);
    } else {
      box.appendChild(el("p", "dx-route-sum", "too many routes to list; the reverse sweep adds them up: " +
        D.adjointNames[inputNode] + " = " + fmt(adj[inputNode])));
    }
  }
  function clearRoutes() {
    routeInput = null;
    Object.keys(svgNode).forEach(function (i) { svgNode[i].g.classList.remove("dx-route"); });
    Object.keys(svgEdge).forEach(function (k) { svgEdge[k].g.classList.remove("dx-route"); });
    document.getElementById("dx-routes").textContent = "";
  }

  Object.keys(svgNode).forEach(function (i) {
    var id = Number(i);
    svgNode[i].g.addEventListener("click", function () {
      showNode(id);
      if (byId[id].kind === "input") showRoutes(id); else clearRoutes();
    });
  });

  // ------------------------------------------------------------------ collapsing groups
  var collapsed = {};
  function setCollapsed(k, on) {
    collapsed[k] = on;
    var grp = D.groups[k], members = {};
    grp.members.forEach(function (m) { members[m] = true; });
    grp.members.forEach(function (m) {  // the statement's own nodes stand for the group
      if (svgNode[m] && grp.ends.indexOf(m) < 0) svgNode[m].g.classList.toggle("dx-hidden", on);
    });
    D.edges.forEach(function (e, j) {
      if (svgEdge[j] && members[e.head] && (members[e.tail] || byId[e.tail].kind === "const"))
        svgEdge[j].g.classList.toggle("dx-hidden", on);
    });
    if (svgGroup[k]) {
      svgGroup[k].g.classList.toggle("dx-collapsed", on);
      setText(svgGroup[k].text, (on ? "▸ " : "") + grp.label + (on ? "  (" + grp.members.length + " nodes)" : ""));
    }
    var b = document.getElementById("dx-toggle-" + k);
    if (b) { b.textContent = (on ? "expand " : "collapse ") + grp.label; b.setAttribute("aria-pressed", on ? "true" : "false"); }
  }
  var glist = document.getElementById("dx-groups");
  if (!D.groups.length) document.getElementById("dx-groups-title").classList.add("dx-hidden");
  D.groups.forEach(function (grp, k) {
    var b = el("button", "dx-toggle");
    b.id = "dx-toggle-" + k;
    b.setAttribute("data-ends", grp.ends.join(","));
    b.type = "button";
    b.addEventListener("click", function () { setCollapsed(k, !collapsed[k]); });
    glist.appendChild(b);
    if (svgGroup[k]) svgGroup[k].text && svgGroup[k].text.addEventListener("click", function () { setCollapsed(k, !collapsed[k]); });
    setCollapsed(k, !!D.collapsed);
  });

  // ------------------------------------------------------------------ the inputs
  function recompute() {
    compute();
    render();
    if (routeInput !== null) showRoutes(routeInput);
    document.getElementById("dx-timing").textContent = "recomputed in " + api.lastRecomputeMs.toFixed(2) + " ms";
  }
  var ibox = document.getElementById("dx-inputs");
  D.inputs.forEach(function (inp, k) {
    var row = el("div", "dx-input");
    var lab = el("label", "", inp.name + " ");
    var num = el("input"), rng = el("input");
    num.type = "number"; num.step = "any"; num.id = "dx-in-" + k;
    num.value = String(point[k]);
    var v = isFinite(point[k]) ? point[k] : 0, w = Math.max(1, Math.abs(v)) * 2;
    rng.type = "range"; rng.id = "dx-range-" + k;
    rng.min = String(v - w); rng.max = String(v + w); rng.step = String(w / 100);
    rng.value = String(v);
    num.setAttribute("aria-label", inp.name);
    num.addEventListener("input", function () {
      var x = parseFloat(num.value);
      if (!isFinite(x)) return;
      point[k] = x; rng.value = String(x); recompute();
    });
    rng.addEventListener("input", function () {
      var x = parseFloat(rng.value);
      point[k] = x; num.value = String(x); recompute();
    });
    lab.appendChild(num);
    row.appendChild(lab);
    row.appendChild(rng);
    ibox.appendChild(row);
  });

  // ------------------------------------------------------------------ stepping
  function go(p, walk) {
    walking = walk !== false;
    pos = Math.max(0, Math.min(steps.length, p));
    render();
  }
  function step() { go(pos >= steps.length ? 1 : pos + 1); }
  document.getElementById("dx-step").addEventListener("click", step);
  document.getElementById("dx-back").addEventListener("click", function () { go(pos - 1); });
  document.getElementById("dx-start").addEventListener("click", function () { go(0); });
  document.getElementById("dx-end").addEventListener("click", function () { go(steps.length, false); });
  document.addEventListener("keydown", function (ev) {
    if (ev.target && ev.target.tagName === "INPUT") return;
    if (ev.key === "ArrowRight" || ev.key === "ArrowDown") { step(); ev.preventDefault(); }
    else if (ev.key === "ArrowLeft" || ev.key === "ArrowUp") { go(pos - 1); ev.preventDefault(); }
  });

  document.getElementById("dx-title").textContent = D.title;
  var legend = document.getElementById("dx-legend");
  Object.keys(D.legend).forEach(function (k) { legend.appendChild(el("div", "", k + " = " + D.legend[k])); });
  if (!D.drawn) document.getElementById("dx-svg").appendChild(el("p", "dx-note",
    "The graph has " + D.nodes.length + " nodes: too many to draw. Its numbers are computed here all the same."));

  // the pairs of visible picture labels that overlap on screen (the docs' screenshots and
  // the tests check there are none)
  function overlaps() {
    var boxes = [], out = [];
    document.querySelectorAll("#dx-svg svg text").forEach(function (t) {
      if (t.getClientRects().length && t.textContent.trim()) boxes.push([t.textContent, t.getBoundingClientRect()]);
    });
    for (var i = 0; i < boxes.length; i++) for (var j = i + 1; j < boxes.length; j++) {
      var a = boxes[i][1], b = boxes[j][1];
      var w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      var h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 1 && h > 1) out.push([boxes[i][0], boxes[j][0]]);
    }
    return out;
  }

  var api = {steps: steps.length, lastRecomputeMs: 0, overlaps: overlaps,
             go: go, setInput: function (k, x) { point[k] = x; recompute(); },
             collapse: setCollapsed, values: vals, adjoints: adj};
  window.diffxExplore = api;
  compute();
  render();
  if (D.wrt !== null && D.wrt !== undefined) { showNode(D.wrt); showRoutes(D.wrt); }
  if (D.warnings && D.warnings.length) D.warnings.forEach(function (w) {
    document.getElementById("dx-legend").appendChild(el("p", "dx-note", "warning: " + w));
  });
  api.readyMs = performance.now() - t0;
  document.body.setAttribute("data-ready", "1");
})();
