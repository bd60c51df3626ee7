// report.html's page script: draws the baseline comparison, the case matrix and the label views
// from the JSON embedded in #report-data. Plain browser JavaScript, no dependencies, no network.
// Every string from a case or a model is set as text (textContent), never parsed as HTML.
(() => {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const models = data.models;
  const cases = data.cases;
  const PAGE = 50;
  // Rows per regressions or fixes list; the case table pages through the rest.
  const LIST = 50;

  /** An element with attributes (set as properties or attributes) and children (nodes or text). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key === 'onclick' || key === 'oninput' || key === 'onchange') el[key] = value;
      else el.setAttribute(key, String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      el.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
    }
    return el;
  }
  const pct = (x) => `${(x * 100).toFixed(1)}%`;
  const short = (text, max) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
  const modelName = (i) =>
    h(
      'span',
      { title: models[i].name === models[i].id ? models[i].id : `${models[i].name} = ${models[i].id}` },
      models[i].name,
    );

  // Which rows are a regression or a fix for which candidate.
  const regressionOf = new Map();
  const fixOf = new Map();
  for (const vs of data.vs) {
    for (const row of vs.regressions) regressionOf.set(row, [...(regressionOf.get(row) || []), vs.model]);
    for (const row of vs.fixes) fixOf.set(row, [...(fixOf.get(row) || []), vs.model]);
  }

  const state = {
    category: '',
    generator: '',
    status: models.map(() => ''),
    change: '',
    text: '',
    sort: 'order',
    desc: false,
    page: 0,
  };

  function matches(c, i) {
    if (state.category && c.cat !== state.category) return false;
    if (state.generator && (c.gen || '(none)') !== state.generator) return false;
    for (let m = 0; m < models.length; m++) {
      const want = state.status[m];
      if (want && (c.res[m] ? c.res[m].s : 'missing') !== want) return false;
    }
    if (state.change) {
      const [kind, model] = state.change.split(':');
      const list = (kind === 'regression' ? regressionOf : fixOf).get(i) || [];
      if (model === '*' ? list.length === 0 : !list.includes(Number(model))) return false;
    }
    if (state.text) {
      const needle = state.text.toLowerCase();
      const hay = [c.id, c.in, c.exp || '', ...c.res.map((r) => (r ? `${r.o || ''} ${r.r}` : ''))]
        .join('\n')
        .toLowerCase();
      if (!hay.includes(needle)) return false;
    }
    return true;
  }

  const SORTS = {
    order: () => 0,
    id: (a, b) => (a.c.id < b.c.id ? -1 : a.c.id > b.c.id ? 1 : a.c.rep - b.c.rep),
    category: (a, b) => (a.c.cat < b.c.cat ? -1 : a.c.cat > b.c.cat ? 1 : 0),
    expected: (a, b) => ((a.c.exp || '') < (b.c.exp || '') ? -1 : (a.c.exp || '') > (b.c.exp || '') ? 1 : 0),
  };
  models.forEach((_, m) => {
    const rank = { fail: 0, error: 1, pass: 2 };
    SORTS[`model${m}`] = (a, b) =>
      (a.c.res[m] ? rank[a.c.res[m].s] : 3) - (b.c.res[m] ? rank[b.c.res[m].s] : 3);
  });

  function visibleRows() {
    const rows = [];
    cases.forEach((c, i) => {
      if (matches(c, i)) rows.push({ c, i });
    });
    const compare = SORTS[state.sort];
    if (state.sort !== 'order') rows.sort((a, b) => (state.desc ? -1 : 1) * (compare(a, b) || a.i - b.i));
    return rows;
  }

  function resultCell(r, i, m) {
    if (!r) return h('td', { class: 'muted', 'data-model': m }, 'no result');
    const tags = [];
    if ((regressionOf.get(i) || []).includes(m))
      tags.push(h('span', { class: 'tag regression' }, 'regression'));
    if ((fixOf.get(i) || []).includes(m)) tags.push(h('span', { class: 'tag fix' }, 'fix'));
    return h(
      'td',
      { 'data-model': m, 'data-status': r.s },
      h('span', { class: r.s, title: r.r }, r.s),
      r.l !== undefined ? h('span', { class: 'muted' }, ` ${Math.round(r.l)} ms`) : null,
      tags,
      h('pre', { class: 'output', title: r.r }, r.o === undefined ? '(none)' : r.o),
      r.s !== 'pass' ? h('div', { class: 'muted reason' }, short(r.r, 300)) : null,
    );
  }

  function caseRow({ c, i }) {
    return h(
      'tr',
      { 'data-case': c.id, 'data-row': i },
      h(
        'td',
        {},
        c.id,
        c.rep ? ` #${c.rep + 1}` : '',
        h('div', { class: 'muted' }, c.cat, c.gen ? ` · ${c.gen}` : ''),
      ),
      h('td', {}, h('pre', { class: 'input' }, c.in)),
      h('td', {}, h('pre', { class: 'expected' }, c.exp === undefined ? '–' : c.exp)),
      c.res.map((r, m) => resultCell(r, i, m)),
    );
  }

  function select(label, options, value, onchange, attrs) {
    return h(
      'label',
      {},
      label,
      h(
        'select',
        { ...attrs, onchange: (e) => onchange(e.target.value) },
        options.map(([v, text]) => {
          const o = h('option', { value: v }, text);
          o.selected = v === value;
          return o;
        }),
      ),
    );
  }

  const casesSection = document.getElementById('cases');
  const casesBody = h('div', {});
  if (data.truncated)
    casesSection.append(
      h(
        'p',
        { class: 'fail' },
        `The first ${data.truncated.shown} cases of a larger run; results.json has every case.`,
      ),
    );
  casesSection.append(casesBody);

  function drawCases() {
    const rows = visibleRows();
    const pages = Math.max(1, Math.ceil(rows.length / PAGE));
    state.page = Math.min(state.page, pages - 1);
    const shown = rows.slice(state.page * PAGE, (state.page + 1) * PAGE);
    const sortHeader = (key, text, attrs) =>
      h(
        'th',
        {
          ...attrs,
          class: 'sortable',
          'data-sort': key,
          onclick: () => {
            state.desc = state.sort === key ? !state.desc : false;
            state.sort = key;
            drawCases();
          },
        },
        text,
        state.sort === key ? (state.desc ? ' ▼' : ' ▲') : '',
      );
    const pager = () =>
      h(
        'div',
        { class: 'pager' },
        h(
          'button',
          {
            disabled: state.page === 0,
            onclick: () => {
              state.page--;
              drawCases();
            },
          },
          '‹ previous',
        ),
        h(
          'span',
          { class: 'count' },
          `${rows.length} of ${cases.length} cases · page ${state.page + 1} of ${pages}`,
        ),
        h(
          'button',
          {
            disabled: state.page >= pages - 1,
            onclick: () => {
              state.page++;
              drawCases();
            },
          },
          'next ›',
        ),
      );
    casesBody.replaceChildren(
      pager(),
      h(
        'table',
        { class: 'cases' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            sortHeader('id', 'case'),
            h('th', {}, 'input'),
            sortHeader('expected', 'expected'),
            models.map((_, m) => sortHeader(`model${m}`, modelName(m))),
          ),
        ),
        h('tbody', {}, shown.map(caseRow)),
      ),
      rows.length > PAGE ? pager() : null,
    );
  }

  function drawFilters() {
    const categories = [...new Set(cases.map((c) => c.cat))].sort();
    const generators = [...new Set(cases.map((c) => c.gen || '(none)'))].sort();
    const redraw = () => {
      state.page = 0;
      drawCases();
    };
    const changes = [['', 'any']];
    if (data.vs.length) {
      changes.push(['regression:*', 'any regression'], ['fix:*', 'any fix']);
      for (const vs of data.vs) {
        changes.push(
          [`regression:${vs.model}`, `regression of ${models[vs.model].name}`],
          [`fix:${vs.model}`, `fix by ${models[vs.model].name}`],
        );
      }
    }
    let timer;
    const filters = h(
      'div',
      { class: 'filters' },
      select(
        'category',
        [['', 'all'], ...categories.map((c) => [c, c])],
        state.category,
        (v) => {
          state.category = v;
          redraw();
        },
        { id: 'filter-category' },
      ),
      select(
        'generator',
        [['', 'all'], ...generators.map((g) => [g, g])],
        state.generator,
        (v) => {
          state.generator = v;
          redraw();
        },
        { id: 'filter-generator' },
      ),
      models.map((m, i) =>
        select(
          `status: ${short(m.name, 24)}`,
          [
            ['', 'any'],
            ['pass', 'pass'],
            ['fail', 'fail'],
            ['error', 'error'],
            ['missing', 'no result'],
          ],
          state.status[i],
          (v) => {
            state.status[i] = v;
            redraw();
          },
          { id: `filter-status-${i}` },
        ),
      ),
      data.vs.length
        ? select(
            'vs baseline',
            changes,
            state.change,
            (v) => {
              state.change = v;
              redraw();
            },
            { id: 'filter-change' },
          )
        : null,
      h(
        'label',
        {},
        'search',
        h('input', {
          id: 'filter-text',
          type: 'search',
          placeholder: 'id, input, output, reason',
          oninput: (e) => {
            clearTimeout(timer);
            timer = setTimeout(() => {
              state.text = e.target.value;
              redraw();
            }, 150);
          },
        }),
      ),
    );
    casesSection.insertBefore(filters, casesBody);
  }

  /** Sets filters from outside the table (the baseline lists' buttons). */
  function showChange(change) {
    state.change = change;
    state.page = 0;
    const el = document.getElementById('filter-change');
    if (el) el.value = change;
    drawCases();
    casesSection.scrollIntoView();
  }

  function drawVersusBaseline() {
    const section = document.getElementById('vs-baseline');
    if (data.baseline === undefined || data.vs.length === 0) {
      section.append(
        h('h2', {}, 'vs baseline'),
        h(
          'p',
          { class: 'muted' },
          'No baseline in this run (pass --baseline to compare models case by case).',
        ),
      );
      return;
    }
    const base = data.baseline;
    const list = (rows, kind, m) =>
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { class: `list ${kind}-list`, 'data-model': m },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'case'),
              h('th', {}, 'input'),
              h('th', {}, 'expected'),
              h('th', {}, modelName(base)),
              h('th', {}, modelName(m)),
            ),
          ),
          h(
            'tbody',
            {},
            rows.slice(0, LIST).map((i) => {
              const c = cases[i];
              return h(
                'tr',
                { 'data-case': c.id, 'data-row': i },
                h('td', {}, c.id, c.rep ? ` #${c.rep + 1}` : ''),
                h('td', {}, short(c.in, 160)),
                h('td', {}, c.exp || '–'),
                h('td', {}, c.res[base].o || '(none)'),
                h('td', {}, c.res[m].o || `(${c.res[m].s})`),
              );
            }),
          ),
        ),
        rows.length > LIST
          ? h('p', { class: 'muted' }, `first ${LIST} of ${rows.length}; "show in cases" lists them all`)
          : null,
      );
    section.append(h('h2', {}, 'vs baseline: ', modelName(base)));
    if (data.truncated)
      section.append(
        h(
          'p',
          { class: 'fail' },
          `This run has more cases than the page holds: the lists below cover the first ${data.truncated.shown}; the overview's b and c count them all (results.json has every case).`,
        ),
      );
    section.append(
      h(
        'p',
        { class: 'muted' },
        'A regression: the baseline passed and the candidate did not (McNemar c). A fix: the candidate passed and the baseline did not (McNemar b). Counted on the cases every model finished.',
      ),
    );
    const blocks = data.vs.map((vs) =>
      h(
        'div',
        { class: 'candidate', 'data-model': vs.model },
        h('h3', {}, modelName(vs.model)),
        h(
          'p',
          {},
          h('span', { class: 'big fail regression-count' }, vs.regressions.length),
          ' regressions · ',
          h('span', { class: 'big pass fix-count' }, vs.fixes.length),
          ` fixes · ${vs.paired} paired cases`,
        ),
        h(
          'h4',
          {},
          'Regressions ',
          h('button', { onclick: () => showChange(`regression:${vs.model}`) }, 'show in cases'),
        ),
        vs.regressions.length
          ? list(vs.regressions, 'regression', vs.model)
          : h('p', { class: 'muted' }, 'none'),
        h('h4', {}, 'Fixes ', h('button', { onclick: () => showChange(`fix:${vs.model}`) }, 'show in cases')),
        vs.fixes.length ? list(vs.fixes, 'fix', vs.model) : h('p', { class: 'muted' }, 'none'),
      ),
    );
    section.append(h('div', { class: 'vs' }, blocks));
  }

  function drawLabels() {
    const section = document.getElementById('labels');
    if (!data.labels) {
      section.append(h('h2', {}, 'Labels'), h('p', { class: 'muted' }, 'No label grader ran in this suite.'));
      return;
    }
    const { perLabel, confusions } = data.labels;
    const focus = data.vs.length ? data.vs[0].model : 0;
    const rate = (cell) => (cell[0] ? cell[1] / cell[0] : 1);
    const labels = Object.keys(perLabel).sort(
      (a, b) => rate(perLabel[a][focus]) - rate(perLabel[b][focus]) || (a < b ? -1 : 1),
    );
    section.append(
      h('h2', {}, 'Labels'),
      h('p', { class: 'muted' }, `Accuracy per expected label, worst first for ${models[focus].name}.`),
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { class: 'per-label' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'label'),
              h('th', {}, 'n'),
              models.map((_, m) => h('th', {}, modelName(m))),
            ),
          ),
          h(
            'tbody',
            {},
            labels.map((label) =>
              h(
                'tr',
                {},
                h('td', {}, label),
                h('td', { class: 'num' }, perLabel[label][focus][0]),
                perLabel[label].map((cell) => h('td', { class: 'num' }, cell[0] ? pct(rate(cell)) : '–')),
              ),
            ),
          ),
        ),
      ),
      h('h3', {}, 'Most frequent confusions'),
      h(
        'div',
        { class: 'vs' },
        models.map((_, m) =>
          h(
            'div',
            {},
            h('h4', {}, modelName(m)),
            confusions[m].length
              ? h(
                  'table',
                  { class: 'list confusions', 'data-model': m },
                  h(
                    'thead',
                    {},
                    h('tr', {}, h('th', {}, 'expected'), h('th', {}, 'answered'), h('th', {}, 'n')),
                  ),
                  h(
                    'tbody',
                    {},
                    confusions[m].map((x) =>
                      h(
                        'tr',
                        {},
                        h('td', {}, x.expected),
                        h('td', {}, x.predicted),
                        h('td', { class: 'num' }, x.n),
                      ),
                    ),
                  ),
                )
              : h('p', { class: 'muted' }, 'no confusions'),
          ),
        ),
      ),
    );
  }

  drawVersusBaseline();
  drawFilters();
  drawCases();
  drawLabels();
  // Milliseconds from navigation start to the page built, and to its first frame on screen: the report benchmark reads them.
  const root = document.documentElement;
  root.dataset.renderMs = String(Math.round(performance.now()));
  root.dataset.rendered = 'true';
  requestAnimationFrame(() =>
    setTimeout(() => {
      root.dataset.paintMs = String(Math.round(performance.now()));
    }),
  );
})();
