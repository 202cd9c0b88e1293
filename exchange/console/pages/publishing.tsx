import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type {
  BatchList,
  BatchResult,
  BatchSummary,
  Dataset,
  DatasetList,
  DepartmentList,
  NodeList,
  NodeStatus,
  Problem,
  QuarantineItem,
  QuarantineList,
  RecordError,
} from '../../../contracts/generated/api.ts';
import { ApiError, consoleProblem, formProblem, withQuery } from '../api.ts';
import { one, type PageContext, sendPage } from '../context.ts';
import { formatNumber, formatTime } from '../format.ts';
import { localMessage, texts } from '../i18n.ts';
import { Csrf, Layout, NextPage, Notice, ProblemBox, Head } from '../ui.tsx';

/** A word for a code, or the code itself when there is none. */
const pick =
  (words: Record<string, string>) =>
  (code: string): string =>
    words[code] ?? code;

const text = texts({
  zh: {
    intro: '本部门发布的数据资源：最近的批次及其处理结果、隔离区中待更正的记录，以及前置机运行状态。',
    department: '部门',
    chooseDepartment: '选择部门',
    show: '查看',
    pickDepartment: '请选择要查看的部门。',
    datasets: '数据资源',
    noDatasets: '本部门尚未登记数据资源。',
    noBatches: '尚未收到批次。',
    recentBatches: (name: string) => `${name}：最近的批次`,
    openQuarantine: (n: string) => `隔离区待处理 ${n} 条`,
    details: (name: string) => `查看「${name}」的批次与隔离区`,
    batch: '批次编号',
    received: '接收时间',
    source: '来源',
    resubmittedBy: '人工重新提交',
    records: '记录数',
    accepted: '已接收',
    unchanged: '无变化',
    stale: '已过时',
    rejected: '被拒绝',
    nodes: '前置机运行状态',
    noNodes: '本部门尚未登记前置机。',
    node: '前置机',
    state: '状态',
    online: '在线',
    offline: '离线',
    disabled: '已停用',
    neverReported: '从未上报',
    offlineSince: (at: string) => `自 ${at} 起`,
    lastHeartbeat: '最近心跳',
    spool: '待发送（缓存）记录',
    lastSuccess: '最近成功发送',
    jobs: '采集任务',
    lastError: '最近错误',
    jobStates: pick({ starting: '启动中', backfill: '补录中', running: '运行中', waiting: '等待交换平台', failing: '出错', stopped: '已停止' }),
    nodeStatusRefused: '无法读取该前置机的状态。',
    batches: '批次',
    quarantine: '隔离区',
    quarantineIntro: '未通过校验的记录按原样保存在这里。更正后重新提交（会再次校验），或注明原因后作废。',
    status: '状态',
    statuses: pick({ open: '待处理', resolved: '已解决', discarded: '已作废' }),
    noQuarantine: '隔离区没有此状态的记录。',
    key: '记录主键',
    recordOf: (key: string, batch: string, index: string) => `记录「${key}」（批次 ${batch} 第 ${index} 条）`,
    noKey: '（无主键）',
    errors: '问题',
    resolution: '处理结果',
    resolvedAt: '处理时间',
    corrected: '更正后的记录（JSON）',
    resubmit: '重新提交此记录',
    reason: '作废原因',
    discard: '作废此记录',
    moreBatches: '更早的批次',
    moreQuarantine: '更多隔离记录',
    resubmitted: '更正后的记录已接收，已移出隔离区。',
    discarded: '记录已作废，原因已记入审计日志。',
    notJson: (why: string) => `不是有效的 JSON：${why}`,
    notObject: '记录必须是一个 JSON 对象',
    reasonRequired: '请填写作废原因',
    stillRejected: '重新提交的记录仍未通过校验',
    staleResubmit: '重新提交的记录已过时',
    staleDetail: (msg: string) => `已存储的版本更新，此记录未被采用：${msg}`,
    notForYou: '数据发布页面供部门管理员和平台管理员使用。',
    back: '返回数据发布',
  },
  en: {
    intro: "Your department's datasets: recent batches and what became of them, records waiting in quarantine, and the state of your front-end nodes.",
    department: 'Department',
    chooseDepartment: 'Choose a department',
    show: 'Show',
    pickDepartment: 'Choose a department to see.',
    datasets: 'Datasets',
    noDatasets: 'This department has no datasets yet.',
    noBatches: 'No batch received yet.',
    recentBatches: (name: string) => `${name}: recent batches`,
    openQuarantine: (n: string) => `${n} waiting in quarantine`,
    details: (name: string) => `Batches and quarantine of “${name}”`,
    batch: 'Batch id',
    received: 'Received',
    source: 'From',
    resubmittedBy: 'resubmitted by a person',
    records: 'Records',
    accepted: 'Accepted',
    unchanged: 'Unchanged',
    stale: 'Stale',
    rejected: 'Rejected',
    nodes: 'Front-end nodes',
    noNodes: 'This department has no front-end node registered.',
    node: 'Node',
    state: 'State',
    online: 'Online',
    offline: 'Offline',
    disabled: 'Disabled',
    neverReported: 'never reported',
    offlineSince: (at: string) => `since ${at}`,
    lastHeartbeat: 'Last heartbeat',
    spool: 'Records waiting in the spool',
    lastSuccess: 'Last success',
    jobs: 'Jobs',
    lastError: 'Last error',
    jobStates: pick({ starting: 'starting', backfill: 'backfilling', running: 'running', waiting: 'waiting for the exchange', failing: 'failing', stopped: 'stopped' }),
    nodeStatusRefused: 'The state of this node cannot be read.',
    batches: 'Batches',
    quarantine: 'Quarantine',
    quarantineIntro: 'Records that failed the checks wait here exactly as sent. Correct one and resubmit it (it is checked again), or discard it with a reason.',
    status: 'Status',
    statuses: pick({ open: 'Open', resolved: 'Resolved', discarded: 'Discarded' }),
    noQuarantine: 'No quarantined record with this status.',
    key: 'Key',
    recordOf: (key: string, batch: string, index: string) => `Record “${key}” (batch ${batch}, no. ${index})`,
    noKey: '(no key)',
    errors: 'Problems',
    resolution: 'Resolution',
    resolvedAt: 'Resolved',
    corrected: 'Corrected record (JSON)',
    resubmit: 'Resubmit this record',
    reason: 'Reason for discarding',
    discard: 'Discard this record',
    moreBatches: 'Older batches',
    moreQuarantine: 'More quarantined records',
    resubmitted: 'The corrected record was accepted and has left the quarantine.',
    discarded: 'The record was discarded; the reason is in the audit log.',
    notJson: (why: string) => `Not valid JSON: ${why}`,
    notObject: 'The record must be a JSON object',
    reasonRequired: 'Give the reason for discarding',
    stillRejected: 'The resubmitted record still fails the checks',
    staleResubmit: 'The resubmitted record is stale',
    staleDetail: (msg: string) => `The stored version is newer; this record was not applied: ${msg}`,
    notForYou: 'Publishing is for department admins and platform admins.',
    back: 'Back to publishing',
  },
});

type Text = ReturnType<typeof text>;
type Query = Record<string, string | string[] | undefined>;

const forbidden = (detail: string): Problem => consoleProblem(403, 'BRX_ERR_FORBIDDEN', detail);

function Refused({ ctx, problem }: { ctx: PageContext; problem: Problem }) {
  return (
    <Layout ctx={ctx} title={ctx.t.publishing} section="publishing">
      <ProblemBox lang={ctx.lang} problem={problem} />
    </Layout>
  );
}

const typeWords: Record<string, string> = { string: '文字', number: '数字', integer: '整数', object: '对象', array: '数组', boolean: '布尔值', null: '空值' };

/**
 * The record checks' own words (exchange/ajv-errors.ts, ingest/records.ts) in Chinese, by their
 * shape; anything else goes to the validator's table (localMessage), and failing that stays as said.
 */
const zhRecordMessages: [RegExp, (...m: string[]) => string][] = [
  [/^is required$/, () => '为必填项'],
  [/^is not a known field$/, () => '不是数据规范中的字段'],
  [/^must be one of: (.*)$/, (v) => `必须是以下取值之一：${v}`],
  [/^must be (string|number|integer|object|array|boolean|null)(?: or (string|number|integer|object|array|boolean|null))?$/, (a, b) => `必须是${typeWords[a] ?? a}${b ? `或${typeWords[b] ?? b}` : ''}`],
  [/^is not a valid ([\w-]+)$/, (f) => `不是有效的 ${f}`],
  [/^is not a field of a batch record$/, () => '不是批次记录的字段'],
  [/^must be a string of 1 to 200 characters$/, () => '必须是 1 至 200 个字符的文字'],
  [/^must be upsert or delete$/, () => '必须是 upsert 或 delete'],
  [/^must be a date-time such as (.*)$/, (e) => `必须是日期时间，例如 ${e}`],
  [/^lies in the future$/, () => '晚于当前时间'],
  [/^lies before year 1$/, () => '早于公元 1 年'],
  [/^an upsert needs the record as an object$/, () => 'upsert 须以对象形式提供 data'],
  [/^must equal the record key "(.*)"$/, (k) => `必须与记录主键“${k}”一致`],
  [/^a delete carries no data$/, () => 'delete 不应携带 data'],
  [/^must be an object with op, key, data and sourceTime$/, () => '必须是包含 op、key、data 和 sourceTime 的对象'],
];

function recordMessage(lang: 'zh' | 'en', message: string): string {
  if (lang === 'en') return message;
  for (const [shape, say] of zhRecordMessages) {
    const m = shape.exec(message);
    if (m) return say(...m.slice(1));
  }
  return localMessage(lang, message);
}

/** A record's problems: where (a JSON pointer into the record) and what, in the interface language where the validator said it. */
function RecordErrors({ ctx, errors }: { ctx: PageContext; errors: readonly RecordError[] }) {
  return (
    <ul>
      {errors.map((e, i) => (
        <li key={i}>
          {e.pointer ? (
            <>
              <code>{e.pointer}</code>
              {ctx.lang === 'zh' ? '：' : ': '}
            </>
          ) : null}
          {recordMessage(ctx.lang, e.message)}
        </li>
      ))}
    </ul>
  );
}

function BatchTable({ ctx, batches, nodes, caption }: { ctx: PageContext; batches: readonly BatchSummary[]; nodes: ReadonlyMap<string, string>; caption: string }) {
  const p = text(ctx.lang);
  if (batches.length === 0) return <p class="muted">{p.noBatches}</p>;
  const n = (v: number) => formatNumber(ctx.lang, v);
  return (
    <table>
      <caption class="visually-hidden">{caption}</caption>
      <Head columns={[p.batch, p.received, p.source, { num: p.records }, { num: p.accepted }, { num: p.unchanged }, { num: p.stale }, { num: p.rejected }]} />
      <tbody>
        {batches.map((b) => (
          <tr key={b.batchId}>
            <td class="nowrap">
              <code>{b.batchId}</code>
            </td>
            <td class="nowrap">{formatTime(ctx.lang, b.receivedAt)}</td>
            <td>{b.nodeId ? (nodes.get(b.nodeId) ?? b.nodeId) : p.resubmittedBy}</td>
            <td class="num">{n(b.records)}</td>
            <td class="num">{n(b.accepted)}</td>
            <td class="num">{n(b.unchanged)}</td>
            <td class="num">{n(b.stale)}</td>
            <td class="num">{n(b.rejected)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The node names of a department, for the batch tables (empty when the API does not say). */
async function nodeNames(ctx: PageContext, departmentId: string): Promise<Map<string, string>> {
  const nodes = await ctx.api.get<NodeList>(`/v1/departments/${departmentId}/nodes`).catch(() => ({ items: [] }));
  return new Map(nodes.items.map((n) => [n.id, n.name]));
}

interface NodeView {
  readonly id: string;
  readonly name: string;
  readonly active: boolean;
  readonly status: NodeStatus | null;
}

/** The nodes' table, named by the heading above it (labelledBy), not by a caption repeating it. */
function NodeTable({ ctx, nodes, labelledBy }: { ctx: PageContext; nodes: readonly NodeView[]; labelledBy: string }) {
  const p = text(ctx.lang);
  if (nodes.length === 0) return <p class="muted">{p.noNodes}</p>;
  return (
    <table aria-labelledby={labelledBy}>
      <Head columns={[p.node, p.state, p.lastHeartbeat, { num: p.spool }, p.lastSuccess, p.jobs]} />
      <tbody>
        {nodes.map(({ id, name, active, status }) => {
          const jobs = status?.report?.jobs ?? [];
          const spool = jobs.reduce((sum, j) => sum + j.spoolDepth, 0);
          const lastSuccess = jobs.map((j) => j.lastSuccessAt).filter((t): t is string => !!t).sort().at(-1) ?? null;
          return (
            <tr key={id}>
              <th scope="row">{name}</th>
              <td>
                {!status ? (
                  <span class="muted">{p.nodeStatusRefused}</span>
                ) : status.online ? (
                  <span class="flag green">{p.online}</span>
                ) : (
                  <>
                    <span class="flag red">{p.offline}</span>
                    <span class="muted">{` · ${status.lastHeartbeatAt ? p.offlineSince(formatTime(ctx.lang, status.offlineSince)) : p.neverReported}`}</span>
                  </>
                )}
                {active ? null : <span class="muted">{` · ${p.disabled}`}</span>}
              </td>
              <td class="nowrap">{formatTime(ctx.lang, status?.lastHeartbeatAt)}</td>
              <td class="num">{status?.report ? formatNumber(ctx.lang, spool) : '—'}</td>
              <td class="nowrap">{formatTime(ctx.lang, lastSuccess)}</td>
              <td>
                {jobs.length === 0 ? (
                  '—'
                ) : (
                  <ul>
                    {jobs.map((j) => (
                      <li key={j.name}>
                        {`${j.name}${j.dataset ? ` (${j.dataset})` : ''}${ctx.lang === 'zh' ? '：' : ': '}${p.jobStates(j.state)}`}
                        {j.lastError ? <span class="muted">{` — ${p.lastError}${ctx.lang === 'zh' ? '：' : ': '}${j.lastError}`}</span> : null}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

async function nodesOf(ctx: PageContext, departmentId: string): Promise<NodeView[]> {
  const list = await ctx.api.get<NodeList>(`/v1/departments/${departmentId}/nodes`).catch(() => ({ items: [] }));
  return Promise.all(
    list.items.map(async (n) => ({
      id: n.id,
      name: n.name,
      active: n.status === 'active',
      status: await ctx.api.get<NodeStatus>(`/v1/nodes/${n.id}/status`).catch(() => null),
    })),
  );
}

interface DatasetOverview {
  readonly dataset: Dataset;
  readonly batches: BatchSummary[];
  readonly open: number;
  readonly moreOpen: boolean;
}

async function overview(ctx: PageContext, dataset: Dataset): Promise<DatasetOverview> {
  const [batches, quarantine] = await Promise.all([
    ctx.api.get<BatchList>(`/v1/datasets/${dataset.code}/batches`, { limit: 5 }).catch(() => ({ items: [], nextCursor: null })),
    ctx.api.get<QuarantineList>(`/v1/datasets/${dataset.code}/quarantine`, { status: 'open', limit: 100 }).catch(() => ({ items: [], nextCursor: null })),
  ]);
  return { dataset, batches: batches.items, open: quarantine.items.length, moreOpen: quarantine.nextCursor !== null };
}

/** The people who see the publishing pages: department admins (their departments) and platform admins (any). */
const mayPublish = (ctx: PageContext) => ctx.has('dept_admin') || ctx.has('platform_admin');

function adminDepartments(ctx: PageContext): string[] {
  return [...new Set(ctx.viewer.person.roles.filter((r) => r.role === 'dept_admin' && r.departmentId).map((r) => r.departmentId!))];
}

interface Override {
  readonly itemId: string;
  readonly record?: string;
  readonly reason?: string;
  readonly problem?: Problem;
  /** the resubmitted record's own problems (a 200 answer that rejected it again) */
  readonly rejected?: readonly RecordError[];
  readonly stale?: string;
}

function QuarantineEntry({ ctx, code, item, canCorrect, override }: { ctx: PageContext; code: string; item: QuarantineItem; canCorrect: boolean; override?: Override }) {
  const p = text(ctx.lang);
  const mine = override?.itemId === item.id ? override : undefined;
  const base = `/publishing/${encodeURIComponent(code)}/quarantine/${item.id}`;
  const heading = p.recordOf(item.key ?? p.noKey, item.batchId, String(item.index + 1));
  return (
    <section class="card" id={`q-${item.id}`} aria-label={heading}>
      <h3>{heading}</h3>
      <dl class="facts">
        <dt>{p.received}</dt>
        <dd>{formatTime(ctx.lang, item.createdAt)}</dd>
        <dt>{p.status}</dt>
        <dd>{p.statuses(item.status)}</dd>
        {item.resolution ? (
          <>
            <dt>{p.resolution}</dt>
            <dd>{item.resolution}</dd>
            <dt>{p.resolvedAt}</dt>
            <dd>{formatTime(ctx.lang, item.resolvedAt)}</dd>
          </>
        ) : null}
      </dl>
      <h4>{p.errors}</h4>
      <RecordErrors ctx={ctx} errors={item.errors} />
      {mine ? <OverrideBox ctx={ctx} override={mine} /> : null}
      {canCorrect && item.status === 'open' ? (
        <div>
          <form method="post" action={`${base}/resubmit`} class="stack">
            <Csrf ctx={ctx} />
            <label for={`record-${item.id}`}>{p.corrected}</label>
            <textarea id={`record-${item.id}`} name="record" rows={12} spellcheck={false}>
              {mine?.record ?? JSON.stringify(item.record, null, 2)}
            </textarea>
            <button type="submit">{p.resubmit}</button>
          </form>
          <h4>{p.discard}</h4>
          <form method="post" action={`${base}/discard`} class="stack">
            <Csrf ctx={ctx} />
            <label for={`reason-${item.id}`}>{p.reason}</label>
            <textarea id={`reason-${item.id}`} name="reason" rows={3} maxLength={2000}>
              {mine?.reason ?? ''}
            </textarea>
            <button type="submit" class="danger">
              {p.discard}
            </button>
          </form>
        </div>
      ) : (
        <details>
          <summary>{p.corrected}</summary>
          <pre>{JSON.stringify(item.record, null, 2)}</pre>
        </details>
      )}
    </section>
  );
}

/** What went wrong with a correction or a discard, beside the record it concerns. */
function OverrideBox({ ctx, override }: { ctx: PageContext; override: Override }) {
  const p = text(ctx.lang);
  return (
    <>
      {override.problem ? <ProblemBox lang={ctx.lang} problem={override.problem} labels={{ record: p.corrected, reason: p.reason }} /> : null}
      {override.rejected ? (
        <div class="problem" role="alert">
          <h2>{p.stillRejected}</h2>
          <RecordErrors ctx={ctx} errors={override.rejected} />
        </div>
      ) : null}
      {override.stale ? (
        <div class="problem" role="alert">
          <h2>{p.staleResubmit}</h2>
          <p>{p.staleDetail(override.stale)}</p>
        </div>
      ) : null}
    </>
  );
}

async function datasetPage(ctx: PageContext, reply: FastifyReply, code: string, q: Query, override?: Override, status = 200) {
  const p = text(ctx.lang);
  if (!mayPublish(ctx)) return sendPage(reply, <Refused ctx={ctx} problem={forbidden(p.notForYou)} />, 403);
  const quarantineStatus = ['open', 'resolved', 'discarded'].includes(one(q.status)) ? one(q.status) : 'open';
  let dataset: Dataset;
  let batches: BatchList;
  let quarantine: QuarantineList;
  try {
    dataset = await ctx.api.get<Dataset>(`/v1/datasets/${encodeURIComponent(code)}`);
    [batches, quarantine] = await Promise.all([
      ctx.api.get<BatchList>(`/v1/datasets/${encodeURIComponent(code)}/batches`, { limit: 20, cursor: one(q.batches) }),
      ctx.api.get<QuarantineList>(`/v1/datasets/${encodeURIComponent(code)}/quarantine`, { status: quarantineStatus, limit: 20, cursor: one(q.cursor) }),
    ]);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return sendPage(reply, <Refused ctx={ctx} problem={e.problem} />, e.status);
  }
  const nodes = await nodeNames(ctx, dataset.providerDepartmentId);
  // the API decides who corrects a record (the sending department's dept_admin); a person with no
  // dept_admin role at all is not offered forms it would refuse
  const canCorrect = ctx.has('dept_admin');
  const done = one(q.done);
  const here = `/publishing/${encodeURIComponent(code)}`;
  return sendPage(
    reply,
    <Layout ctx={ctx} title={`${p.datasets} · ${dataset.name}`} section="publishing">
      <p>
        <a href="/publishing">{p.back}</a>
      </p>
      <dl class="facts">
        <dt>{ctx.lang === 'zh' ? '编码' : 'Code'}</dt>
        <dd>
          <code>{dataset.code}</code>
        </dd>
        <dt>{p.department}</dt>
        <dd>{dataset.providerName}</dd>
      </dl>
      {done === 'resubmitted' ? <Notice>{p.resubmitted}</Notice> : done === 'discarded' ? <Notice>{p.discarded}</Notice> : null}
      {override && !quarantine.items.some((i) => i.id === override.itemId) ? <OverrideBox ctx={ctx} override={override} /> : null}
      <h2 id="batches">{p.batches}</h2>
      <BatchTable ctx={ctx} batches={batches.items} nodes={nodes} caption={p.batches} />
      <NextPage href={batches.nextCursor ? `${withQuery(here, { batches: batches.nextCursor, status: quarantineStatus })}#batches` : null} label={p.moreBatches} />
      <h2 id="quarantine">{p.quarantine}</h2>
      <p>{p.quarantineIntro}</p>
      <form method="get" action={here} class="filters">
        <label for="status">
          {p.status}
          <select id="status" name="status">
            {['open', 'resolved', 'discarded'].map((s) => (
              <option key={s} value={s} selected={s === quarantineStatus}>
                {p.statuses(s)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{p.show}</button>
      </form>
      {quarantine.items.length === 0 ? <p>{p.noQuarantine}</p> : null}
      <div class="stack">
        {quarantine.items.map((item) => (
          <QuarantineEntry key={item.id} ctx={ctx} code={dataset.code} item={item} canCorrect={canCorrect} override={override} />
        ))}
      </div>
      <NextPage href={quarantine.nextCursor ? `${withQuery(here, { status: quarantineStatus, cursor: quarantine.nextCursor })}#quarantine` : null} label={p.moreQuarantine} />
    </Layout>,
    status,
  );
}

export async function publishingPages(c: FastifyInstance) {
  const queryOf = (request: FastifyRequest) => (request.query ?? {}) as Query;
  const paramsOf = (request: FastifyRequest) => request.params as { code: string; id?: string };

  c.page('GET', '/publishing', async (ctx, request, reply) => {
    const p = text(ctx.lang);
    if (!mayPublish(ctx)) return sendPage(reply, <Refused ctx={ctx} problem={forbidden(p.notForYou)} />, 403);
    const mine = adminDepartments(ctx);
    const platform = ctx.has('platform_admin');
    const all = platform || mine.length > 1 ? (await ctx.api.get<DepartmentList>('/v1/departments')).items : [];
    const names = new Map(all.map((d) => [d.id, d.name]));
    const choices = platform ? all : all.filter((d) => mine.includes(d.id));
    const chosen = one(queryOf(request).department);
    // a dept_admin sees their departments; a platform admin the one they choose
    const shown = chosen && (platform || mine.includes(chosen)) ? [chosen] : platform && mine.length === 0 ? [] : mine;
    const sections = await Promise.all(
      shown.map(async (departmentId) => {
        const datasets = await ctx.api.get<DatasetList>('/v1/datasets', { provider: departmentId, limit: 200 });
        const [overviews, nodes, nodeMap] = await Promise.all([
          Promise.all(datasets.items.map((d) => overview(ctx, d))),
          nodesOf(ctx, departmentId),
          nodeNames(ctx, departmentId),
        ]);
        const name = names.get(departmentId) ?? datasets.items[0]?.providerName ?? (await ctx.api.get<{ name: string }>(`/v1/departments/${departmentId}`)).name;
        return { departmentId, name, overviews, nodes, nodeMap };
      }),
    );
    return sendPage(
      reply,
      <Layout ctx={ctx} title={ctx.t.publishing} section="publishing">
        <p>{p.intro}</p>
        {choices.length > 1 ? (
          <form method="get" action="/publishing" class="filters">
            <label for="department">
              {p.department}
              <select id="department" name="department">
                <option value="">{p.chooseDepartment}</option>
                {choices.map((d) => (
                  <option key={d.id} value={d.id} selected={shown.length === 1 && shown[0] === d.id}>
                    {d.name}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit">{p.show}</button>
          </form>
        ) : null}
        {sections.length === 0 ? <p>{p.pickDepartment}</p> : null}
        {sections.map((s) => (
          <section key={s.departmentId} aria-label={s.name}>
            <h2>{s.name}</h2>
            <h3>{p.datasets}</h3>
            {s.overviews.length === 0 ? <p class="muted">{p.noDatasets}</p> : null}
            {s.overviews.map((o) => (
              <DatasetSummary key={o.dataset.code} p={p} ctx={ctx} o={o} nodes={s.nodeMap} />
            ))}
            <h3 id={`nodes-${s.departmentId}`}>{p.nodes}</h3>
            <NodeTable ctx={ctx} nodes={s.nodes} labelledBy={`nodes-${s.departmentId}`} />
          </section>
        ))}
      </Layout>,
    );
  });

  c.page('GET', '/publishing/:code', async (ctx, request, reply) => datasetPage(ctx, reply, paramsOf(request).code, queryOf(request)));

  c.page('POST', '/publishing/:code/quarantine/:id/resubmit', async (ctx, request, reply) => {
    const p = text(ctx.lang);
    const { code, id } = paramsOf(request) as { code: string; id: string };
    const raw = typeof ctx.form.record === 'string' ? ctx.form.record : one(ctx.form.record);
    let record: unknown;
    try {
      record = JSON.parse(raw);
    } catch (e) {
      const problem = formProblem([{ in: 'body', pointer: '/record', message: p.notJson(e instanceof Error ? e.message : String(e)) }]);
      return datasetPage(ctx, reply, code, {}, { itemId: id, record: raw, problem }, 400);
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      return datasetPage(ctx, reply, code, {}, { itemId: id, record: raw, problem: formProblem([{ in: 'body', pointer: '/record', message: p.notObject }]) }, 400);
    }
    try {
      const result = await ctx.api.post<BatchResult>(`/v1/datasets/${encodeURIComponent(code)}/quarantine/${encodeURIComponent(id)}/resubmit`, { record });
      const rejected = result.rejected[0];
      if (rejected) return datasetPage(ctx, reply, code, {}, { itemId: id, record: raw, rejected: rejected.errors }, 422);
      const stale = result.stale[0];
      if (stale) return datasetPage(ctx, reply, code, {}, { itemId: id, record: raw, stale: stale.message }, 409);
      return reply.redirect(`/publishing/${encodeURIComponent(code)}?done=resubmitted#quarantine`, 303);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      return datasetPage(ctx, reply, code, {}, { itemId: id, record: raw, problem: e.problem }, e.status);
    }
  });

  c.page('POST', '/publishing/:code/quarantine/:id/discard', async (ctx, request, reply) => {
    const p = text(ctx.lang);
    const { code, id } = paramsOf(request) as { code: string; id: string };
    const reason = one(ctx.form.reason);
    if (!reason) return datasetPage(ctx, reply, code, {}, { itemId: id, reason, problem: formProblem([{ in: 'body', pointer: '/reason', message: p.reasonRequired }]) }, 400);
    try {
      await ctx.api.post(`/v1/datasets/${encodeURIComponent(code)}/quarantine/${encodeURIComponent(id)}/discard`, { reason });
      return reply.redirect(`/publishing/${encodeURIComponent(code)}?done=discarded#quarantine`, 303);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      return datasetPage(ctx, reply, code, {}, { itemId: id, reason, problem: e.problem }, e.status);
    }
  });
}

function DatasetSummary({ ctx, p, o, nodes }: { ctx: PageContext; p: Text; o: DatasetOverview; nodes: ReadonlyMap<string, string> }) {
  const href = `/publishing/${encodeURIComponent(o.dataset.code)}`;
  const open = o.moreOpen ? `${formatNumber(ctx.lang, o.open)}+` : formatNumber(ctx.lang, o.open);
  return (
    <section aria-label={o.dataset.name}>
      <h4>
        <a href={href}>{o.dataset.name}</a> <span class="muted nowrap">{o.dataset.code}</span>
      </h4>
      {o.open > 0 ? (
        <p>
          <a href={`${href}#quarantine`}>{p.openQuarantine(open)}</a>
        </p>
      ) : null}
      <BatchTable ctx={ctx} batches={o.batches} nodes={nodes} caption={p.recentBatches(o.dataset.name)} />
    </section>
  );
}
