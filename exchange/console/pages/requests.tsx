import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Case, CaseList, CaseQuery, Problem } from '../../../contracts/generated/api.ts';
import { ApiError, withQuery } from '../api.ts';
import { type PageContext, queryValues, sendPage } from '../context.ts';
import { dayInChina } from '../format.ts';
import { type Lang, texts } from '../i18n.ts';
import { Flag, Layout, NextPage, ProblemBox, Head, Choice } from '../ui.tsx';
import { caseStates, caseText, stateName } from './case-texts.ts';

const text = texts({
  zh: {
    title: '我的申请',
    intro: '本部门提交的共享申请和数据异议，以及当前由谁办理。',
    kind: '类型',
    dataset: '资源编码',
    any: '全部',
    request: '共享申请',
    objection: '数据异议',
    green: '正常',
    yellow: '临期',
    red: '超期',
    us: '本部门（补正材料）',
    platform: '平台管理员',
    escalated: (to: string) => `${to}（上报）`,
    paused: '（已暂停计时）',
    closed: '已办结',
    closedOn: (day: string) => `（${day} 已办结）`,
    results: '案件列表',
  },
  en: {
    title: 'My requests',
    intro: "Sharing requests and objections filed by your department, and who is handling them now.",
    kind: 'Kind',
    dataset: 'Dataset code',
    any: 'Any',
    request: 'Sharing request',
    objection: 'Objection',
    green: 'On time',
    yellow: 'Due soon',
    red: 'Overdue',
    us: 'Your department (supplement)',
    platform: 'Platform administrators',
    escalated: (to: string) => `${to} (escalated)`,
    paused: ' (clock paused)',
    closed: 'Closed',
    closedOn: (day: string) => ` (closed on ${day})`,
    results: 'Cases',
  },
});

const filterNames = ['state', 'kind', 'dataset', 'flag'] as const;
type Filters = Partial<Record<(typeof filterNames)[number], string>>;

const filtersOf = (request: FastifyRequest): Filters & { cursor?: string } => queryValues(request, filterNames);

/** Who must act on the case now: the requester (a supplement), the departments and people of its open parts, or nobody. */
function responsible(lang: Lang, c: Case): string[] {
  const t = text(lang);
  const platform = (name: string) => (name === 'platform administrators' ? t.platform : name);
  if (c.closedAt) return [t.closed];
  if (c.state === 'needs_supplement') return [t.us];
  if (c.state === 'disputed') return [platform(c.disputedTo ?? 'platform administrators')];
  const open = c.parts.filter((p) => p.state === 'pending');
  return open.map((p) => {
    if (p.escalatedTo) return t.escalated(platform(p.escalatedTo));
    return p.assignee ? `${p.department.name} · ${p.assignee.name}` : p.department.name;
  });
}

function RequestsPage(props: { ctx: PageContext; filters: Filters; list: CaseList | null; problem?: Problem }) {
  const { ctx, filters, list } = props;
  const lang = ctx.lang;
  const t = text(lang);
  const w = caseText(lang);
  return (
    <Layout ctx={ctx} title={t.title} section="mine">
      <p class="muted">{t.intro}</p>
      <form method="get" action="/requests" class="filters">
        <Choice
          id="state"
          label={w.state}
          value={filters.state}
          any={t.any}
          options={caseStates.map((s) => [s, stateName(lang, s)] as [string, string])}
        />
        <Choice
          id="kind"
          label={t.kind}
          value={filters.kind}
          any={t.any}
          options={[
            ['request', t.request],
            ['objection', t.objection],
          ]}
        />
        <label for="dataset">
          {t.dataset}
          <input id="dataset" name="dataset" value={filters.dataset ?? ''} maxLength={100} />
        </label>
        <Choice
          id="flag"
          label={w.flag}
          value={filters.flag}
          any={t.any}
          options={[
            ['green', t.green],
            ['yellow', t.yellow],
            ['red', t.red],
          ]}
        />
        <button type="submit">{ctx.t.search}</button>
        <a href="/requests">{ctx.t.reset}</a>
      </form>
      {props.problem ? <ProblemBox lang={lang} problem={props.problem} labels={{ state: w.state, kind: t.kind, dataset: t.dataset, flag: w.flag }} /> : null}
      {list ? (
        <>
          <h2>{t.results}</h2>
          {list.items.length === 0 ? (
            <p>{ctx.t.noneFound}</p>
          ) : (
            <table>
              <Head columns={[w.trackingNo, w.datasets, w.state, w.nowWith, w.received, w.due, w.flag]} />
              <tbody>
                {list.items.map((c) => (
                  <tr key={c.trackingNo}>
                    <td>
                      <a class="nowrap" href={`/cases/${encodeURIComponent(c.trackingNo)}`}>{c.trackingNo}</a>
                      <div class="muted">{c.kind === 'objection' ? t.objection : t.request}</div>
                    </td>
                    <td>
                      {c.parts.map((p) => (
                        <div key={p.dataset}>
                          {p.datasetName} <span class="muted nowrap">{p.dataset}</span>
                        </div>
                      ))}
                    </td>
                    <td>{stateName(lang, c.state)}</td>
                    <td>
                      {responsible(lang, c).map((who, i) => (
                        <div key={i}>{who}</div>
                      ))}
                    </td>
                    <td class="nowrap">{c.receivedOn}</td>
                    <td>
                      <span class="nowrap">{c.dueOn}</span>
                      {c.closedAt ? <span class="muted">{t.closedOn(dayInChina(new Date(c.closedAt)))}</span> : c.paused ? <span class="muted">{t.paused}</span> : null}
                    </td>
                    <td>
                      <Flag lang={lang} flag={c.flag} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <NextPage href={list.nextCursor ? withQuery('/requests', { ...filters, cursor: list.nextCursor }) : null} label={ctx.t.next} />
        </>
      ) : null}
    </Layout>
  );
}

/** The requester's view: the cases my department (or its systems) filed, with who must act now. */
export async function requestPages(c: FastifyInstance) {
  c.page('GET', '/requests', async (ctx, request, reply) => {
    const { cursor, ...filters } = filtersOf(request);
    try {
      const list = await ctx.api.get<CaseList>('/v1/cases', { ...(filters as CaseQuery), view: 'mine', cursor, limit: 25 });
      return <RequestsPage ctx={ctx} filters={filters} list={list} />;
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 400) throw e;
      return sendPage(reply, <RequestsPage ctx={ctx} filters={filters} list={null} problem={e.problem} />, e.status);
    }
  });
}
