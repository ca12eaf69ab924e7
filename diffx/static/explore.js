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
    if (D.drawn) Object.keys(svgGroup).forEach(function (k) {  // a step inside a collapsed group
      var st = kn.last, m = !st ? undefined : st.phase === "reverse" ?
        (hiddenIn[D.edges[st.edge].tail] !== undefined ? hiddenIn[D.edges[st.edge].tail] : hiddenIn[D.edges[st.edge].head])
        : hiddenIn[st.node];
      svgGroup[k].g.classList.toggle("dx-current", m === Number(k));
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
    var line, inside = st.phase === "forward" ? hiddenIn[st.node] :
      st.phase === "reverse" ? hiddenIn[D.edges[st.edge].tail] : undefined;
    if (inside === undefined && st.phase === "reverse") inside = hiddenIn[D.edges[st.edge].head];
    if (inside !== undefined) {  // a step inside a collapsed statement: name the statement
      var grp = D.groups[inside], e0 = st.phase === "reverse" ? D.edges[st.edge] : null;
      if (!e0) line = "forward: inside the collapsed statement " + grp.label +
        " (node " + (grp.members.indexOf(st.node) + 1) + " of " + grp.members.length + ")";
      else if (hiddenIn[e0.tail] === undefined)
        line = "reverse: " + D.adjointNames[e0.tail] + " += " + fmt(contrib[st.edge]) +
          " from inside the collapsed statement " + grp.label + "   running sum " +
          fmt(kn.adj[e0.tail] - contrib[st.edge]) + " + " + signed(contrib[st.edge]) + " = " + fmt(kn.adj[e0.tail]);
      else line = "reverse: inside the collapsed statement " + grp.label;
    } else if (st.phase === "forward") {
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
    var oc = el("td", "dx-num dx-grad-cell", kn.adj ? fmt(kn.adj[D.output]) : "?");
    oc.setAttribute("data-output", D.outputName);
    out.appendChild(oc);
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
        var li = el("li", "dx-partial", e.symbol + (e.formula && e.formula !== fmt(partial[k]) ? " = " + e.formula : "") + " = " + fmt(partial[k]));
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
        var li = el("li", "dx-route-item", names.join(" → ") + ": " + routeText(ks, prod));
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
  function routeText(ks, prod) {  // ∂c/∂a·∂d/∂c = 1·a = 1·4 = 4, each form once
    var forms = [ks.map(function (k) { return D.edges[k].symbol; }).join("·") || "1"];
    if (ks.every(function (k) { return D.edges[k].formula; }))
      forms.push(ks.map(function (k) {
        var f = D.edges[k].formula;
        return ks.length > 1 && /[ +\-*\/]/.test(f.replace(/^-/, "")) ? "(" + f + ")" : f;
      }).join("·"));
    if (ks.length > 1) forms.push(ks.map(function (k) { return signed(partial[k]); }).join("·"));
    forms.push(fmt(prod));
    return forms.filter(function (f, j) { return j === 0 || f !== forms[j - 1]; }).join(" = ");
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
  // A collapsed group reads as one node: its inner nodes (and the constants only they use)
  // are hidden, its dashed box shrinks around the statement's own node(s) and is labelled
  // with the statement, and an edge with a hidden end is redrawn as a straight arrow to or
  // from that box (one arrow per pair of boxes, without the inner edge's label).
  var collapsed = {}, hiddenIn = {};  // hiddenIn[node]: the collapsed group hiding it
  var keep = {nodes: {}, edges: {}, groups: {}};  // the layout as Graphviz drew it
  Object.keys(svgEdge).forEach(function (k) {
    var g = svgEdge[k].g, path = g.querySelector("path"), head = g.querySelector("polygon");
    keep.edges[k] = {path: path, d: path ? path.getAttribute("d") : null,
                     head: head, points: head ? head.getAttribute("points") : null};
  });
  Object.keys(svgGroup).forEach(function (k) {
    var poly = svgGroup[k].g.querySelector("polygon"), t = svgGroup[k].text;
    svgGroup[k].poly = poly;
    keep.groups[k] = {points: poly ? poly.getAttribute("points") : null,
                      x: t ? t.getAttribute("x") : null, y: t ? t.getAttribute("y") : null};
  });
  function box(g) { var b = g.getBBox(); return {x: b.x, y: b.y, w: b.width, h: b.height}; }
  function groupBox(k) {  // around the statement's own node(s)
    var bs = D.groups[k].ends.filter(function (m) { return svgNode[m]; })
      .map(function (m) { return box(svgNode[m].g); });
    if (!bs.length) return null;
    var x0 = Math.min.apply(null, bs.map(function (b) { return b.x; })) - 6;
    var y0 = Math.min.apply(null, bs.map(function (b) { return b.y; })) - 6;
    var x1 = Math.max.apply(null, bs.map(function (b) { return b.x + b.w; })) + 6;
    var y1 = Math.max.apply(null, bs.map(function (b) { return b.y + b.h; })) + 6;
    return {x: x0, y: y0, w: x1 - x0, h: y1 - y0};
  }
  function toward(b, p) {  // where the line from b's centre to p leaves the box b
    var cx = b.x + b.w / 2, cy = b.y + b.h / 2, dx = p[0] - cx, dy = p[1] - cy;
    var t = Math.min(dx ? (b.w / 2) / Math.abs(dx) : Infinity, dy ? (b.h / 2) / Math.abs(dy) : Infinity);
    if (!isFinite(t) || t > 1) t = 1;
    return [cx + dx * t, cy + dy * t];
  }
  function layout() {
    hiddenIn = {};
    var boxes = {};
    D.groups.forEach(function (grp, k) {
      if (!collapsed[k]) return;
      grp.members.forEach(function (m) { if (grp.ends.indexOf(m) < 0) hiddenIn[m] = k; });
    });
    D.nodes.forEach(function (n) {  // a constant is hidden when only hidden nodes use it
      if (n.kind !== "const" || !userEdges[n.id].length) return;
      var hs = userEdges[n.id].map(function (k) { return hiddenIn[D.edges[k].head]; });
      if (hs.every(function (h) { return h !== undefined; })) hiddenIn[n.id] = hs[0];
    });
    Object.keys(svgNode).forEach(function (i) {
      svgNode[i].g.classList.toggle("dx-hidden", hiddenIn[i] !== undefined);
    });
    Object.keys(svgGroup).forEach(function (k) {
      var s = svgGroup[k], orig = keep.groups[k], grp = D.groups[k];
      var b = collapsed[k] ? groupBox(Number(k)) : null;
      s.g.classList.toggle("dx-collapsed", !!collapsed[k]);
      if (b && s.poly) {
        boxes[k] = b;
        s.poly.setAttribute("points", [[b.x, b.y], [b.x + b.w, b.y], [b.x + b.w, b.y + b.h],
          [b.x, b.y + b.h], [b.x, b.y]].map(function (p) { return p.join(","); }).join(" "));
        if (s.text) { s.text.setAttribute("x", String(b.x + b.w / 2)); s.text.setAttribute("y", String(b.y - 4)); }
      } else {
        if (s.poly && orig.points) s.poly.setAttribute("points", orig.points);
        if (s.text && orig.x !== null) { s.text.setAttribute("x", orig.x); s.text.setAttribute("y", orig.y); }
      }
      setText(s.text, collapsed[k] ? "▸ " + grp.label : grp.label);
    });
    var drawn = {};
    D.edges.forEach(function (e, j) {
      var s = svgEdge[j], kp = keep.edges[j];
      if (!s) return;
      var ht = hiddenIn[e.tail], hh = hiddenIn[e.head];
      var texts = s.texts;
      if (ht === undefined && hh === undefined) {  // as drawn
        s.g.classList.remove("dx-hidden");
        if (kp.path) kp.path.setAttribute("d", kp.d);
        if (kp.head) kp.head.setAttribute("points", kp.points);
        for (var t = 0; t < texts.length; t++) texts[t].classList.remove("dx-hidden");
        return;
      }
      var key = (ht === undefined ? "n" + e.tail : "g" + ht) + ">" + (hh === undefined ? "n" + e.head : "g" + hh);
      if (ht === hh || (ht !== undefined && !boxes[ht]) || (hh !== undefined && !boxes[hh]) || drawn[key]) {
        s.g.classList.add("dx-hidden");
        return;
      }
      drawn[key] = true;
      var bt = ht === undefined ? box(svgNode[e.tail].g) : boxes[ht];
      var bh = hh === undefined ? box(svgNode[e.head].g) : boxes[hh];
      var a = toward(bt, [bh.x + bh.w / 2, bh.y + bh.h / 2]), z = toward(bh, [bt.x + bt.w / 2, bt.y + bt.h / 2]);
      var len = Math.hypot(z[0] - a[0], z[1] - a[1]) || 1, ux = (z[0] - a[0]) / len, uy = (z[1] - a[1]) / len;
      var base = [z[0] - 7 * ux, z[1] - 7 * uy];
      s.g.classList.remove("dx-hidden");
      if (kp.path) kp.path.setAttribute("d", "M" + a[0] + "," + a[1] + "L" + base[0] + "," + base[1]);
      if (kp.head) kp.head.setAttribute("points", [[base[0] - 3.5 * uy, base[1] + 3.5 * ux], z,
        [base[0] + 3.5 * uy, base[1] - 3.5 * ux]].map(function (p) { return p.join(","); }).join(" "));
      for (t = 0; t < texts.length; t++) texts[t].classList.add("dx-hidden");
    });
  }
  function setCollapsed(k, on, later) {  // later: the caller lays out once for many
    collapsed[k] = on;
    if (D.drawn && !later) layout();
    var b = document.getElementById("dx-toggle-" + k);
    if (b) { b.textContent = (on ? "expand " : "collapse ") + D.groups[k].label; b.setAttribute("aria-pressed", on ? "true" : "false"); }
    if (selected !== null || pos < steps.length || walking) render();
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
    setCollapsed(k, !!D.collapsed, true);
  });
  if (D.drawn && D.collapsed) layout();

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
    // a text box (inputmode decimal): a number box would empty itself on "abc" and hide
    // what was typed; here bad text is named and the last good value kept
    num.type = "text"; num.setAttribute("inputmode", "decimal"); num.id = "dx-in-" + k;
    var msg = el("span", "dx-bad");
    msg.id = "dx-bad-" + k;
    msg.setAttribute("role", "status");
    num.value = String(point[k]);
    var v = isFinite(point[k]) ? point[k] : 0, w = Math.max(1, Math.abs(v)) * 2;
    rng.type = "range"; rng.id = "dx-range-" + k;
    rng.min = String(v - w); rng.max = String(v + w); rng.step = String(w / 100);
    rng.value = String(v);
    num.setAttribute("aria-label", inp.name);
    function reading() {  // the box's number, or why it is not one
      var text = num.value.trim(), x = Number(text);
      if (!text) return {why: "an empty box is not a number"};
      if (x !== x || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text))
        return {why: text + " is not a number"};
      if (!isFinite(x)) return {why: text + " is not a finite number"};
      return {x: x};
    }
    num.addEventListener("input", function () {
      var r = reading();
      if (r.why !== undefined) {
        msg.textContent = r.why + "; still at " + inp.name + " = " + fmt(point[k]);
        row.classList.add("dx-invalid");
        return;
      }
      msg.textContent = ""; row.classList.remove("dx-invalid");
      point[k] = r.x; rng.value = String(r.x); recompute();
    });
    num.addEventListener("change", function () {  // leaving the box: back to the good value
      if (reading().why !== undefined) num.value = String(point[k]);
      msg.textContent = ""; row.classList.remove("dx-invalid");
    });
    rng.addEventListener("input", function () {
      var x = parseFloat(rng.value);
      point[k] = x; num.value = String(x); msg.textContent = ""; row.classList.remove("dx-invalid");
      recompute();
    });
    lab.appendChild(num);
    row.appendChild(lab);
    row.appendChild(msg);
    row.appendChild(rng);
    ibox.appendChild(row);
  });

  // ------------------------------------------------------------------ stepping
  function go(p, walk) {
    walking = walk !== false;
    pos = Math.max(0, Math.min(steps.length, p));
    render();
  }
  function step() {  // the end is the end while walking (« start goes back)
    if (pos >= steps.length) go(walking ? steps.length : 1);
    else go(pos + 1);
  }
  document.getElementById("dx-step").addEventListener("click", step);
  document.getElementById("dx-back").addEventListener("click", function () { go(pos - 1); });
  document.getElementById("dx-start").addEventListener("click", function () { go(0); });
  document.getElementById("dx-end").addEventListener("click", function () { go(steps.length, false); });
  document.getElementById("dx-zoom").addEventListener("click", function () {
    var full = document.getElementById("dx-svg").classList.toggle("dx-full");
    this.textContent = full ? "fit to width" : "actual size";
  });
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
  // the tests check there are none), measured with the drawing at its actual size: shrunk to
  // the window, a small font's line boxes overlap by a pixel where the letters do not
  function overlaps() {
    var boxes = [], out = [], holder = document.getElementById("dx-svg");
    var fit = !holder.classList.contains("dx-full");
    holder.classList.add("dx-full");
    document.querySelectorAll("#dx-svg svg text").forEach(function (t) {
      if (t.getClientRects().length && t.textContent.trim()) boxes.push([t.textContent, t.getBoundingClientRect()]);
    });
    if (fit) holder.classList.remove("dx-full");
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
