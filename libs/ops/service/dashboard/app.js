// creditflow ops dashboard: vanilla JS, no build step. It reads the platform's own HTTP endpoints
// with the ops key the user enters (kept in sessionStorage) and draws its charts as inline SVG.
// Amounts arrive as decimal strings and are added as scaled BigInts: the figures shown are exact.
// It reloads its figures every 30 s (`?refresh=<seconds>` changes that), shows when they were read,
// and says so in a banner when the platform stops answering, the figures grow old, or the read
// models are behind the store.
'use strict';

(() => {
  const STORAGE_KEY = 'creditflow.opsKey';
  const SVG = 'http://www.w3.org/2000/svg';
  const $ = (selector, root = document) => root.querySelector(selector);
  const CREDIT_TYPES = ['daily', 'trial', 'subscription', 'reward', 'topup'];
  const TYPE_LABELS = { daily: 'Daily', trial: 'Trial', subscription: 'Subscription', reward: 'Reward', topup: 'Top-up' };
  const FLOW_COLORS = { granted: '#4c78a8', consumed: '#72b7b2', refunded: '#b07aa1', expired: '#e0a458' };
  const PALETTE = ['#4c78a8', '#72b7b2', '#f2a65a', '#b07aa1', '#e07b7b', '#9db469', '#d9b84a', '#7f8fa6', '#5fa2ce', '#c58fb7'];
  const OTHER_COLOR = '#c3c9d2';
  const FAILURE_COLORS = { platform_error: '#d1605e', cancelled: '#9aa5b4', timeout: '#e0a458', denied: '#7f6bb0' };
  const REASON_LABELS = { platform_error: 'Platform error', cancelled: 'Cancelled', timeout: 'Timed out' };
  const STAGE_LABELS = { 'before-completion': 'before completion', 'after-completion': 'after completion' };
  /** Seconds between reloads of the figures (`?refresh=<seconds>`, at least 1). */
  const REFRESH_S = (() => {
    const asked = Number(new URLSearchParams(location.search).get('refresh'));
    return Number.isFinite(asked) && asked >= 1 ? asked : 30;
  })();
  /** A request that takes longer counts as the platform not answering. */
  const TIMEOUT_MS = Math.min(10_000, REFRESH_S * 1000);

  // --- exact decimals ----------------------------------------------------------------------------
  const SCALE = 6;
  const ONE = 10n ** BigInt(SCALE);
  function units(text) {
    if (text === null || text === undefined || text === '') return 0n;
    const s = String(text);
    const negative = s.startsWith('-');
    const [whole, fraction = ''] = (negative ? s.slice(1) : s).split('.');
    const value = BigInt(whole || '0') * ONE + BigInt((fraction + '0'.repeat(SCALE)).slice(0, SCALE));
    return negative ? -value : value;
  }
  function show(u) {
    const negative = u < 0n;
    const abs = negative ? -u : u;
    const fraction = (abs % ONE).toString().padStart(SCALE, '0').replace(/0+$/, '');
    return `${negative ? '−' : ''}${(abs / ONE).toLocaleString('en-US')}${fraction ? `.${fraction}` : ''}`;
  }
  const fmt = (text) => show(units(text));
  const total = (texts) => texts.reduce((sum, t) => sum + units(t), 0n);
  /** For geometry only (bar heights), never for a figure shown. */
  const approx = (u) => Number(u) / Number(ONE);
  function compact(n) {
    const abs = Math.abs(n);
    if (abs >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
    if (abs >= 1e4) return `${+(n / 1e3).toFixed(0)}k`;
    if (abs >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
    return `${+n.toFixed(2)}`;
  }
  const percent = (part, whole) => (whole === 0n ? '–' : `${(Number((part * 10000n) / whole) / 100).toFixed(1)}%`);
  /** A rate with four decimals ("0.0333") as a percentage with two ("3.33%"), exactly. */
  function ratePercent(rate) {
    if (rate === null || rate === undefined) return '–';
    const [whole, fraction = ''] = rate.split('.');
    const bp = BigInt(whole) * 10000n + BigInt((fraction + '0000').slice(0, 4));
    return `${bp / 100n}.${String(bp % 100n).padStart(2, '0')}%`;
  }
  const MINOR_DIGITS = { JPY: 0 };
  /** Money as the API wrote it, with thousands separators and every decimal kept: "1234.50" -> "1,234.50". */
  function moneyAmount(amount) {
    const [whole, fraction] = String(amount).split('.');
    return `${BigInt(whole).toLocaleString('en-US')}${fraction !== undefined ? `.${fraction}` : ''}`;
  }
  /** [{amount, currency}] -> "USD 129.97" (several currencies joined); none -> zero in `currency`. */
  function moneyText(list, currency) {
    if (!list || !list.length) {
      const digits = MINOR_DIGITS[currency] ?? 2;
      return `${currency} ${digits ? `0.${'0'.repeat(digits)}` : '0'}`;
    }
    return list.map((m) => `${m.currency} ${moneyAmount(m.amount)}`).join(' + ');
  }
  const clockTime = (date) => date.toISOString().slice(11, 19);
  const plural = (n, word) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

  // --- dates (UTC days) --------------------------------------------------------------------------
  const dayOf = (iso) => iso.slice(0, 10);
  function addDays(day, n) {
    const d = new Date(`${day}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }
  function daysBetween(from, to) {
    const out = [];
    for (let d = from; d <= to && out.length < 1000; d = addDays(d, 1)) out.push(d);
    return out;
  }
  const shortDay = (day) => new Date(`${day}T00:00:00Z`).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const when = (iso) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : '');

  // --- DOM helpers -------------------------------------------------------------------------------
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
    return node;
  }
  function svg(tag, attrs = {}, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, v);
    for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
    return node;
  }
  const swatch = (color) => {
    const i = el('i');
    i.style.background = color;
    return i;
  };

  // --- API ---------------------------------------------------------------------------------------
  class AuthError extends Error {}
  let apiKey = sessionStorage.getItem(STORAGE_KEY);

  /** fetch with the key, given up after TIMEOUT_MS. */
  async function request(path, accept) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    try {
      return await fetch(path, { headers: { Authorization: `Bearer ${apiKey}`, Accept: accept }, signal: abort.signal, cache: 'no-store' });
    } catch (error) {
      throw new Error(error.name === 'AbortError' ? `no answer within ${TIMEOUT_MS / 1000} s` : 'the platform cannot be reached');
    } finally {
      clearTimeout(timer);
    }
  }

  async function api(path) {
    const res = await request(path, 'application/json');
    let body = null;
    try {
      body = await res.json();
    } catch {
      // not JSON
    }
    if (res.status === 401) throw new AuthError('That key was not accepted (401). Check it and try again.');
    if (res.status === 403) throw new AuthError('That key may not read the ops views: it needs the ops (or admin) role.');
    if (!res.ok) {
      const error = new Error((body && body.message) || `${path} answered ${res.status}`);
      error.status = res.status;
      throw error;
    }
    return body;
  }

  // --- tooltip -----------------------------------------------------------------------------------
  const tooltip = $('#tooltip');
  function showTooltip(event, title, rows) {
    tooltip.replaceChildren(
      el('div', { class: 't-title', text: title }),
      ...rows.map(([color, label, value]) => el('div', { class: 't-row' }, el('span', {}, color ? swatch(color) : null, label), el('span', { text: value }))),
    );
    tooltip.hidden = false;
    const { innerWidth } = window;
    const box = tooltip.getBoundingClientRect();
    const x = event.clientX + 14 + box.width > innerWidth ? event.clientX - box.width - 14 : event.clientX + 14;
    tooltip.style.left = `${x}px`;
    tooltip.style.top = `${Math.max(8, event.clientY - box.height - 10)}px`;
  }
  const hideTooltip = () => (tooltip.hidden = true);

  // --- charts ------------------------------------------------------------------------------------
  function niceScale(max, ticks = 4) {
    if (max <= 0) return { top: 1, step: 0.25 };
    const raw = max / ticks;
    const pow = 10 ** Math.floor(Math.log10(raw));
    const err = raw / pow;
    const step = (err >= 7.5 ? 10 : err >= 3.5 ? 5 : err >= 1.5 ? 2 : 1) * pow;
    return { top: Math.ceil(max / step) * step, step };
  }

  /**
   * Vertical bars per day: stacked (one bar of several series) or grouped (bars side by side).
   * series: [{key, label, color, values: Map(day -> units)}]
   */
  function barChart(host, { days, series, stacked, height = 230, unit = 'credits', clipOutliers = false }) {
    host.replaceChildren();
    const anything = series.some((s) => [...s.values.values()].some((v) => v !== 0n));
    if (!days.length || !anything) {
      host.append(el('p', { class: 'empty', text: 'Nothing in this period.' }));
      return;
    }
    const width = Math.max(320, host.clientWidth || 640);
    const m = { top: clipOutliers ? 18 : 8, right: 6, bottom: 24, left: 44 };
    const plotW = width - m.left - m.right;
    const plotH = height - m.top - m.bottom;
    const value = (s, day) => approx(s.values.get(day) || 0n);
    const heights = days.map((d) => (stacked ? series.reduce((a, s) => a + value(s, d), 0) : Math.max(...series.map((s) => value(s, d)))));
    let max = Math.max(...heights);
    // One day far above the rest (a big purchase) would flatten every other bar: scale to the rest
    // and draw that bar broken at the top, with its figure.
    const ranked = [...heights].sort((a, b) => b - a);
    const clipped = clipOutliers && ranked[1] > 0 && ranked[0] > 3 * ranked[1];
    if (clipped) max = ranked[1] * 1.15;
    const { top, step } = niceScale(max);
    const y = (v) => m.top + plotH - (Math.min(v, top) / top) * plotH;
    const band = plotW / days.length;
    const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img' });

    const grid = svg('g', { class: 'grid' });
    const axis = svg('g', { class: 'axis' });
    for (let v = 0; v <= top + step / 2; v += step) {
      grid.append(svg('line', { x1: m.left, x2: width - m.right, y1: y(v), y2: y(v) }));
      axis.append(svg('text', { x: m.left - 8, y: y(v) + 4, 'text-anchor': 'end' }, compact(v)));
    }
    const every = Math.max(1, Math.ceil(58 / band));
    days.forEach((d, i) => {
      if ((days.length - 1 - i) % every !== 0) return;
      axis.append(svg('text', { x: m.left + band * i + band / 2, y: height - 6, 'text-anchor': 'middle' }, shortDay(d)));
    });
    root.append(grid, axis, svg('line', { class: 'baseline', x1: m.left, x2: width - m.right, y1: y(0), y2: y(0) }));

    const bars = svg('g');
    days.forEach((d, i) => {
      const x0 = m.left + band * i;
      if (stacked) {
        const w = Math.min(band * 0.68, 46);
        let acc = 0;
        for (const s of series) {
          const v = value(s, d);
          if (v <= 0) continue;
          const h = y(acc) - y(acc + v);
          bars.append(svg('rect', { class: 'bar', x: x0 + (band - w) / 2, y: y(acc + v), width: w, height: Math.max(h - (acc > 0 ? 1 : 0), 0.5), fill: s.color, rx: 2 }));
          acc += v;
        }
      } else {
        const groupW = Math.min(band * 0.78, 20 * series.length + 6);
        const w = groupW / series.length;
        series.forEach((s, j) => {
          const v = value(s, d);
          if (v <= 0) return;
          const x = x0 + (band - groupW) / 2 + j * w + 0.5;
          const bw = Math.max(w - 1.5, 1);
          bars.append(svg('rect', { class: 'bar', x, y: y(v), width: bw, height: y(0) - y(v), fill: s.color, rx: 2 }));
          if (v > top) {
            // The break: a white gap across the bar near its top, and the real figure above it.
            const yb = y(top) + 10;
            bars.append(svg('path', { d: `M${x - 2} ${yb + 3} L${x + bw + 2} ${yb - 3} L${x + bw + 2} ${yb + 1} L${x - 2} ${yb + 7} Z`, fill: '#fff' }));
            bars.append(svg('text', { class: 'bar-value', x: x + bw / 2, y: y(top) - 4, 'text-anchor': 'middle' }, show(s.values.get(d))));
          }
        });
      }
      // An invisible column for the tooltip of the whole day.
      const hit = svg('rect', { x: x0, y: m.top, width: band, height: plotH, fill: 'transparent', 'data-day': d });
      hit.addEventListener('mousemove', (e) => {
        const rows = series.filter((s) => (s.values.get(d) || 0n) !== 0n).map((s) => [s.color, s.label, `${show(s.values.get(d))}`]);
        if (stacked && rows.length > 1) rows.push([null, 'Total', show(series.reduce((a, s) => a + (s.values.get(d) || 0n), 0n))]);
        showTooltip(e, `${shortDay(d)} · ${unit}`, rows.length ? rows : [[null, 'nothing', '0']]);
      });
      hit.addEventListener('mouseleave', hideTooltip);
      bars.append(hit);
    });
    root.append(bars);
    host.append(root);
  }

  /** Horizontal bars: rows [{label, value (units), note}], largest first. */
  function hbarChart(host, rows, { color = PALETTE[0] } = {}) {
    host.replaceChildren();
    if (!rows.length) {
      host.append(el('p', { class: 'empty', text: 'Nothing in this period.' }));
      return;
    }
    const width = Math.max(260, host.clientWidth || 360);
    const rowH = 42;
    const labelW = Math.min(120, width * 0.32);
    const valueW = 64;
    const plotW = width - labelW - valueW;
    const max = Math.max(...rows.map((r) => approx(r.value)), 1e-9);
    const root = svg('svg', { viewBox: `0 0 ${width} ${rows.length * rowH}`, role: 'img' });
    rows.forEach((r, i) => {
      const yMid = i * rowH + rowH / 2;
      const w = Math.max((approx(r.value) / max) * plotW, 2);
      const g = svg('g', { 'data-member': r.key, 'data-credits': show(r.value) });
      g.append(
        svg('text', { class: 'bar-label', x: 0, y: yMid - 2 }, r.label.length > 16 ? `${r.label.slice(0, 15)}…` : r.label),
        svg('text', { class: 'bar-note', x: 0, y: yMid + 13 }, `${r.note} use${r.note === 1 ? '' : 's'}`),
        svg('rect', { x: labelW, y: yMid - 6, width: plotW, height: 12, rx: 3, fill: '#f0f2f5' }),
        svg('rect', { class: 'bar', x: labelW, y: yMid - 6, width: w, height: 12, rx: 3, fill: color }),
        svg('text', { class: 'bar-value', x: width, y: yMid + 4, 'text-anchor': 'end' }, show(r.value)),
      );
      g.addEventListener('mousemove', (e) => showTooltip(e, r.label, [[color, 'credits', show(r.value)], [null, 'uses', String(r.note)]]));
      g.addEventListener('mouseleave', hideTooltip);
      root.append(g);
    });
    host.append(root);
  }

  function legend(host, series) {
    host.replaceChildren(...series.map((s) => el('span', {}, swatch(s.color), s.label)));
  }

  // --- views -------------------------------------------------------------------------------------
  let data = null;

  function periodDays() {
    const today = dayOf(data.now);
    if (data.range !== 'all') return daysBetween(addDays(today, -(Number(data.range) - 1)), today);
    const seen = [...data.usageByDay.map((r) => r.day), ...data.flows.map((r) => r.day)].sort();
    if (!seen.length) return [];
    return daysBetween(seen[0], seen[seen.length - 1] > today ? seen[seen.length - 1] : today);
  }

  function renderKpis() {
    const set = (name, text) => ($(`[data-kpi="${name}"]`).textContent = text);
    const hint = (name, text) => ($(`[data-kpi-hint="${name}"]`).textContent = text);
    const b = data.balances;
    const teams = b.filter((x) => x.type === 'team').length;
    set('accounts', b.length.toLocaleString('en-US'));
    hint('accounts', `${teams} team · ${b.length - teams} personal`);
    set('available', show(total(b.map((x) => x.available))));
    hint('available', `${show(total(b.map((x) => x.held)))} held`);
    const flows = (k) => total(data.flows.map((d) => d[k]));
    const granted = flows('granted');
    const expired = flows('expired');
    set('granted', show(granted));
    hint('period', data.rangeLabel);
    set('consumed', show(flows('consumed')));
    hint('uses', `${data.usageByDay.reduce((a, r) => a + r.uses, 0).toLocaleString('en-US')} uses`);
    set('expired', show(expired));
    hint('breakage', `${percent(expired, granted)} of granted`);
    set('refunded', show(flows('refunded')));
    hint('refunds', `${data.refunds.length} decision${data.refunds.length === 1 ? '' : 's'}`);
  }

  function renderUsage(days) {
    const byFeature = new Map();
    for (const r of data.usageByDay) {
      const f = byFeature.get(r.feature) || { total: 0n, values: new Map() };
      f.total += units(r.credits);
      f.values.set(r.day, (f.values.get(r.day) || 0n) + units(r.credits));
      byFeature.set(r.feature, f);
    }
    const ranked = [...byFeature.entries()].filter(([, f]) => f.total > 0n).sort((a, b) => (b[1].total > a[1].total ? 1 : b[1].total < a[1].total ? -1 : a[0].localeCompare(b[0])));
    const top = ranked.slice(0, 8);
    const series = top.map(([feature, f], i) => ({ key: feature, label: feature, color: PALETTE[i % PALETTE.length], values: f.values }));
    if (ranked.length > top.length) {
      const values = new Map();
      for (const [, f] of ranked.slice(top.length)) for (const [d, v] of f.values) values.set(d, (values.get(d) || 0n) + v);
      series.push({ key: 'other', label: `${ranked.length - top.length} other features`, color: OTHER_COLOR, values });
    }
    $('[data-total="usage"]').textContent = show(ranked.reduce((a, [, f]) => a + f.total, 0n));
    barChart($('#chart-usage'), { days, series, stacked: true });
    legend($('#legend-usage'), series);
  }

  function renderMembers() {
    const rows = data.byMember
      .map((r) => ({ key: r.user, label: r.user || '(no member)', value: units(r.credits), note: r.uses }))
      .filter((r) => r.value > 0n)
      .sort((a, b) => (b.value > a.value ? 1 : b.value < a.value ? -1 : a.label.localeCompare(b.label)))
      .slice(0, 12);
    hbarChart($('#chart-members'), rows, { color: PALETTE[0] });
  }

  function renderFlows(days) {
    const series = ['granted', 'consumed', 'refunded'].map((k) => ({
      key: k, label: k[0].toUpperCase() + k.slice(1), color: FLOW_COLORS[k], values: new Map(data.flows.map((d) => [d.day, units(d[k])])),
    }));
    barChart($('#chart-flows'), { days, series, stacked: false, clipOutliers: true });
    legend($('#legend-flows'), series);
    const expired = { key: 'expired', label: 'Expired', color: FLOW_COLORS.expired, values: new Map(data.flows.map((d) => [d.day, units(d.expired)])) };
    $('[data-total="expired"]').textContent = show(total(data.flows.map((d) => d.expired)));
    barChart($('#chart-breakage'), { days, series: [expired], stacked: true, height: 200 });
  }

  function renderBalances() {
    const table = $('#balances-table');
    const filter = $('#balance-filter').value.trim().toLowerCase();
    const present = CREDIT_TYPES.filter((t) => data.balances.some((b) => units(b.byType[t]) !== 0n));
    table.tHead.replaceChildren(
      el(
        'tr',
        {},
        el('th', { text: 'Account' }),
        el('th', { 'data-col': 'type', text: 'Type' }),
        ...present.map((t) => el('th', { class: 'num by-type', 'data-col': t, text: TYPE_LABELS[t] })),
        el('th', { class: 'num', text: 'Held' }),
        el('th', { class: 'num', text: 'Available' }),
      ),
    );
    const rows = data.balances.filter((b) => !filter || b.accountId.toLowerCase().includes(filter));
    const cell = (value, col, strong, extra = '') => el('td', { class: `num${units(value) === 0n ? ' zero' : ''}${extra ? ` ${extra}` : ''}`, 'data-col': col }, strong ? el('strong', { text: fmt(value) }) : fmt(value));
    table.tBodies[0].replaceChildren(
      ...rows.map((b) =>
        el(
          'tr',
          { class: `clickable${data.selected === b.accountId ? ' selected' : ''}`, 'data-account': b.accountId, onclick: () => openHistory(b.accountId) },
          el('td', { 'data-col': 'account' }, el('strong', { text: b.accountId })),
          el('td', { 'data-col': 'type' }, el('span', { class: `badge ${b.type}`, text: b.type })),
          ...present.map((t) => cell(b.byType[t], t, false, 'by-type')),
          cell(b.held, 'held'),
          cell(b.available, 'available', true),
        ),
      ),
      ...(rows.length ? [] : [el('tr', {}, el('td', { colspan: present.length + 4, class: 'empty', text: data.balances.length ? 'No account matches.' : 'No accounts yet.' }))]),
    );
  }

  function renderLowBalance() {
    const { threshold, accounts } = data.low;
    $('#low-count').textContent = String(accounts.length);
    $('#low-count').className = `badge${accounts.length ? ' warn' : ' good'}`;
    $('#low-threshold').textContent = threshold === null ? 'This tenant sets no low-balance threshold' : `Available credits below ${fmt(threshold)}`;
    const list = $('#low-list');
    if (!accounts.length) {
      list.replaceChildren(el('li', { class: 'empty' }, threshold === null ? 'No threshold configured.' : 'Every account is above the threshold.'));
      return;
    }
    const limit = approx(units(threshold)) || 1;
    list.replaceChildren(
      ...accounts.map((a) => {
        const bar = el('div');
        bar.style.width = `${Math.min(100, Math.max(2, (approx(units(a.available)) / limit) * 100))}%`;
        return el(
          'li',
          { 'data-account': a.accountId, onclick: () => openHistory(a.accountId) },
          el('span', { class: 'acct', text: a.accountId }),
          el('span', { class: 'meter' }, bar),
          el('span', { class: 'num' }, el('strong', { text: fmt(a.available) }), el('span', { class: 'muted', text: ` / ${fmt(threshold)}` })),
        );
      }),
    );
  }

  function humanReason(code) {
    if (!code) return '';
    const rule = code.includes('.') ? code.slice(code.indexOf('.') + 1) : code;
    const words = rule.toLowerCase().replace(/_/g, ' ');
    return words[0].toUpperCase() + words.slice(1);
  }

  function renderRefunds() {
    const rows = [...data.refunds].reverse();
    $('[data-total="refunds"]').textContent = show(total(rows.map((r) => r.credits)));
    $('#refunds-table').tBodies[0].replaceChildren(
      ...rows.map((r) =>
        el(
          'tr',
          { class: 'clickable', 'data-refund': r.id, onclick: () => openHistory(r.accountId) },
          el('td', { class: 'mono', text: when(r.at) }),
          el('td', {}, el('strong', { text: r.accountId })),
          el('td', { class: 'mono muted', text: r.usageId || '–' }),
          el('td', {}, el('span', { class: 'badge', text: r.kind })),
          el('td', { title: r.reason }, humanReason(r.reason), ' ', el('code', { class: 'muted', text: r.reason })),
          el('td', { class: 'num' }, el('strong', { text: fmt(r.credits) })),
        ),
      ),
      ...(rows.length ? [] : [el('tr', {}, el('td', { colspan: 6, class: 'empty', text: 'No refunds in this period.' }))]),
    );
  }

  // --- failures, denials, money --------------------------------------------------------------------
  function renderOnCall() {
    const set = (name, text) => ($(`[data-kpi="${name}"]`).textContent = text);
    const hint = (name, text) => ($(`[data-kpi-hint="${name}"]`).textContent = text);
    const { totals, platformErrorRate, timeoutsByFeature, denialsByFeature } = data.outcomes;
    set('failed', totals.failed.toLocaleString('en-US'));
    hint('failed', `${plural(totals.platformErrors, 'platform error')} · ${percent(BigInt(totals.failed), BigInt(totals.authorized))} of authorized`);
    set('error-rate', ratePercent(platformErrorRate.rate));
    hint('error-rate', `${platformErrorRate.errors.toLocaleString('en-US')} of ${plural(platformErrorRate.authorized, 'authorized usage')}`);
    set('denied', totals.denied.toLocaleString('en-US'));
    hint('denied', `${show(total(denialsByFeature.map((d) => d.credits)))} credits asked for`);
    set('timed-out', totals.timedOut.toLocaleString('en-US'));
    hint('timed-out', `${show(total(timeoutsByFeature.map((t) => t.credits)))} credits released`);
    const { revenue, refunds } = data.money;
    set('revenue', moneyText(revenue.total, data.money.currency));
    hint('revenue', plural(revenue.total.reduce((n, r) => n + r.purchases, 0), 'purchase'));
    set('refunds-money', moneyText(refunds.total, data.money.currency));
    hint('refunds-money', `${plural(refunds.total.reduce((n, r) => n + r.refunds, 0), 'refund')} · ${show(total(refunds.total.map((r) => r.credits)))} credits`);
  }

  function renderFailures(days) {
    const byDay = new Map(data.outcomes.days.map((d) => [d.day, d]));
    const count = (pick) => new Map(days.map((d) => [d, byDay.has(d) ? BigInt(pick(byDay.get(d))) * ONE : 0n]));
    const series = [
      { key: 'platform_error', label: 'Platform error', color: FAILURE_COLORS.platform_error, values: count((d) => d.platformErrors) },
      { key: 'cancelled', label: 'Cancelled', color: FAILURE_COLORS.cancelled, values: count((d) => d.failed - d.platformErrors - d.timedOut) },
      { key: 'timeout', label: 'Timed out', color: FAILURE_COLORS.timeout, values: count((d) => d.timedOut) },
      { key: 'denied', label: 'Denied', color: FAILURE_COLORS.denied, values: count((d) => d.denied) },
    ];
    $('[data-total="authorized"]').textContent = data.outcomes.totals.authorized.toLocaleString('en-US');
    barChart($('#chart-failures'), { days, series, stacked: true, height: 200, unit: 'usages' });
    legend($('#legend-failures'), series);

    const { failuresByReason, denialsByFeature } = data.outcomes;
    $('#failures-table').tBodies[0].replaceChildren(
      ...failuresByReason.map((f) =>
        el(
          'tr',
          { 'data-reason': f.reason, 'data-stage': f.stage },
          el('td', {}, swatch(FAILURE_COLORS[f.reason] || OTHER_COLOR), ' ', REASON_LABELS[f.reason] || f.reason),
          el('td', { class: 'muted', text: STAGE_LABELS[f.stage] || f.stage }),
          el('td', { class: 'num', 'data-col': 'uses' }, el('strong', { text: f.uses.toLocaleString('en-US') })),
          el('td', { class: 'num', 'data-col': 'credits', text: fmt(f.credits) }),
        ),
      ),
      ...(failuresByReason.length ? [] : [el('tr', {}, el('td', { colspan: 4, class: 'empty', text: 'No usage failed in this period.' }))]),
    );
    $('#denials-table').tBodies[0].replaceChildren(
      ...denialsByFeature.map((d) =>
        el(
          'tr',
          { 'data-feature': d.feature, 'data-phase': d.phase },
          el('td', {}, el('strong', { text: d.feature })),
          el('td', { class: 'muted', text: d.phase }),
          el('td', { class: 'num', 'data-col': 'uses', text: d.uses.toLocaleString('en-US') }),
          el('td', { class: 'num', 'data-col': 'credits', text: fmt(d.credits) }),
        ),
      ),
      ...(denialsByFeature.length ? [] : [el('tr', {}, el('td', { colspan: 4, class: 'empty', text: 'No usage was denied in this period.' }))]),
    );
  }

  function renderMoney() {
    const m = data.money;
    const cur = m.currency;
    $('[data-money="revenue"]').textContent = moneyText(m.revenue.total, cur);
    const row = (attrs, ...cells) => el('tr', attrs, ...cells);
    const amountCell = (col, amount, currency, strong) => el('td', { class: 'num', 'data-col': col }, strong ? el('strong', { text: moneyText([{ amount, currency }], cur) }) : moneyText([{ amount, currency }], cur));
    const none = (cols, text) => [el('tr', {}, el('td', { colspan: cols, class: 'empty', text }))];
    $('#revenue-package-table').tBodies[0].replaceChildren(
      ...m.revenue.byPackage.map((p) =>
        row(
          { 'data-package': p.packageId ?? '' },
          el('td', {}, p.packageId ? el('strong', { text: p.packageId }) : el('span', { class: 'muted', text: 'not in the catalog' })),
          el('td', { class: 'num', text: fmt(p.credits) }),
          el('td', { class: 'num', 'data-col': 'purchases', text: p.purchases.toLocaleString('en-US') }),
          amountCell('amount', p.amount, p.currency, true),
          amountCell('list', p.listAmount, p.currency),
        ),
      ),
      ...(m.revenue.byPackage.length ? [] : none(5, 'No purchase in this period.')),
    );
    $('#revenue-plan-table').tBodies[0].replaceChildren(
      ...m.revenue.byPlan.map((p) =>
        row(
          { 'data-plan': p.planId ?? '' },
          el('td', {}, p.planId ? el('strong', { text: p.planId }) : el('span', { class: 'muted', text: 'no plan' })),
          el('td', { class: 'num', 'data-col': 'purchases', text: p.purchases.toLocaleString('en-US') }),
          amountCell('amount', p.amount, p.currency, true),
        ),
      ),
      ...(m.revenue.byPlan.length ? [] : none(3, 'No purchase in this period.')),
    );
    $('#plan-grants-table').tBodies[0].replaceChildren(
      ...m.subscriptionGrants.map((g) =>
        row(
          { 'data-plan': g.planId ?? '' },
          el('td', {}, el('strong', { text: g.planId ?? '–' })),
          el('td', { class: 'muted', text: TYPE_LABELS[g.lotType] || g.lotType }),
          el('td', { class: 'num', text: g.grants.toLocaleString('en-US') }),
          el('td', { class: 'num', text: fmt(g.credits) }),
        ),
      ),
      ...(m.subscriptionGrants.length ? [] : none(4, 'No subscription grant in this period.')),
    );
    $('[data-money="refunds"]').textContent = moneyText(m.refunds.total, cur);
    $('[data-money-hint="refunds"]').textContent = `${plural(m.refunds.total.reduce((n, r) => n + r.refunds, 0), 'refund')} · ${show(total(m.refunds.total.map((r) => r.credits)))} credits · rounded ${m.refunds.rounding}`;
    $('[data-money="breakage"]').textContent = moneyText(m.breakage.total, cur);
    $('[data-money-hint="breakage"]').textContent = m.breakage.total.length
      ? `${show(total(m.breakage.total.map((b) => b.credits)))} credits · exact ${m.breakage.total.map((b) => b.amountUnrounded).join(' + ')}`
      : 'no bought credit expired';
    $('[data-money="breakage-free"]').textContent = fmt(m.breakage.unpricedCredits);
  }

  // --- reconciliation ----------------------------------------------------------------------------------
  const KIND_LABELS = { balance: 'Balance', lot: 'Lot', charge: 'Charge', price: 'Price', restore: 'Restoration', purchase: 'Purchase', refund: 'Refund', decision: 'Decision' };
  const evidenceText = (e) => `${e.type} at ${e.stream}@${e.revision} (position ${e.position}) ${e.eventId}`;

  function renderReconciliation() {
    const r = data.reconciliation;
    const status = $('#reconciliation-status');
    const body = $('#reconciliation-body');
    if (r.notRun) {
      status.className = 'badge warn';
      status.textContent = 'Not run yet';
      $('#reconciliation-sub').textContent = 'The independent reconciler checks every account against the records';
      body.replaceChildren(el('p', { class: 'empty', 'data-reconciliation': 'not-run', text: `${r.notRun[0].toUpperCase()}${r.notRun.slice(1)}.` }));
      return;
    }
    const found = r.discrepancies.length;
    status.className = `badge ${found ? 'bad' : 'good'}`;
    status.textContent = found ? `${found} discrepanc${found === 1 ? 'y' : 'ies'}` : 'Records agree';
    const every = r.intervalMs >= 60_000 ? `${+(r.intervalMs / 60_000).toFixed(1)} min` : `${r.intervalMs / 1000} s`;
    $('#reconciliation-sub').textContent = `Last run ${when(r.finishedAt)}:${r.finishedAt.slice(17, 19)} UTC (wall clock), every ${every}`;
    const cell = (name, label, value) => el('div', { class: 'cell' }, el('div', { class: 'label', text: label }), el('div', { class: 'value', 'data-reconciliation': name, text: value }));
    const kinds = Object.entries(r.discrepancyCounts).filter(([, n]) => n > 0);
    const summary = el(
      'div',
      { class: 'summary' },
      cell('accounts', 'Accounts checked', r.accounts.toLocaleString('en-US')),
      cell('wallet-events', 'Wallet events', r.events.wallet.toLocaleString('en-US')),
      cell('refund-events', 'Refund events', r.events.refund.toLocaleString('en-US')),
      cell('discrepancies', 'Discrepancies', found ? `${found} (${kinds.map(([k, n]) => `${n} ${KIND_LABELS[k] || k}`).join(', ')})` : '0'),
    );
    const table = el(
      'table',
      { id: 'discrepancies-table' },
      el('thead', {}, el('tr', {}, el('th', { text: 'Kind' }), el('th', { text: 'Account' }), el('th', { text: 'What' }), el('th', { text: 'Expected' }), el('th', { text: 'Found' }), el('th', { text: 'Evidence (offending last)' }))),
      el(
        'tbody',
        {},
        r.discrepancies.map((d) =>
          el(
            'tr',
            { class: 'clickable', 'data-kind': d.kind, 'data-account': d.account, onclick: () => openHistory(d.account) },
            el('td', {}, el('span', { class: 'badge bad', text: KIND_LABELS[d.kind] || d.kind })),
            el('td', {}, el('strong', { text: d.account })),
            el('td', { class: 'details', text: d.message }),
            el('td', { class: 'mono', 'data-col': 'expected', text: d.expected }),
            el('td', { class: 'mono', 'data-col': 'found', text: d.found }),
            el('td', { class: 'evidence' }, el('ol', {}, d.evidence.map((e) => el('li', { class: 'mono', 'data-event': e.eventId, text: evidenceText(e) })))),
          ),
        ),
        found ? [] : [el('tr', {}, el('td', { colspan: 6, class: 'empty', text: 'No discrepancy: every balance, charge, price, restoration, purchase and refund agrees with the records.' }))],
      ),
    );
    body.replaceChildren(summary, el('div', { class: 'table-wrap flush' }, table));
  }

  // --- freshness --------------------------------------------------------------------------------------
  let lastSuccess = null;
  let lastFailure = null;
  let refreshTimer = null;
  /** Reads in a row that found the read models behind the store (one alone is the usual few events in flight). */
  let behindReads = 0;

  /** The "data as of" line and the banner: offline, stale, behind the store, or nothing to say. */
  function renderFreshness() {
    if (!apiKey) return;
    const asOf = $('#as-of');
    if (lastSuccess) {
      asOf.textContent = `Data as of ${clockTime(lastSuccess)} UTC`;
      asOf.setAttribute('datetime', lastSuccess.toISOString());
      asOf.title = data && data.status ? `read models at store position ${data.status.position}; this tenant's latest event stored ${data.status.lastEventAt || 'never'}` : '';
    } else asOf.textContent = '';
    $('#auto-every').textContent = `${REFRESH_S} s`;
    const ageS = lastSuccess ? (Date.now() - lastSuccess.getTime()) / 1000 : 0;
    let state = 'live';
    let title = '';
    let text = '';
    if (lastFailure) {
      state = 'offline';
      title = 'Offline.';
      text = lastSuccess
        ? `The platform has not answered since ${clockTime(lastSuccess)} UTC (${lastFailure.message}, last tried ${clockTime(lastFailure.at)} UTC). The figures below are from ${clockTime(lastSuccess)} UTC and may be out of date.`
        : `The platform is not answering (${lastFailure.message}).`;
      text += $('#auto').checked ? ` Retrying every ${REFRESH_S} s.` : ' Refresh to try again.';
    } else if (lastSuccess && ageS > Math.max(3 * REFRESH_S, 90)) {
      state = 'stale';
      title = 'Stale figures.';
      text = `These figures were read at ${clockTime(lastSuccess)} UTC, ${Math.round(ageS / 60)} min ago.${$('#auto').checked ? '' : ' Auto-refresh is off: refresh to update them.'}`;
    } else if (data && data.status && data.status.pending && behindReads >= 2) {
      state = 'behind';
      title = 'Catching up.';
      text = `The read models are ${plural(data.status.pending, 'wallet event')} behind the store: the latest activity is not in these figures yet.`;
    }
    document.body.dataset.freshness = state;
    $('#dashboard').classList.toggle('stale', state === 'offline' || state === 'stale');
    const banner = $('#banner');
    banner.hidden = state === 'live';
    banner.className = `banner ${state}`;
    $('#banner-title').textContent = title;
    $('#banner-text').textContent = text;
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = apiKey && $('#auto').checked ? setTimeout(() => refresh(), REFRESH_S * 1000) : null;
  }

  /** Reloads the figures; keeps the ones shown when the platform does not answer. */
  async function refresh() {
    const key = apiKey;
    clearTimeout(refreshTimer);
    try {
      await load();
      if (key !== apiKey) return; // signed out (or in again) meanwhile: this answer is for nobody
      lastSuccess = new Date();
      lastFailure = null;
      behindReads = data.status.pending ? behindReads + 1 : 0;
      document.body.dataset.state = 'ready';
    } catch (error) {
      if (key !== apiKey) return;
      if (error instanceof AuthError) return signOut(error.message);
      lastFailure = { at: new Date(), message: error.message };
      if (!data) document.body.dataset.state = 'error';
    }
    renderFreshness();
    scheduleRefresh();
  }

  /** Hands a downloaded answer to the browser as a file. */
  function save(blob, filename) {
    const url = URL.createObjectURL(blob);
    const link = el('a', { href: url, download: filename, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  /** GETs a CSV with the key and saves it (the key cannot ride on a plain link). */
  async function downloadCsv(path, filename, button) {
    button.disabled = true;
    try {
      const res = await request(path, 'text/csv');
      if (res.status === 401 || res.status === 403) throw new AuthError('That key may not read the reports: it needs the ops (or admin) role.');
      if (!res.ok) throw new Error(`${path} answered ${res.status}`);
      save(await res.blob(), filename);
    } catch (error) {
      if (error instanceof AuthError) return signOut(error.message);
      lastFailure = { at: new Date(), message: `${filename}: ${error.message}` };
      renderFreshness();
    } finally {
      button.disabled = false;
    }
  }

  function downloadUsageCsv(groupBy, button) {
    if (!data) return;
    const q = data.from ? `&from=${data.from}&to=${data.to}` : '';
    downloadCsv(`/v1/reports/usage?groupBy=${encodeURIComponent(groupBy)}&format=csv${q}`, `usage-by-${groupBy}${data.from ? `-${data.from}-to-${data.to}` : ''}.csv`, button);
  }

  // --- account history ---------------------------------------------------------------------------
  const EVENTS = {
    AccountOpened: (e) => ['Account opened', `${e.kind}${e.members && e.members.length ? ` · members ${e.members.join(', ')}` : ''}`],
    MembersChanged: (e) => ['Members changed', (e.members || []).join(', ')],
    PlanAssigned: (e) => ['Plan assigned', e.planId],
    CreditsGranted: (e) => ['Credits granted', `${TYPE_LABELS[e.lotType] || e.lotType} · ${e.source ? `${e.source.kind} ${e.source.id}` : e.lotId}${e.expiresAt ? ` · expires ${when(e.expiresAt)}` : ''}`, units(e.amount)],
    HoldPlaced: (e) => ['Credits held', `${e.feature}${optionsText(e.options)}${e.userId ? ` · ${e.userId}` : ''} · ${e.usageId}${freeText(e.allowances)}`, -total((e.lots || []).map((l) => l.amount))],
    HoldCaptured: (e) => ['Hold captured', `${e.usageId} · ${show(units(e.amount))} charged`],
    HoldReleased: (e) => ['Hold released', `${e.usageId} · ${e.reason}`, units(e.amount)],
    AcceptCharged: (e) => ['Accept phase charged', e.usageId, -units(e.amount)],
    UsageDenied: (e) => ['Usage denied', e.rateLimit
      ? `${e.feature} · rate limit ${e.rateLimit.limitId} (${e.rateLimit.uses} a ${e.rateLimit.per}), retry at ${when(e.rateLimit.retryAt)}`
      : `${e.feature} · needed ${fmt(e.required)}, had ${fmt(e.available)}`],
    UsageRejected: (e) => ['Result rejected', e.usageId],
    UsageFailedAfterCompletion: (e) => ['Failed after completion', `${e.usageId} · ${e.reason}`],
    CreditsRestored: (e) => ['Credits restored', `${e.usageId} · ${humanReason(e.reason)}`, units(e.amount)],
    CreditsClawedBack: (e) => ['Credits clawed back', `refund ${e.refundId} · ${e.lotId}`, -units(e.amount)],
    ClawBackRefused: (e) => ['Claw-back refused', `refund ${e.refundId} · ${fmt(e.unused)} unused of ${fmt(e.requested)}`],
    RolloverExpired: (e) => ['Rollover expired', `above the cap of ${fmt(e.cap)}`, -units(e.amount)],
    LotExpired: (e) => ['Lot expired', `${e.lotId}${e.replacedBy ? ` · replaced by ${e.replacedBy}` : ''}`, -units(e.amount)],
    LoginRecorded: (e) => ['Login', `${e.loginId} · ${e.lotId}`],
    LowBalanceAlertRaised: (e) => ['Low-balance alert', `${fmt(e.available)} below ${fmt(e.threshold)}`],
    AutoTopUpRequested: (e) => ['Automatic top-up requested', `${e.packageId} · ${fmt(e.available)} below ${fmt(e.threshold)}`],
    AutoTopUpConfigured: (e) => ['Automatic top-up set', e.enabled ? `on · ${e.packageId || 'tenant package'} below ${e.threshold ? fmt(e.threshold) : 'the tenant threshold'}` : 'off'],
  };
  const TIME_FIELDS = ['openedAt', 'changedAt', 'assignedAt', 'grantedAt', 'placedAt', 'deniedAt', 'capturedAt', 'releasedAt', 'chargedAt', 'rejectedAt', 'failedAt', 'restoredAt', 'clawedBackAt', 'refusedAt', 'expiredAt', 'raisedAt', 'requestedAt', 'loggedInAt', 'configuredAt'];
  /** When it happened on the platform's clock (the event's own time), else when it was stored. */
  const eventTime = (t) => t[TIME_FIELDS.find((k) => typeof t[k] === 'string')] || t.recordedAt;
  function optionsText(options) {
    const values = Object.values(options || {});
    return values.length ? ` (${values.join(', ')})` : '';
  }
  /** What free allowances paid of a hold (the access waterfall), before its lots. */
  function freeText(allowances) {
    return (allowances || []).length ? ` · free: ${allowances.map((a) => `${fmt(a.credits)} (${a.allowanceId})`).join(', ')}` : '';
  }

  async function openHistory(accountId) {
    data.selected = accountId;
    $('#history-account').value = accountId;
    renderBalances();
    const body = $('#history-body');
    body.replaceChildren(el('p', { class: 'empty', text: `Loading ${accountId}…` }));
    $('#history').scrollIntoView({ behavior: 'smooth', block: 'start' });
    const path = `/v1/accounts/${encodeURIComponent(accountId)}`;
    let balance, history, members;
    try {
      [balance, history, members] = await Promise.all([api(`${path}/balance`), api(`${path}/transactions`), api(`${path}/members`)]);
    } catch (error) {
      if (error instanceof AuthError) return signOut(error.message);
      body.replaceChildren(el('p', { class: 'empty', text: error.status === 404 ? `No account "${accountId}" in this tenant.` : error.message }));
      return;
    }
    $('#history-sub').textContent = `${balance.accountId} · ${balance.type}${balance.members && balance.members.length ? ` · members ${balance.members.join(', ')}` : ''}${balance.planId ? ` · plan ${balance.planId}` : ''}`;
    const summary = el(
      'div',
      { class: 'summary' },
      el('div', { class: 'cell main' }, el('div', { class: 'label', text: 'Available' }), el('div', { class: 'value', 'data-history': 'available', text: fmt(balance.available) })),
      el('div', { class: 'cell' }, el('div', { class: 'label', text: 'Held' }), el('div', { class: 'value', 'data-history': 'held', text: fmt(balance.held) })),
      ...CREDIT_TYPES.filter((t) => units(balance.byType[t]) !== 0n).map((t) =>
        el('div', { class: 'cell' }, el('div', { class: 'label', text: TYPE_LABELS[t] }), el('div', { class: 'value', 'data-history': t, text: fmt(balance.byType[t]) })),
      ),
      ...forecastCells(balance.forecast),
    );
    const statement = el('button', { type: 'button', class: 'small', id: 'statement-csv', title: 'Every change with the balance after it and the event revision it reflects' }, 'Statement (CSV)');
    statement.addEventListener('click', () => downloadCsv(`${path}/statement?format=csv`, `${accountId}-statement.csv`, statement));
    const lots = el(
      'table',
      { id: 'lots-table' },
      el('thead', {}, el('tr', {}, el('th', { text: 'Lot' }), el('th', { text: 'Type' }), el('th', { class: 'num', text: 'Remaining' }), el('th', { text: 'Expires' }))),
      el(
        'tbody',
        {},
        balance.lots.map((l) =>
          el(
            'tr',
            {},
            el('td', { class: 'mono', text: l.lotId }),
            el('td', {}, el('span', { class: 'badge', text: TYPE_LABELS[l.type] || l.type })),
            el('td', { class: 'num' }, el('strong', { text: fmt(l.remaining) }), el('span', { class: 'muted', text: ` / ${fmt(l.amount)}` })),
            el('td', { class: 'mono muted', text: l.expiresAt ? when(l.expiresAt) : 'never' }),
          ),
        ),
        balance.lots.length ? [] : [el('tr', {}, el('td', { colspan: 4, class: 'empty', text: 'No lots.' }))],
      ),
    );
    // Who caused an event (the transactions answer's `principal`), in the words of `npm run ops -- account`.
    const principalText = (p) =>
      p.kind === 'api-key' ? `key ${p.keyId} (${p.role})`
      : p.kind === 'message' ? `${p.topic} ${p.partition}@${p.offset} (${p.messageId} from ${p.source})`
      : p.kind === 'scheduler' ? `scheduler tick ${p.tick}${p.trigger ? ` by ${principalText(p.trigger)}` : ''}`
      : p.kind;
    const events = [...history.transactions].reverse();
    const transactions = el(
      'table',
      { id: 'transactions-table' },
      el('thead', {}, el('tr', {}, el('th', { text: 'When (UTC)' }), el('th', { text: 'Event' }), el('th', { text: 'Details' }), el('th', { class: 'num', text: 'Available Δ' }))),
      el(
        'tbody',
        {},
        events.map((t) => {
          const [label, details, delta] = (EVENTS[t.type] || ((e) => [e.type.replace(/([a-z])([A-Z])/g, '$1 $2'), '']))(t);
          return el(
            'tr',
            { 'data-revision': t.revision, 'data-type': t.type },
            el('td', { class: 'mono muted', text: when(eventTime(t)), title: `stored ${t.recordedAt} · revision ${t.revision}${t.principal ? ` · by ${principalText(t.principal)}` : ''}` }),
            el('td', { class: 'event-type', text: label }),
            el('td', { class: 'details', text: details || '' }),
            el('td', { class: `num ${delta === undefined ? '' : delta > 0n ? 'delta-pos' : 'delta-neg'}`, text: delta === undefined || delta === 0n ? '' : `${delta > 0n ? '+' : ''}${show(delta)}` }),
          );
        }),
      ),
    );
    body.replaceChildren(
      summary,
      el('div', { class: 'downloads history-downloads' }, el('span', { class: 'muted', text: 'Statement of every change, with the running balance:' }), statement),
      el(
        'div',
        { class: 'grid' },
        el(
          'div',
          { class: 'span-5' },
          el('h3', { class: 'sub', text: `Lots (${balance.lots.length})` }),
          el('div', { class: 'table-wrap flush' }, lots),
          members.members.length ? membersTable(members) : null,
        ),
        el('div', { class: 'span-7' }, el('h3', { class: 'sub', text: `Events (${events.length}), newest first` }), el('div', { class: 'table-wrap flush' }, transactions)),
      ),
    );
  }

  /** The balance answer's forecast: the burn rate over its window and when the credits run out at it. */
  function forecastCells(forecast) {
    const cell = (name, label, value, hint) =>
      el('div', { class: 'cell' }, el('div', { class: 'label', text: label }), el('div', { class: 'value', 'data-history': name, text: value }), el('div', { class: 'hint', 'data-history-hint': name, text: hint }));
    const spending = units(forecast.perDay) > 0n;
    return [
      cell('burn-rate', 'Burn rate', `${fmt(forecast.perDay)} / day`, `${fmt(forecast.spent)} spent since ${forecast.since}`),
      cell(
        'runs-out',
        'Runs out',
        forecast.runsOutInDays === null ? 'not at this pace' : `in about ${forecast.runsOutInDays} day${forecast.runsOutInDays === 1 ? '' : 's'}`,
        spending && forecast.runsOutAt ? `around ${when(forecast.runsOutAt)} UTC` : 'nothing spent lately',
      ),
    ];
  }

  /** A team's members: each one's monthly spending limit on the shared balance and this month's spending. */
  function membersTable({ month, resetsAt, members }) {
    return [
      el('h3', { class: 'sub members-title', text: `Members, ${month} (resets ${when(resetsAt)} UTC)` }),
      el(
        'div',
        { class: 'table-wrap flush' },
        el(
          'table',
          { id: 'members-table' },
          el('thead', {}, el('tr', {}, el('th', { text: 'Member' }), el('th', { class: 'num', text: 'Monthly limit' }), el('th', { class: 'num', text: 'Spent' }), el('th', { class: 'num', text: 'Remaining' }))),
          el(
            'tbody',
            {},
            members.map((m) =>
              el(
                'tr',
                { 'data-member': m.userId },
                el('td', {}, el('strong', { text: m.userId })),
                el('td', { class: 'num', 'data-col': 'limit', text: m.monthlyLimit === null ? 'none' : fmt(m.monthlyLimit) }),
                el('td', { class: 'num', 'data-col': 'spent', text: fmt(m.spent) }),
                el('td', { class: 'num', 'data-col': 'remaining', text: m.remaining === null ? '–' : fmt(m.remaining) }),
              ),
            ),
          ),
        ),
      ),
    ];
  }

  // --- policy simulation ---------------------------------------------------------------------------
  const SIDE_COLORS = { recorded: '#7f8fa6', candidate: '#f2a65a' };
  /** The last simulation asked for and its answer, for the CSV of the same rows. */
  let simulation = null;

  /** The form as a request body, or an Error saying what is wrong with it. */
  function simulationRequest() {
    const text = $('#simulation-candidate').value.trim();
    if (!text) return new Error('Paste a candidate tenant file (JSON) or load one.');
    let candidate;
    try {
      candidate = JSON.parse(text);
    } catch (error) {
      return new Error(`The candidate is not JSON: ${error.message}`);
    }
    if (candidate === null || typeof candidate !== 'object' || Array.isArray(candidate)) return new Error('The candidate must be a JSON object: a whole tenant file.');
    const from = $('#simulation-from').value;
    const to = $('#simulation-to').value;
    if (!from || !to) return new Error('Choose the first and the last day of the period.');
    if (from > to) return new Error(`The period starts (${from}) after it ends (${to}).`);
    // The last day is inclusive: the period ends at the start of the day after it.
    return { from: `${from}T00:00:00.000Z`, to: `${addDays(to, 1)}T00:00:00.000Z`, candidate };
  }

  /** POSTs a simulation with the admin key of the card, else the signed-in key; errors say what to do. */
  async function postSimulation(body, format) {
    const key = $('#simulation-key').value.trim() || apiKey;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 120_000);
    let res;
    try {
      res = await fetch(`/v1/admin/simulations?format=${format}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', Accept: format === 'csv' ? 'text/csv' : 'application/json' },
        body: JSON.stringify(body),
        signal: abort.signal,
        cache: 'no-store',
      });
    } catch (error) {
      throw new Error(error.name === 'AbortError' ? 'the simulation gave no answer within 120 s' : 'the platform cannot be reached');
    } finally {
      clearTimeout(timer);
    }
    if (res.ok) return res;
    const answer = await res.json().catch(() => null);
    if (res.status === 401) throw new Error('That admin key was not accepted (401).');
    if (res.status === 403) throw new Error('Simulations need a key with the admin role: enter one in "Admin key" (it is kept only while this page is open).');
    const problems = answer && answer.details && Array.isArray(answer.details.problems) ? answer.details.problems : [];
    const error = new Error((answer && answer.message) || `the simulation answered ${res.status}`);
    error.problems = problems;
    throw error;
  }

  function showSimulationError(error) {
    const box = $('#simulation-error');
    box.replaceChildren(error.message, ...(error.problems && error.problems.length ? [el('ul', {}, error.problems.map((p) => el('li', { text: `${p.path ? `${p.path}: ` : ''}${p.message}` })))] : []));
  }

  async function runSimulation(event) {
    event.preventDefault();
    const body = simulationRequest();
    $('#simulation-error').replaceChildren();
    if (body instanceof Error) return showSimulationError(body);
    const button = $('#simulation-run');
    button.disabled = true;
    $('#simulation-body').replaceChildren(el('p', { class: 'empty', text: 'Replaying the period…' }));
    try {
      const report = await (await postSimulation(body, 'json')).json();
      simulation = { body, report };
      renderSimulation(report);
      $('#simulation-csv').disabled = false;
    } catch (error) {
      simulation = null;
      $('#simulation-csv').disabled = true;
      $('#simulation-body').replaceChildren();
      showSimulationError(error);
    } finally {
      button.disabled = false;
    }
  }

  async function downloadSimulationCsv() {
    if (!simulation) return;
    const button = $('#simulation-csv');
    button.disabled = true;
    try {
      const res = await postSimulation(simulation.body, 'csv');
      save(await res.blob(), `simulation-${simulation.report.tenantId}-${dayOf(simulation.report.from)}-to-${addDays(dayOf(simulation.report.to), -1)}.csv`);
    } catch (error) {
      showSimulationError(error);
    } finally {
      button.disabled = false;
    }
  }

  /** "USD 1.00" per currency, or "none". */
  const moneyByCurrency = (byCurrency) => (Object.keys(byCurrency).length ? Object.entries(byCurrency).map(([c, a]) => `${c} ${moneyAmount(a)}`).join(' + ') : 'none');
  const signed = (text) => (units(text) > 0n ? `+${fmt(text)}` : fmt(text));

  function renderSimulation(r) {
    const cell = (name, label, value, hint) =>
      el('div', { class: 'cell' }, el('div', { class: 'label', text: label }), el('div', { class: 'value', 'data-simulation': name, text: value }), el('div', { class: 'hint', text: hint }));
    const arrow = (recorded, candidate) => `${recorded} → ${candidate}`;
    const earlier = r.accountsRanOut.candidateEarlier;
    const notReplayed = Object.entries(r.notReplayed);
    const summary = el(
      'div',
      { class: 'summary' },
      cell('credits', 'Credits charged', arrow(fmt(r.totals.recordedCredits), fmt(r.totals.candidateCredits)), `${signed(r.totals.change)} · ${plural(r.accounts, 'account')}`),
      cell('denials', 'Denials', arrow(r.denials.recorded, r.denials.candidate), 'for want of credits'),
      cell('ran-out', 'Accounts hitting zero', arrow(r.accountsRanOut.recorded, r.accountsRanOut.candidate), earlier.length ? `${earlier.length} earlier: ${earlier.map((a) => `${a.accountId} ${when(a.candidate)}`).join(', ')}` : 'none earlier than recorded'),
      cell('breakage', 'Breakage (credits)', arrow(fmt(r.breakage.recordedCredits), fmt(r.breakage.candidateCredits)), `bought credits: ${arrow(moneyByCurrency(r.breakage.recordedMoney), moneyByCurrency(r.breakage.candidateMoney))}`),
      cell('refunds', 'Refunds owed', arrow(moneyByCurrency(r.clawedBack.recordedMoney), moneyByCurrency(r.clawedBack.candidateMoney)), `credits clawed back: ${arrow(fmt(r.clawedBack.recordedCredits), fmt(r.clawedBack.candidateCredits))}`),
      cell('revenue', 'Revenue', arrow(moneyByCurrency(r.revenue.recordedMoney), moneyByCurrency(r.revenue.candidateMoney)), 'purchases are replayed as made: a candidate price does not change what people bought'),
    );
    const byFeature = new Map();
    for (const row of r.rows) {
      const f = byFeature.get(row.feature) || { recorded: 0n, candidate: 0n };
      f.recorded += units(row.recordedCredits);
      f.candidate += units(row.candidateCredits);
      byFeature.set(row.feature, f);
    }
    const chart = el('div', { class: 'chart', id: 'chart-simulation' });
    const table = el(
      'table',
      { id: 'simulation-table' },
      el('thead', {}, el('tr', {}, el('th', { text: 'Feature' }), el('th', { text: 'Plan' }), el('th', { class: 'num', text: 'Usages' }), el('th', { class: 'num', text: 'Recorded' }), el('th', { class: 'num', text: 'Candidate' }), el('th', { class: 'num', text: 'Change' }))),
      el(
        'tbody',
        {},
        r.rows.map((row) =>
          el(
            'tr',
            { 'data-feature': row.feature, 'data-plan': row.plan },
            el('td', {}, el('strong', { text: row.feature })),
            el('td', { class: 'muted', text: row.plan }),
            el('td', { class: 'num', 'data-col': 'usages', text: row.usages.toLocaleString('en-US') }),
            el('td', { class: 'num', 'data-col': 'recorded', text: fmt(row.recordedCredits) }),
            el('td', { class: 'num', 'data-col': 'candidate', text: fmt(row.candidateCredits) }),
            el('td', { class: `num ${units(row.change) > 0n ? 'delta-pos' : ''}`, 'data-col': 'change', text: signed(row.change) }),
          ),
        ),
        r.rows.length ? [] : [el('tr', {}, el('td', { colspan: 6, class: 'empty', text: 'No usage recorded in this period.' }))],
      ),
    );
    $('#simulation-body').replaceChildren(
      el('p', { class: 'sub', 'data-simulation': 'period', text: `${r.tenantId} · ${when(r.from)} to ${when(r.to)} UTC` }),
      summary,
      el('h3', { class: 'sub minor', text: 'Credits charged per feature, recorded and under the candidate' }),
      chart,
      el('div', { class: 'legend' }, el('span', {}, swatch(SIDE_COLORS.recorded), 'Recorded'), el('span', {}, swatch(SIDE_COLORS.candidate), 'Candidate')),
      el('h3', { class: 'sub minor', text: 'Per feature and plan' }),
      el('div', { class: 'table-wrap flush' }, table),
      ...(notReplayed.length ? [el('p', { class: 'sub', 'data-simulation': 'not-replayed', text: `Not replayed: ${notReplayed.map(([why, n]) => `${why} (${n})`).join('; ')}` })] : []),
    );
    comparisonChart(chart, [...byFeature].map(([feature, f]) => ({ key: feature, recorded: f.recorded, candidate: f.candidate })));
  }

  /** Two horizontal bars per row (recorded, candidate) on one scale, with their figures. */
  function comparisonChart(host, rows) {
    host.replaceChildren();
    if (!rows.length) {
      host.append(el('p', { class: 'empty', text: 'Nothing charged in this period.' }));
      return;
    }
    const width = Math.max(300, host.clientWidth || 640);
    const rowH = 46;
    const labelW = Math.min(170, width * 0.34);
    const valueW = 70;
    const plotW = width - labelW - valueW;
    const max = Math.max(...rows.map((r) => Math.max(approx(r.recorded), approx(r.candidate))), 1e-9);
    const root = svg('svg', { viewBox: `0 0 ${width} ${rows.length * rowH}`, role: 'img', 'aria-label': 'Credits charged per feature, recorded and under the candidate' });
    rows.forEach((r, i) => {
      const top = i * rowH + 6;
      const g = svg('g', { 'data-feature': r.key, 'data-recorded': show(r.recorded), 'data-candidate': show(r.candidate) });
      g.append(svg('text', { class: 'bar-label', x: 0, y: top + 19 }, r.key.length > 22 ? `${r.key.slice(0, 21)}…` : r.key));
      ['recorded', 'candidate'].forEach((side, j) => {
        const y = top + j * 16;
        const w = Math.max((approx(r[side]) / max) * plotW, r[side] > 0n ? 2 : 0);
        g.append(
          svg('rect', { class: `bar ${side}`, x: labelW, y, width: w, height: 13, rx: 3, fill: SIDE_COLORS[side] }),
          svg('text', { class: 'bar-value', x: labelW + w + 6, y: y + 11 }, show(r[side])),
        );
      });
      g.addEventListener('mousemove', (e) => showTooltip(e, r.key, [[SIDE_COLORS.recorded, 'recorded', show(r.recorded)], [SIDE_COLORS.candidate, 'candidate', show(r.candidate)]]));
      g.addEventListener('mouseleave', hideTooltip);
      root.append(g);
    });
    host.append(root);
  }

  // --- loading -----------------------------------------------------------------------------------
  function renderAll() {
    const days = periodDays();
    renderKpis();
    renderOnCall();
    renderFailures(days);
    renderMoney();
    renderUsage(days);
    renderMembers();
    renderFlows(days);
    renderBalances();
    renderLowBalance();
    renderRefunds();
    renderReconciliation();
  }

  async function load() {
    const key = apiKey;
    const range = $('#range').value;
    // The platform's clock (manual in demos) and how current the read models are.
    const status = await api('/v1/projections/status');
    const today = dayOf(status.now);
    const from = range === 'all' ? null : addDays(today, -(Number(range) - 1));
    const q = from ? `?from=${from}&to=${today}` : '';
    const qa = from ? `&from=${from}&to=${today}` : '';
    const [balances, low, usageByDay, byMember, flows, refunds, outcomes, money, reconciliation] = await Promise.all([
      api('/v1/projections/balances'),
      api('/v1/projections/low-balance'),
      api(`/v1/projections/usage-by-day${q}`),
      api(`/v1/reports/usage?groupBy=user${qa}`),
      api(`/v1/projections/credit-flows${q}`),
      api('/v1/projections/refunds'),
      api(`/v1/projections/usage-outcomes${q}`),
      api(`/v1/projections/money${q}`),
      // 404 until the periodic reconciler has run once (or when it is off): the card says why.
      api('/v1/reconciliation').catch((error) => (error.status === 404 ? { notRun: error.message } : Promise.reject(error))),
    ]);
    if (key !== apiKey) return; // signed out meanwhile
    const inRange = (iso) => !from || (dayOf(iso) >= from && dayOf(iso) <= today);
    data = {
      ...(data || {}),
      now: status.now,
      status,
      from,
      to: from ? today : null,
      outcomes,
      money,
      range,
      rangeLabel: range === 'all' ? 'all time' : `last ${range} days`,
      balances: balances.balances,
      low,
      usageByDay: usageByDay.rows,
      byMember: byMember.rows,
      flows: flows.days,
      refunds: refunds.refunds.filter((r) => inRange(r.at)),
      reconciliation,
    };
    $('#meta').textContent = `Platform time ${when(status.now)} UTC · ${status.mode}`;
    // The simulation's period starts as the last 30 days, on the platform's clock.
    if (!$('#simulation-from').value) $('#simulation-from').value = addDays(today, -29);
    if (!$('#simulation-to').value) $('#simulation-to').value = today;
    renderAll();
  }

  async function enter() {
    $('#signin').hidden = true;
    $('#dashboard').hidden = false;
    $('#controls').hidden = false;
    await refresh();
  }

  function signOut(message = '') {
    sessionStorage.removeItem(STORAGE_KEY);
    apiKey = null;
    data = null;
    lastSuccess = null;
    lastFailure = null;
    behindReads = 0;
    clearTimeout(refreshTimer);
    simulation = null;
    $('#simulation-key').value = '';
    $('#simulation-body').replaceChildren();
    $('#simulation-error').replaceChildren();
    $('#simulation-csv').disabled = true;
    $('#banner').hidden = true;
    delete document.body.dataset.freshness;
    $('#dashboard').hidden = true;
    $('#controls').hidden = true;
    $('#signin').hidden = false;
    $('#signin-error').textContent = message;
    $('#key').value = '';
    $('#key').focus();
    document.body.dataset.state = 'signed-out';
  }

  $('#signin-form').addEventListener('submit', (event) => {
    event.preventDefault();
    apiKey = $('#key').value.trim();
    if (!apiKey) return;
    sessionStorage.setItem(STORAGE_KEY, apiKey);
    $('#signin-error').textContent = '';
    enter();
  });
  $('#signout').addEventListener('click', () => signOut());
  $('#refresh').addEventListener('click', () => refresh());
  $('#range').addEventListener('change', () => refresh());
  $('#auto').addEventListener('change', () => {
    scheduleRefresh();
    renderFreshness();
  });
  for (const button of document.querySelectorAll('[data-csv]')) button.addEventListener('click', () => downloadUsageCsv(button.dataset.csv, button));
  // The banner also notices figures growing old while nothing is tried (auto-refresh off, a sleeping tab).
  setInterval(renderFreshness, 5_000);
  $('#balance-filter').addEventListener('input', () => data && renderBalances());
  $('#history-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const id = $('#history-account').value.trim();
    if (id && data) openHistory(id);
  });
  $('#simulation-form').addEventListener('submit', runSimulation);
  $('#simulation-csv').addEventListener('click', downloadSimulationCsv);
  $('#simulation-file').addEventListener('change', async (event) => {
    const [file] = event.target.files;
    if (file) $('#simulation-candidate').value = await file.text();
  });
  let resizeTimer = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => data && renderAll(), 150);
  });

  if (apiKey) enter();
  else signOut();
})();
