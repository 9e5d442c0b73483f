// Prints the README's table (creditflow | baseline | ratio | goal | holds?) from the newest recorded
// results of bench:http, bench:kafka and bench:cold-start (or those of --date YYYY-MM-DD).
//   npm run bench:summary [-- --date 2026-12-02]
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_DIR, stringFlag } from './lib/common';

const date = stringFlag('date', '');

function newest(kind: string, except?: string): any | null {
  const results = readdirSync(RESULTS_DIR)
    .filter((f) => f.endsWith('.json') && f.slice(11).startsWith(`${kind}-`) && !(except && f.slice(11).startsWith(except)) && (!date || f.startsWith(date)))
    .map((f) => JSON.parse(readFileSync(join(RESULTS_DIR, f), 'utf8')))
    .sort((a, b) => String(a.date).localeCompare(String(b.date))); // by when it ran: names of one day do not sort by time
  return results.length ? results[results.length - 1] : null;
}

/** The upper end of "a-b" (or the number). */
const hi = (r: string) => Number(String(r).split('-').pop());
const lo = (r: string) => Number(String(r).split('-')[0]);
const yes = (ok: boolean) => (ok ? 'yes' : '**no**');

const rows: string[] = [];
const http = newest('http', 'http-kill-check-');
// A kill -9 check recorded on its own (bench:http --only-kill-check) stands beside the full run's.
const killOnly = newest('http-kill-check');
if (http) {
  const s = http.summary;
  for (const c of Object.keys(s.saturation)) {
    const x = s.saturation[c];
    rows.push(`| embedded HTTP, authorize+complete pairs/s at saturation (${c} connections) | ${x.creditflowPairsPerSecond} pairs/s (${x.creditflowRequestsPerSecond} requests/s), p50 ${x.creditflowP50Ms} ms, p99 ${x.creditflowP99Ms} ms, ${x.creditflowServerCpuMsPerPair} ms of server CPU per pair | raw Node \`http\` JSON server: ${x.rawRequestsPerSecond} requests/s, ${x.rawServerCpuMsPerPair} ms CPU per pair | ${x.ratioRequestsPerSecond} | >= 0.25 of its requests/s | ${yes(lo(x.ratioRequestsPerSecond) >= 0.25)} |`);
  }
  for (const rate of Object.keys(s.fixedRate).sort((a, b) => Number(b) - Number(a))) {
    const x = s.fixedRate[rate];
    const isK = Number(rate) === 1000;
    const kills = [s.killCheck, killOnly?.summary.killCheck].filter(Boolean);
    const kill = kills.map((k) => `; kill -9: ${k.lostAfterRestart} of ${k.authorizesAnswered200} answered authorizes lost`).join('');
    rows.push(`| embedded HTTP at a fixed ${Number(rate).toLocaleString('en')} requests/s | keeps up with ${x.creditflowAchievedPerSecond}/s; authorize p50 ${x.creditflowAuthorizeP50Ms} ms, p99 ${x.creditflowAuthorizeP99Ms} ms${isK ? kill : ''} | ${x.rawAchievedPerSecond}/s, authorize p50 ${x.rawAuthorizeP50Ms} ms, p99 ${x.rawAuthorizeP99Ms} ms | - | ${isK ? 'authorize p99 <= 5 ms, nothing lost on kill -9' : '-'} | ${isK ? yes(hi(x.creditflowAuthorizeP99Ms) <= 5 && kills.every((k) => k.lostAfterRestart === 0)) : '-'} |`);
  }
  rows.push(`| hot accounts (${http.parameters.hotAccounts}), charges/s over HTTP (${http.parameters.hotConnections} connections) | ${s.hot.creditflowChargesPerSecond} | PostgreSQL row-lock \`UPDATE ... WHERE balance >= cost\` + ledger insert, ${http.parameters.pgClients} clients: ${s.hot.postgresChargesPerSecond} | ${s.hot.ratio} | >= 2 | ${yes(lo(s.hot.ratio) >= 2)} |`);
  rows.push(`| spread accounts (${http.parameters.spreadAccounts}), charges/s over HTTP (${http.parameters.hotConnections} connections) | ${s.spread.creditflowChargesPerSecond} | the same PostgreSQL baseline on ${http.parameters.spreadAccounts} accounts: ${s.spread.postgresChargesPerSecond} | ${s.spread.ratio} | >= 2 | ${yes(lo(s.spread.ratio) >= 2)} |`);
}
const kafka = newest('kafka');
if (kafka) {
  const t = kafka.summary.throughput;
  const l = kafka.summary.latency;
  rows.push(`| Kafka: usage command in -> decision out | ${t.creditflowDecisionsPerSecond} decisions/s | raw kafkajs consume->produce of the same messages, same broker: ${t.passthroughMessagesPerSecond}/s | ${t.ratio} | >= 0.5 | ${yes(lo(t.ratio) >= 0.5)} |`);
  rows.push(`| Kafka latency at ${l.rate} msgs/s | p50 ${l.creditflowP50Ms} ms, p99 ${l.creditflowP99Ms} ms | p50 ${l.passthroughP50Ms} ms, p99 ${l.passthroughP99Ms} ms | p99 ${l.p99Ratio}x | p99 <= 3x | ${yes(hi(l.p99Ratio) <= 3)} |`);
}
const cold = newest('cold-start');
if (cold) {
  const h = cold.summary.history;
  const sizes = Object.keys(h).sort((a, b) => Number(a) - Number(b));
  const k = (n: string) => (Number(n) >= 1000 ? `${Number(n) / 1000}k` : n);
  const biggest = h[sizes[sizes.length - 1]];
  rows.push(`| first answer for an account with ${sizes.map(k).join(' / ')} events after a restart | ${sizes.map((n) => h[n].creditflowFirstAnswerMs).join(' / ')} ms | reading and parsing that account's events from SQLite: ${sizes.map((n) => h[n].readAndParseMs).join(' / ')} ms | - | <= 20 ms at 100,000 events, flat | ${yes(hi(biggest.creditflowFirstAnswerMs) <= 20)} |`);
  const st = cold.summary.startup;
  rows.push(`| first start on a store of ${st.accounts.toLocaleString('en')} accounts (${st.events.toLocaleString('en')} events) | ${(lo(st.firstStartFirstAnswerMs) / 1000).toFixed(0)}-${(hi(st.firstStartFirstAnswerMs) / 1000).toFixed(0)} s before serving | later starts ${(lo(st.laterStartFirstAnswerMs) / 1000).toFixed(1)}-${(hi(st.laterStartFirstAnswerMs) / 1000).toFixed(1)} s | - | in seconds | ${yes(hi(st.firstStartFirstAnswerMs) < 10_000)} |`);
  const r = cold.summary.rebuild;
  rows.push(`| \`npm run projections:rebuild\`, ${r.events.toLocaleString('en')} events | ${r.creditflowEventsPerSecond} events/s | reading and parsing the same events: ${r.readAndParseEventsPerSecond}/s | ${r.ratio} | >= 100,000 events/s | ${yes(lo(r.creditflowEventsPerSecond) >= 100_000)} |`);
}
console.log('| what | creditflow | baseline on the same machine | ratio | goal | holds? |');
console.log('|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
for (const [name, result] of [['http', http], ['http kill -9 check', killOnly], ['kafka', kafka], ['cold-start', cold]] as const) {
  if (result) console.log(`\n${name}: ${result.date}, ${result.machine.cores} cores ${result.machine.cpu}, Node ${result.machine.node}, load average (1 min) ${result.loadAverage1m ? `${result.loadAverage1m.min}-${result.loadAverage1m.max}` : `at start ${result.machine.loadAverageAtStart[0]}`}${result.machine.note ? `; ${result.machine.note}` : ''}`);
}
