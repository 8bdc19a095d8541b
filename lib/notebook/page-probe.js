/*
 * Browser side of the rendered-page check (lib/notebook/page-check.ts): measures what a reader sees and returns it
 * as plain data; the judging happens in Node (render-check.ts, figure-check.ts), where it is unit-tested.
 *
 * Loaded into the page with playwright's addScriptTag (plain JavaScript, no imports: it runs in Chromium and must
 * not depend on how the Node side was compiled). Defines window.__rethinkProbe = { pendingFigures, page, svg }.
 * The shapes it returns are the `*Snapshot` interfaces of render-check.ts and figure-check.ts.
 */
(function () {
  'use strict';
  var TICK = /^([xy]\d*)tick$/;
  var AXIS_TITLE = /^g-([xy]\d*)title$/;
  var FIGURES = '.js-plotly-plot, [data-rethink-figure]';

  function box(el) {
    var r = el.getBoundingClientRect();
    return { x0: r.left + window.scrollX, y0: r.top + window.scrollY, x1: r.right + window.scrollX, y1: r.bottom + window.scrollY };
  }

  /** What a text element labels, from the plotly group it sits in. */
  function classify(text, root) {
    for (var g = text.parentElement; g && g !== root; g = g.parentElement) {
      var classes = (g.getAttribute('class') || '').split(/\s+/);
      for (var i = 0; i < classes.length; i++) {
        var c = classes[i];
        var m = TICK.exec(c);
        if (m) return { kind: 'tick', axis: m[1] };
        m = AXIS_TITLE.exec(c);
        if (m) return { kind: 'axis-title', axis: m[1] };
        if (c === 'g-gtitle') return { kind: 'title' };
        if (c === 'legend') return { kind: 'legend' };
        if (c === 'annotation') return { kind: 'annotation' };
        if (c === 'table') return { kind: 'table' };
      }
    }
    return { kind: 'other' };
  }

  /**
   * The four corners of a text's own box in page coordinates. A rotated tick label's axis-aligned bounding box is
   * much larger than the label, so overlap tests need the turned rectangle.
   */
  function corners(t) {
    var b = t.getBBox();
    var m = t.getScreenCTM();
    if (!m) return [];
    return [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]].map(function (p) {
      return [m.a * p[0] + m.c * p[1] + m.e + window.scrollX, m.b * p[0] + m.d * p[1] + m.f + window.scrollY];
    });
  }

  function texts(root) {
    var out = [];
    var nodes = root.querySelectorAll('text');
    for (var i = 0; i < nodes.length; i++) {
      var t = nodes[i];
      var content = (t.textContent || '').trim();
      if (!content) continue;
      var where = classify(t, root);
      var b = box(t);
      var hidden = getComputedStyle(t).display === 'none' || b.x1 - b.x0 <= 0 || b.y1 - b.y0 <= 0;
      out.push({ kind: where.kind, axis: where.axis, text: content, box: b, corners: hidden ? [] : corners(t), hidden: hidden });
    }
    return out;
  }

  function legendBox(root) {
    var bg = root.querySelector('g.legend rect.bg');
    return bg ? box(bg) : undefined;
  }

  /** Each cartesian subplot's plot area, from plotly's own layout (live figures only). */
  function plotAreas(gd, figureBox) {
    var plots = gd._fullLayout && gd._fullLayout._plots;
    var areas = [];
    if (plots) {
      Object.keys(plots).forEach(function (k) {
        var p = plots[k];
        if (!p.xaxis || !p.yaxis) return;
        var x0 = figureBox.x0 + p.xaxis._offset;
        var y0 = figureBox.y0 + p.yaxis._offset;
        areas.push({ x0: x0, y0: y0, x1: x0 + p.xaxis._length, y1: y0 + p.yaxis._length });
      });
    }
    var size = gd._fullLayout && gd._fullLayout._size;
    if (areas.length === 0 && size) {
      areas.push({ x0: figureBox.x0 + size.l, y0: figureBox.y0 + size.t, x1: figureBox.x0 + size.l + size.w, y1: figureBox.y0 + size.t + size.h });
    }
    return areas;
  }

  /**
   * Which traces have a drawn group: plotly binds each cartesian trace's calcdata to its `g.trace`, and keys a
   * table's view model by the trace uid (plus a suffix).
   */
  function drawnTraces(gd) {
    var drawn = {};
    var full = gd._fullData || [];
    var groups = gd.querySelectorAll('g.trace, g.table');
    for (var i = 0; i < groups.length; i++) {
      var d = groups[i].__data__;
      if (Array.isArray(d) && d[0] && d[0].trace) drawn[d[0].trace.index] = true;
      else if (d && d.trace) drawn[d.trace.index] = true;
      else if (d && typeof d.key === 'string') {
        full.forEach(function (t) {
          if (t.uid && d.key.indexOf(t.uid) === 0) drawn[t.index] = true;
        });
      }
    }
    return drawn;
  }

  function numbers(values) {
    if (!values || typeof values.length !== 'number') return [];
    var out = [];
    for (var i = 0; i < values.length; i++) if (typeof values[i] === 'number' && isFinite(values[i])) out.push(values[i]);
    return out;
  }

  /** Where a trace's values sit relative to the axis range, for x and y (linear axes only). */
  function extents(gd, trace) {
    var out = [];
    ['x', 'y'].forEach(function (letter) {
      var axisId = trace[letter + 'axis'];
      if (!axisId) return;
      var axis = gd._fullLayout[letter + 'axis' + axisId.slice(1)];
      if (!axis || axis.type !== 'linear' || !axis.range) return;
      var values = numbers(trace[letter]);
      if (values.length === 0) return;
      var lo = Math.min(axis.range[0], axis.range[1]);
      var hi = Math.max(axis.range[0], axis.range[1]);
      var tolerance = (hi - lo) * 1e-9;
      var outside = 0;
      var min = Infinity;
      var max = -Infinity;
      values.forEach(function (v) {
        if (v < lo - tolerance || v > hi + tolerance) outside++;
        if (v < min) min = v;
        if (v > max) max = v;
      });
      out.push({ axis: axisId, range: [lo, hi], count: values.length, outside: outside, min: min, max: max });
    });
    return out;
  }

  function traces(gd) {
    var drawn = drawnTraces(gd);
    return (gd._fullData || []).map(function (t) {
      return {
        index: t.index,
        name: t.name === undefined ? '' : String(t.name),
        type: t.type,
        visible: t.visible === true,
        points: typeof t._length === 'number' ? t._length : null,
        drawn: drawn[t.index] === true,
        extents: extents(gd, t),
      };
    });
  }

  /** The axes' own tick arrays and resolved ranges, so Node can tell which labels should be on the figure. */
  function axesLayout(gd) {
    var out = {};
    Object.keys(gd._fullLayout).forEach(function (key) {
      if (!/^[xy]axis\d*$/.test(key)) return;
      var full = gd._fullLayout[key];
      var given = (gd.layout && gd.layout[key]) || {};
      out[key] = { tickvals: given.tickvals, ticktext: given.ticktext, range: full.range, showticklabels: full.showticklabels, visible: full.visible };
    });
    return out;
  }

  function liveFigure(gd, k) {
    var name = gd.getAttribute('data-rethink-figure') || gd.id || 'figure ' + (k + 1);
    var main = gd.querySelector('svg.main-svg');
    if (!gd._fullLayout || !main) return { name: name, rendered: false, bounds: box(gd), plotAreas: [], texts: [], traces: [] };
    var bounds = box(main);
    return {
      name: name,
      rendered: true,
      bounds: bounds,
      plotAreas: plotAreas(gd, bounds),
      legend: legendBox(gd),
      texts: texts(gd),
      traces: traces(gd),
      axes: axesLayout(gd),
    };
  }

  function cellId(cell, order) {
    for (var i = 0; i < cell.classList.length; i++) {
      var c = cell.classList[i];
      if (c.indexOf('celltag_rethink-cell-') === 0) return c.slice('celltag_rethink-cell-'.length);
    }
    return String(order + 1);
  }

  function cellKind(cell) {
    if (cell.classList.contains('jp-MarkdownCell')) return 'markdown';
    if (cell.classList.contains('jp-CodeCell')) return 'code';
    return 'raw';
  }

  function links(cell) {
    var out = [];
    var nodes = cell.querySelectorAll('a[href], img[src]');
    for (var i = 0; i < nodes.length; i++) {
      var n = nodes[i];
      var target = n.getAttribute('href') || n.getAttribute('src') || '';
      if (target.indexOf('data:') === 0 || target.charAt(0) === '#') continue;
      out.push({ target: target, text: (n.innerText || n.getAttribute('alt') || '').slice(0, 200), inOutput: !!n.closest('.jp-OutputArea') });
    }
    return out;
  }

  /** How far content runs past the right edge of `area` (px): its own scroll width, or a table or block inside it. */
  function overflow(area, inner) {
    var most = area.scrollWidth - area.clientWidth;
    var right = area.getBoundingClientRect().right;
    var nodes = area.querySelectorAll(inner);
    for (var i = 0; i < nodes.length; i++) {
      most = Math.max(most, nodes[i].scrollWidth - nodes[i].clientWidth, nodes[i].getBoundingClientRect().right - right);
    }
    return Math.max(0, Math.round(most));
  }

  /** For code: the longest line in characters and about how many fit its box (monospace, so width / count). */
  function lineWidths(input) {
    var pre = input.querySelector('pre');
    if (!pre) return undefined;
    var longest = pre.textContent.split('\n').reduce(function (m, l) { return Math.max(m, l.length); }, 0);
    if (longest === 0 || pre.scrollWidth <= pre.clientWidth) return { longest: longest, fits: longest };
    return { longest: longest, fits: Math.floor(pre.clientWidth / (pre.scrollWidth / longest)) };
  }

  function page() {
    var figureIndex = 0;
    var cells = Array.prototype.map.call(document.querySelectorAll('.jp-Cell'), function (cell, order) {
      var input = cell.querySelector('.jp-Cell-inputWrapper');
      var outputs = Array.prototype.map.call(cell.querySelectorAll('.jp-OutputArea-output'), function (o) {
        return { mime: o.getAttribute('data-mime-type') || '', text: (o.innerText || '').slice(0, 20000), overflow: overflow(o, 'table, pre') };
      });
      var figures = Array.prototype.map.call(cell.querySelectorAll(FIGURES), function (gd) {
        return liveFigure(gd, figureIndex++);
      });
      var inputText = input ? input.innerText || '' : '';
      return {
        id: cellId(cell, order),
        kind: cellKind(cell),
        input: inputText.replace(/^In\s*\[[^\]]*\]:\s*/, ''),
        inputOverflow: input ? overflow(input, 'pre, table') : 0,
        inputLines: input ? lineWidths(input) : undefined,
        outputs: outputs,
        links: links(cell),
        figures: figures,
      };
    });
    return { cells: cells };
  }

  /** A static SVG export, loaded as the page's only content: its labels against its own width and height. */
  function svg() {
    var root = document.querySelector('svg');
    if (!root) return { name: document.title, rendered: false, bounds: { x0: 0, y0: 0, x1: 0, y1: 0 }, plotAreas: [], texts: [] };
    return { name: document.title, rendered: true, bounds: box(root), plotAreas: [], legend: legendBox(root), texts: texts(root) };
  }

  /**
   * Figures not yet drawn: ours until their script marks them drawn (plotly's promise settled, automargin redraws
   * included), any other plotly figure until it has a layout.
   */
  function pendingFigures() {
    var all = document.querySelectorAll(FIGURES);
    var pending = 0;
    for (var i = 0; i < all.length; i++) {
      var ours = all[i].hasAttribute('data-rethink-figure');
      if (ours ? !all[i].hasAttribute('data-rethink-drawn') : !all[i]._fullLayout) pending++;
    }
    return pending;
  }

  window.__rethinkProbe = { pendingFigures: pendingFigures, page: page, svg: svg };
})();
