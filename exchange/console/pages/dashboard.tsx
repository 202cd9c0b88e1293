import type { FastifyInstance } from 'fastify';
import type { ComponentChildren } from 'preact';
import type { CaseStats, ExchangeStats } from '../../../contracts/generated/api.ts';
import type { PageContext } from '../context.ts';
import { formatNumber, formatTime } from '../format.ts';
import { type Lang, texts } from '../i18n.ts';
import { Layout, Head } from '../ui.tsx';

const text = texts({
  zh: {
    period: (from: string, until: string) => `统计期间：${from} 至 ${until}（北京时间）`,
    flows: '每日数据流入与流出',
    flowsSummary: (i: string, o: string) => `期间共流入 ${i} 条记录，流出 ${o} 条记录。`,
    recordsIn: '流入记录（发布）',
    recordsOut: '流出记录（读取、核验、推送）',
    day: '日期',
    lag: '订阅积压',
    lagSummary: (n: number) => (n ? `${n} 个订阅，按积压从多到少排列。` : '当前没有有效订阅。'),
    subscription: '订阅',
    lagEvents: '未确认的事件数',
    lastDelivery: '最近投递',
    status: '状态',
    cases: '共享申请办理',
    onTimeRate: '按时办结率',
    medianDays: '办结用时中位数（工作日）',
    received: '收到',
    decided: '办结',
    backlog: '待办',
    dataset: '数据集',
    casesSummary: (rate: string, decided: string) => `已办结 ${decided} 件，按时办结率 ${rate}。`,
    quality: '未解决的数据质量问题',
    qualitySummary: (n: string) => `共 ${n} 个未解决的问题。`,
    kind: '类型',
    open: '未解决',
    table: '查看数据表',
    kinds_conflict: '来源冲突',
    'kinds_dangling-link': '关联缺失',
    active: '正常',
    failing: '投递失败',
    daysUnit: '个工作日',
  },
  en: {
    period: (from: string, until: string) => `Period: ${from} to ${until} (China Standard Time)`,
    flows: 'Records in and out per day',
    flowsSummary: (i: string, o: string) => `${i} records came in and ${o} went out in the period.`,
    recordsIn: 'Records in (published)',
    recordsOut: 'Records out (reads, verifications, deliveries)',
    day: 'Day',
    lag: 'Subscription lag',
    lagSummary: (n: number) => (n ? `${n} subscriptions, the most behind first.` : 'No live subscriptions.'),
    subscription: 'Subscription',
    lagEvents: 'Events not yet acknowledged',
    lastDelivery: 'Last delivery',
    status: 'Status',
    cases: 'Sharing requests',
    onTimeRate: 'Decided on time',
    medianDays: 'Median working days to decide',
    received: 'Received',
    decided: 'Decided',
    backlog: 'Open',
    dataset: 'Dataset',
    casesSummary: (rate: string, decided: string) => `${decided} decided, ${rate} on time.`,
    quality: 'Open data-quality issues',
    qualitySummary: (n: string) => `${n} open issues.`,
    kind: 'Kind',
    open: 'Open',
    table: 'Show the data as a table',
    kinds_conflict: 'Conflicting sources',
    'kinds_dangling-link': 'Dangling link',
    active: 'Active',
    failing: 'Failing',
    daysUnit: 'working days',
  },
});

// colour-blind-safe pair (blue / orange) and a neutral, at AA contrast on white
const blue = '#0b57a4';
const orange = '#b35900';
const grey = '#5f6b7a';

/** A chart (drawn by assets/charts.js from this JSON) with its figures as a table for screen readers and keyboards. */
function Chart(props: { id: string; label: string; config: unknown; children: ComponentChildren; lang: Lang }) {
  const t = text(props.lang);
  return (
    <>
      <div class="chart">
        <canvas id={props.id} role="img" aria-label={props.label} data-chart={JSON.stringify(props.config)} />
      </div>
      <details>
        <summary>{t.table}</summary>
        {props.children}
      </details>
    </>
  );
}

const percent = (rate: number | null) => (rate === null ? '—' : `${Math.round(rate * 1000) / 10}%`);

function Flows({ ctx, stats }: { ctx: PageContext; stats: ExchangeStats }) {
  const t = text(ctx.lang);
  const totalIn = stats.days.reduce((n, d) => n + d.recordsIn, 0);
  const totalOut = stats.days.reduce((n, d) => n + d.recordsOut, 0);
  const summary = t.flowsSummary(formatNumber(ctx.lang, totalIn), formatNumber(ctx.lang, totalOut));
  const config = {
    type: 'bar',
    data: {
      labels: stats.days.map((d) => d.day.slice(5)),
      datasets: [
        { label: t.recordsIn, data: stats.days.map((d) => d.recordsIn), backgroundColor: blue },
        { label: t.recordsOut, data: stats.days.map((d) => d.recordsOut), backgroundColor: orange },
      ],
    },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  };
  return (
    <section class="card" aria-labelledby="flows">
      <h2 id="flows">{t.flows}</h2>
      <p>{summary}</p>
      <Chart id="chart-flows" label={`${t.flows}：${summary}`} config={config} lang={ctx.lang}>
        <table>
          <Head columns={[t.day, { num: t.recordsIn }, { num: t.recordsOut }]} />
          <tbody>
            {stats.days.map((d) => (
              <tr key={d.day}>
                <td>{d.day}</td>
                <td class="num">{formatNumber(ctx.lang, d.recordsIn)}</td>
                <td class="num">{formatNumber(ctx.lang, d.recordsOut)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Chart>
    </section>
  );
}

function Lag({ ctx, stats }: { ctx: PageContext; stats: ExchangeStats }) {
  const t = text(ctx.lang);
  const subs = stats.subscriptions;
  const name = (s: ExchangeStats['subscriptions'][number]) => `${s.system.name} → ${s.datasetName}`;
  const config = {
    type: 'bar',
    data: {
      labels: subs.map(name),
      datasets: [{ label: t.lagEvents, data: subs.map((s) => s.lag), backgroundColor: subs.map((s) => (s.status === 'failing' ? orange : blue)) }],
    },
    options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
  };
  return (
    <section class="card" aria-labelledby="lag">
      <h2 id="lag">{t.lag}</h2>
      <p>{t.lagSummary(subs.length)}</p>
      {subs.length ? (
        <Chart id="chart-lag" label={`${t.lag}：${t.lagSummary(subs.length)}`} config={config} lang={ctx.lang}>
          <table>
            <Head columns={[t.subscription, { num: t.lagEvents }, t.status, t.lastDelivery]} />
            <tbody>
              {subs.map((s) => (
                <tr key={s.id}>
                  <td>{name(s)}</td>
                  <td class="num">{formatNumber(ctx.lang, s.lag)}</td>
                  <td>{t[s.status]}</td>
                  <td>{formatTime(ctx.lang, s.lastDeliveryAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Chart>
      ) : null}
    </section>
  );
}

function Cases({ ctx, stats }: { ctx: PageContext; stats: CaseStats }) {
  const t = text(ctx.lang);
  const decided = stats.items.reduce((n, s) => n + s.decided, 0);
  const onTime = stats.items.reduce((n, s) => n + (s.onTimeRate ?? 0) * s.decided, 0);
  const rate = decided ? onTime / decided : null;
  const config = {
    type: 'bar',
    data: {
      labels: stats.items.map((s) => s.datasetName),
      datasets: [
        { label: t.received, data: stats.items.map((s) => s.received), backgroundColor: grey },
        { label: t.decided, data: stats.items.map((s) => s.decided), backgroundColor: blue },
        { label: t.backlog, data: stats.items.map((s) => s.openBacklog), backgroundColor: orange },
        { type: 'line', label: t.medianDays, data: stats.items.map((s) => s.medianDays), borderColor: '#1b1f24', backgroundColor: '#1b1f24', yAxisID: 'days' },
      ],
    },
    options: {
      scales: {
        y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: t.cases } },
        days: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: t.daysUnit } },
      },
    },
  };
  const summary = t.casesSummary(percent(rate), formatNumber(ctx.lang, decided));
  return (
    <section class="card" aria-labelledby="cases">
      <h2 id="cases">{t.cases}</h2>
      <div class="figures">
        <div>
          <span>{t.onTimeRate}</span>
          <strong>{percent(rate)}</strong>
        </div>
        <div>
          <span>{t.decided}</span>
          <strong>{formatNumber(ctx.lang, decided)}</strong>
        </div>
      </div>
      {stats.items.length ? (
        <Chart id="chart-cases" label={`${t.cases}：${summary}`} config={config} lang={ctx.lang}>
          <table>
            <Head columns={[t.dataset, { num: t.received }, { num: t.decided }, { num: t.onTimeRate }, { num: t.medianDays }, { num: t.backlog }]} />
            <tbody>
              {stats.items.map((s) => (
                <tr key={`${s.department.id}/${s.dataset}`}>
                  <td>{s.datasetName}</td>
                  <td class="num">{formatNumber(ctx.lang, s.received)}</td>
                  <td class="num">{formatNumber(ctx.lang, s.decided)}</td>
                  <td class="num">{percent(s.onTimeRate)}</td>
                  <td class="num">{s.medianDays === null ? '—' : `${s.medianDays} ${t.daysUnit}`}</td>
                  <td class="num">{formatNumber(ctx.lang, s.openBacklog)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Chart>
      ) : (
        <p>{ctx.t.noneFound}</p>
      )}
    </section>
  );
}

function Quality({ ctx, stats }: { ctx: PageContext; stats: ExchangeStats }) {
  const t = text(ctx.lang);
  const issues = stats.qualityIssues;
  const datasets = [...new Set(issues.map((q) => q.datasetName))];
  const kinds = [...new Set(issues.map((q) => q.kind))];
  const kindName = (k: string) => (k === 'conflict' ? t.kinds_conflict : k === 'dangling-link' ? t['kinds_dangling-link'] : k);
  const config = {
    type: 'bar',
    data: {
      labels: datasets,
      datasets: kinds.map((k, i) => ({
        label: kindName(k),
        data: datasets.map((d) => issues.find((q) => q.datasetName === d && q.kind === k)?.open ?? 0),
        backgroundColor: [orange, blue, grey][i % 3],
      })),
    },
    options: { indexAxis: 'y', scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } } },
  };
  const total = formatNumber(ctx.lang, issues.reduce((n, q) => n + q.open, 0));
  return (
    <section class="card" aria-labelledby="quality">
      <h2 id="quality">{t.quality}</h2>
      <p>{t.qualitySummary(total)}</p>
      {issues.length ? (
        <Chart id="chart-quality" label={`${t.quality}：${t.qualitySummary(total)}`} config={config} lang={ctx.lang}>
          <table>
            <Head columns={[t.dataset, t.kind, { num: t.open }]} />
            <tbody>
              {issues.map((q) => (
                <tr key={`${q.dataset}/${q.kind}`}>
                  <td>{q.datasetName}</td>
                  <td>{kindName(q.kind)}</td>
                  <td class="num">{formatNumber(ctx.lang, q.open)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Chart>
      ) : null}
    </section>
  );
}

/** The dashboard: what flowed, what lags, how cases are handled, what data needs fixing — as charts. */
export async function dashboardPages(c: FastifyInstance) {
  c.page('GET', '/', async (ctx) => {
    const [exchange, cases] = await Promise.all([
      ctx.api.get<ExchangeStats>('/v1/stats/exchange', { days: 14 }),
      ctx.api.get<CaseStats>('/v1/stats/cases'),
    ]);
    return (
      <Layout ctx={ctx} title={ctx.t.dashboard} section="dashboard" scripts={['/assets/chart.umd.min.js', '/assets/charts.js']}>
        <p class="muted">{text(ctx.lang).period(exchange.from, exchange.until)}</p>
        <div class="cards">
          <Flows ctx={ctx} stats={exchange} />
          <Lag ctx={ctx} stats={exchange} />
          <Cases ctx={ctx} stats={cases} />
          <Quality ctx={ctx} stats={exchange} />
        </div>
      </Layout>
    );
  });
}
