import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type ComponentChildren, Fragment } from 'preact';
import type {
  AccessReport,
  AuditAccessEntry,
  AuditAccessPage,
  AuditAdminPage,
  AuditVerifyJob,
  AuditVerifyReport,
  DatasetList,
  DepartmentList,
  NodeList,
  Problem,
  SystemList,
  User,
} from '../../../contracts/generated/api.ts';
import { csvCell } from '../../records/export.ts';
import { ApiError, withQuery } from '../api.ts';
import { one, type PageContext, sendPage } from '../context.ts';
import { chinaLocalToIso, consoleZone, formatNumber, formatTime } from '../format.ts';
import { type Lang, texts } from '../i18n.ts';
import { Csrf, Layout, NextPage, Notice, ProblemBox, Head } from '../ui.tsx';

/** A word for a code, or the code itself when there is none. */
const pick = (words: Record<string, string>) => (code: string): string => words[code] ?? code;

const text = texts({
  zh: {
    access: '数据访问日志',
    admin: '管理操作日志',
    verify: '日志链核验',
    subject: '数据使用记录',
    sections: '审计功能',
    filters: '查询条件',
    department: '部门',
    anyDepartment: '全部部门',
    system: '应用系统',
    anySystem: '全部应用系统',
    systemHint: '选择部门并查询后，可按该部门的应用系统筛选。',
    dataset: '数据资源编码',
    datasetName: '数据资源',
    subjectId: '数据主体（身份证号或统一社会信用代码）',
    from: '起始时间（北京时间）',
    to: '截止时间（北京时间）',
    action: '操作',
    exportCsv: '导出 CSV（按当前条件）',
    csvNote: 'CSV 为 UTF-8 编码（含 BOM），可直接用 Excel 打开。按数据主体查询或导出，本身会作为一次“使用记录查询”记入访问日志。',
    seq: '序号',
    at: '时间',
    actor: '访问方',
    mode: '方式',
    outcome: '结果',
    subjects: '数据主体',
    fields: '字段',
    count: '记录数',
    operator: '经办人',
    purpose: '用途',
    grant: '授权编号',
    requestId: '请求编号',
    hash: '哈希',
    target: '对象',
    detail: '详情',
    badTime: (label: string) => `${label}不是有效的时间`,
    timeOrder: '截止时间必须晚于起始时间',
    badSubject: '请输入 15 或 18 位身份证号，或 18 位统一社会信用代码',
    kinds: pick({ user: '人员', system: '应用系统', node: '前置机', subject: '数据主体本人', platform: '平台' }),
    modes: pick({ pull: '查询', export: '批量下载', subscribe: '订阅', webhook: '推送', verify: '核验', report: '使用记录查询', quality: '数据质量' }),
    outcomes: pick({ ok: '成功', sent: '已发出', denied: '被拒绝', not_found: '未找到', error: '出错' }),
    logs: pick({ admin: '管理操作日志', access: '数据访问日志' }),
    chainIntact: '审计日志链完整：所核验的条目均未被篡改、删除或重排。',
    chainBroken: '审计日志链已被破坏',
    checkpointsFailed: '签名检查点核对未通过',
    chainsHold: '各日志链本身完整，但签名检查点文件与数据库不符或缺少检查点（见下方“签名检查点”）。',
    brokenAt: (log: string, seq: string, reason: string) => `${log}：第 ${seq} 条起不可信（${reason}）`,
    scope: '核验范围',
    scopeQuick: '快速核验：每条日志链自最近的签名检查点起',
    scopeFull: '全量核验：全部条目与全部签名检查点',
    olderNotWalked: '检查点之前的条目本次未重新计算哈希；如需全部核验，请启动全量核验。',
    olderWalked: '尚无签名检查点，本次已对全部条目计算哈希。',
    lastFull: '最近一次全量核验',
    noFull: '本服务进程启动以来尚未进行全量核验。',
    fullResult: (at: string, ok: boolean) => `${at} 完成，${ok ? '完整' : '发现问题'}`,
    log: '日志',
    result: '结果',
    intact: '完整',
    broken: '已破坏',
    entries: '条目数',
    checked: '本次核验',
    fromSeq: '起点（之后的条目）',
    checkpointAt: '最近检查点',
    headHash: '链头哈希',
    startFull: '启动全量核验',
    fullStarted: '全量核验已启动。核验需要一些时间，请稍后刷新本页查看结果。',
    job: '全量核验任务',
    jobState: pick({ running: '进行中', done: '已完成', failed: '失败' }),
    stage: pick({ admin: '管理操作日志', access: '数据访问日志', checkpoints: '签名检查点' }),
    progress: (checked: string, total: string) => `${checked} / ${total}`,
    refresh: '刷新结果',
    jobGone: '找不到该核验任务（任务只保存在运行它的服务进程中，进程重启后即不存在）。',
    started: '开始时间',
    finished: '完成时间',
    checkpoints: '签名检查点',
    checkpointSummary: (checked: string, holding: string, problems: string) => `检查 ${checked} 个，有效 ${holding} 个，问题 ${problems} 个`,
    warnings: '提示',
    subjectIntro: '输入公民身份号码或统一社会信用代码，查看哪些部门、系统在何时、为何用途读取或核验了其数据。此次查询将记入访问日志。',
    show: '查看',
    system2: '应用系统',
    covertUntil: '对本人保密至',
    refusedHere: '您无权查看审计信息。',
  },
  en: {
    access: 'Data access log',
    admin: 'Admin action log',
    verify: 'Chain verification',
    subject: 'Subject access report',
    sections: 'Audit sections',
    filters: 'Search',
    department: 'Department',
    anyDepartment: 'All departments',
    system: 'System',
    anySystem: 'All systems',
    systemHint: 'Choose a department and search to filter by one of its systems.',
    dataset: 'Dataset code',
    datasetName: 'Dataset',
    subjectId: 'Subject (ID number or unified social credit code)',
    from: 'From (China Standard Time)',
    to: 'Until (China Standard Time)',
    action: 'Action',
    exportCsv: 'Export CSV (these filters)',
    csvNote: 'The CSV is UTF-8 with a byte-order mark, so Excel opens it directly. A search or export by subject is itself recorded in the access log as a report.',
    seq: 'No.',
    at: 'Time',
    actor: 'Reader',
    mode: 'Mode',
    outcome: 'Outcome',
    subjects: 'Subjects',
    fields: 'Fields',
    count: 'Records',
    operator: 'Official',
    purpose: 'Purpose',
    grant: 'Grant',
    requestId: 'Request id',
    hash: 'Hash',
    target: 'Target',
    detail: 'Detail',
    badTime: (label: string) => `${label} is not a valid time`,
    timeOrder: 'The end must be after the start',
    badSubject: 'Enter a 15- or 18-character ID number or an 18-character unified social credit code',
    kinds: pick({ user: 'Person', system: 'System', node: 'Node', subject: 'The subject', platform: 'Platform' }),
    modes: pick({ pull: 'Read', export: 'Export', subscribe: 'Subscription', webhook: 'Webhook', verify: 'Verification', report: 'Access report', quality: 'Data quality' }),
    outcomes: pick({ ok: 'OK', sent: 'Sent', denied: 'Denied', not_found: 'Not found', error: 'Error' }),
    logs: pick({ admin: 'Admin action log', access: 'Data access log' }),
    chainIntact: 'The audit chain is intact: no entry checked was altered, removed or reordered.',
    chainBroken: 'The audit chain is broken',
    checkpointsFailed: 'The signed checkpoints do not hold',
    chainsHold: 'Each chain holds in itself, but the checkpoint file disagrees with the database or lacks checkpoints (see “Signed checkpoints” below).',
    brokenAt: (log: string, seq: string, reason: string) => `${log}: not trustworthy from entry ${seq} on (${reason})`,
    scope: 'Scope',
    scopeQuick: 'Quick: each chain from its last signed checkpoint on',
    scopeFull: 'Full: every entry and every signed checkpoint',
    olderNotWalked: 'Entries before the checkpoints were not re-hashed this time; start a full verification for that.',
    olderWalked: 'No signed checkpoint yet: every entry was hashed this time.',
    lastFull: 'Last full verification',
    noFull: 'No full verification since this server process started.',
    fullResult: (at: string, ok: boolean) => `finished ${at}, ${ok ? 'intact' : 'problems found'}`,
    log: 'Log',
    result: 'Result',
    intact: 'Intact',
    broken: 'Broken',
    entries: 'Entries',
    checked: 'Checked now',
    fromSeq: 'Start (after entry)',
    checkpointAt: 'Last checkpoint',
    headHash: 'Head hash',
    startFull: 'Start a full verification',
    fullStarted: 'The full verification has started. It takes a while: reload this page for its result.',
    job: 'Full verification job',
    jobState: pick({ running: 'Running', done: 'Done', failed: 'Failed' }),
    stage: pick({ admin: 'Admin action log', access: 'Data access log', checkpoints: 'Signed checkpoints' }),
    progress: (checked: string, total: string) => `${checked} / ${total}`,
    refresh: 'Refresh the result',
    jobGone: 'No such verification job (a job lives in the server process that ran it, until it restarts).',
    started: 'Started',
    finished: 'Finished',
    checkpoints: 'Signed checkpoints',
    checkpointSummary: (checked: string, holding: string, problems: string) => `${checked} checked, ${holding} holding, ${problems} problems`,
    warnings: 'Warnings',
    subjectIntro:
      'Enter an ID number or a unified social credit code to see which departments and systems read or verified its records, when and why. This look-up is recorded in the access log.',
    show: 'Show',
    system2: 'System',
    covertUntil: 'Hidden from the subject until',
    refusedHere: 'You may not see the audit pages.',
  },
});

type Text = ReturnType<typeof text>;
type Query = Record<string, string | string[] | undefined>;
type AuditPage = 'access' | 'admin' | 'verify' | 'subject';

const auditLinks: [AuditPage, string][] = [
  ['access', '/audit'],
  ['admin', '/audit/admin'],
  ['verify', '/audit/verify'],
  ['subject', '/audit/subject'],
];

function AuditShell(props: { ctx: PageContext; page: AuditPage; children: ComponentChildren }) {
  const a = text(props.ctx.lang);
  return (
    <Layout ctx={props.ctx} title={`${props.ctx.t.audit} · ${a[props.page]}`} section="audit">
      <nav aria-label={a.sections}>
        <p>
          {auditLinks.map(([page, href], i) => (
            <span key={page}>
              {i > 0 ? ' · ' : null}
              <a href={href} aria-current={page === props.page ? 'page' : undefined}>
                {a[page]}
              </a>
            </span>
          ))}
        </p>
      </nav>
      {props.children}
    </Layout>
  );
}

/** A refusal of the API before anything could be shown: the page is only the refusal. */
function Refused({ ctx, problem, labels }: { ctx: PageContext; problem: Problem; labels?: Record<string, string> }) {
  return (
    <Layout ctx={ctx} title={ctx.t.audit} section="audit">
      <ProblemBox lang={ctx.lang} problem={problem} {...(labels ? { labels } : {})} />
    </Layout>
  );
}

const refusal = (status: number) => status === 401 || status === 403 || status === 404;

function formProblem(messages: { pointer: string; message: string }[]): Problem {
  return {
    type: 'about:blank',
    title: 'BRX_ERR_VALIDATION',
    status: 400,
    detail: messages.map((m) => m.message).join('; '),
    code: 'BRX_ERR_VALIDATION',
    errors: messages.map((m) => ({ in: 'query', pointer: m.pointer, message: m.message })),
  };
}

/** The time-range inputs (datetime-local, China Standard Time) as instants, or the form's complaints. */
function timeRange(a: Text, q: Query): { from?: string; to?: string; errors: { pointer: string; message: string }[] } {
  const errors: { pointer: string; message: string }[] = [];
  const out: { from?: string; to?: string } = {};
  for (const [name, label] of [
    ['from', a.from],
    ['to', a.to],
  ] as const) {
    const value = one(q[name]);
    if (!value) continue;
    const iso = chinaLocalToIso(value);
    if (iso) out[name] = iso;
    else errors.push({ pointer: `/${name}`, message: a.badTime(label) });
  }
  if (out.from && out.to && out.from >= out.to) errors.push({ pointer: '/to', message: a.timeOrder });
  return { ...out, errors };
}

/** Names for the ids an audit entry holds: departments, systems, nodes, people (as the API lets an auditor see them). */
class Names {
  #departments = new Map<string, string>();
  #users = new Map<string, string>();
  #machines = new Map<string, Promise<Map<string, string>>>();
  constructor(private readonly ctx: PageContext) {}

  async load(): Promise<this> {
    const [departments, users] = await Promise.all([
      this.ctx.api.get<DepartmentList>('/v1/departments').catch(() => ({ items: [] })),
      this.ctx.api.get<{ items: User[] }>('/v1/users').catch(() => ({ items: [] })),
    ]);
    for (const d of departments.items) this.#departments.set(d.id, d.name);
    for (const u of users.items) this.#users.set(u.id, `${u.displayName} (${u.username})`);
    return this;
  }

  get departments(): [string, string][] {
    return [...this.#departments.entries()].sort((x, y) => x[1].localeCompare(y[1], 'zh-CN'));
  }

  department(id: string | null | undefined): string {
    return id ? (this.#departments.get(id) ?? id) : '—';
  }

  user(id: string | null | undefined): string {
    return id ? (this.#users.get(id) ?? id) : '—';
  }

  /** the systems and nodes of a department, by id */
  machines(departmentId: string): Promise<Map<string, string>> {
    let known = this.#machines.get(departmentId);
    if (!known) {
      known = Promise.all([
        this.ctx.api.get<SystemList>(`/v1/departments/${departmentId}/systems`).catch(() => ({ items: [] })),
        this.ctx.api.get<NodeList>(`/v1/departments/${departmentId}/nodes`).catch(() => ({ items: [] })),
      ]).then(([s, n]) => new Map([...s.items, ...n.items].map((m) => [m.id, m.name])));
      this.#machines.set(departmentId, known);
    }
    return known;
  }

  async prepare(entries: readonly AuditAccessEntry[]): Promise<void> {
    await Promise.all([...new Set(entries.flatMap((e) => (e.departmentId ? [e.departmentId] : [])))].map((d) => this.machines(d)));
  }

  async machine(departmentId: string | null | undefined, id: string | null | undefined): Promise<string> {
    if (!id) return '—';
    if (!departmentId) return id;
    return (await this.machines(departmentId)).get(id) ?? id;
  }
}

/** One access entry in words, for the table and the CSV alike. */
async function describeAccess(a: Text, names: Names, e: AuditAccessEntry) {
  const kind = a.kinds(e.actorKind);
  const who =
    e.actorKind === 'user'
      ? names.user(e.actorId)
      : e.actorKind === 'system' || e.actorKind === 'node'
        ? await names.machine(e.departmentId, e.actorId)
        : (e.actorId ?? '');
  const viaNode = typeof e.query?.viaNode === 'string' ? await names.machine(e.departmentId, e.query.viaNode) : null;
  return {
    kind,
    who: viaNode ? `${who} (${viaNode})` : who,
    department: names.department(e.departmentId),
    system: e.systemId ? await names.machine(e.departmentId, e.systemId) : '—',
    mode: e.mode ? a.modes(e.mode) : '—',
    outcome: a.outcomes(e.outcome),
  };
}

interface AccessFilters {
  department: string;
  system: string;
  dataset: string;
  subject: string;
  from: string;
  to: string;
}

function accessFilters(q: Query): AccessFilters {
  return {
    department: one(q.department),
    system: one(q.department) ? one(q.system) : '',
    dataset: one(q.dataset),
    subject: one(q.subject),
    from: one(q.from),
    to: one(q.to),
  };
}

/** The API query for these filters, or the form's own complaints. */
function apiQuery(a: Text, f: AccessFilters, q: Query) {
  const range = timeRange(a, q);
  const errors = [...range.errors];
  if (f.subject && !/^[0-9A-Za-z]{15,18}$/.test(f.subject)) errors.push({ pointer: '/subject', message: a.badSubject });
  return {
    errors,
    query: { department: f.department, system: f.system, dataset: f.dataset, subject: f.subject, from: range.from, to: range.to },
  };
}

function AccessForm({ ctx, f, names, systems, datasets }: { ctx: PageContext; f: AccessFilters; names: Names; systems: [string, string][]; datasets: DatasetList['items'] }) {
  const a = text(ctx.lang);
  return (
    <form method="get" action="/audit" class="filters" aria-label={a.filters}>
      <label for="department">
        {a.department}
        <select id="department" name="department">
          <option value="">{a.anyDepartment}</option>
          {names.departments.map(([id, name]) => (
            <option key={id} value={id} selected={id === f.department}>
              {name}
            </option>
          ))}
        </select>
      </label>
      {f.department ? (
        <label for="system">
          {a.system}
          <select id="system" name="system">
            <option value="">{a.anySystem}</option>
            {systems.map(([id, name]) => (
              <option key={id} value={id} selected={id === f.system}>
                {name}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <label for="dataset">
        {a.dataset}
        <input id="dataset" name="dataset" value={f.dataset} list="datasets" maxLength={60} />
        <datalist id="datasets">
          {datasets.map((d) => (
            <option key={d.code} value={d.code}>
              {d.name}
            </option>
          ))}
        </datalist>
      </label>
      <label for="subject">
        {a.subjectId}
        <input id="subject" name="subject" value={f.subject} maxLength={18} autocomplete="off" spellcheck={false} />
      </label>
      <TimeRange from={f.from} to={f.to} labels={a} />
      <button type="submit">{ctx.t.search}</button>
      <a href="/audit">{ctx.t.reset}</a>
    </form>
  );
}

function AccessTable({ ctx, rows }: { ctx: PageContext; rows: { e: AuditAccessEntry; d: Awaited<ReturnType<typeof describeAccess>> }[] }) {
  const a = text(ctx.lang);
  if (rows.length === 0) return <p>{ctx.t.noneFound}</p>;
  return (
    <table>
      <caption class="visually-hidden">{a.access}</caption>
      <Head columns={[{ num: a.seq }, a.at, a.actor, a.department, a.dataset, a.mode, a.outcome, a.subjects, a.fields, { num: a.count }, a.operator, a.purpose]} />
      <tbody>
        {rows.map(({ e, d }) => (
          <tr key={e.seq}>
            <td class="num">{e.seq}</td>
            <td>{formatTime(ctx.lang, e.at)}</td>
            <td>
              {d.who}
              <br />
              <span class="muted">{d.kind}</span>
            </td>
            <td>{d.department}</td>
            <td>{e.dataset ?? '—'}</td>
            <td>{d.mode}</td>
            <td>{d.outcome}</td>
            <td>{e.subjectKeys.length ? e.subjectKeys.join(' ') : '—'}</td>
            <td>{e.fields.length ? e.fields.join(', ') : '—'}</td>
            <td class="num">{formatNumber(ctx.lang, e.recordCount)}</td>
            <td>{e.operator ?? '—'}</td>
            <td>{e.purpose ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A time as a spreadsheet reads it: wall clock in China, seconds included. */
const csvTime = (iso: string) => new Date(iso).toLocaleString('sv-SE', { timeZone: consoleZone });

function csvHeader(a: Text, lang: Lang): string[] {
  return [
    a.seq,
    lang === 'zh' ? '时间（北京时间）' : 'Time (CST)',
    lang === 'zh' ? '访问方类型' : 'Reader kind',
    a.actor,
    a.department,
    a.system,
    a.dataset,
    a.mode,
    a.outcome,
    a.subjects,
    a.fields,
    a.count,
    a.operator,
    a.purpose,
    a.grant,
    a.requestId,
    a.hash,
  ];
}

async function csvRow(a: Text, names: Names, e: AuditAccessEntry): Promise<string> {
  const d = await describeAccess(a, names, e);
  const cells = [
    e.seq,
    csvTime(e.at),
    d.kind,
    d.who,
    d.department,
    d.system,
    e.dataset,
    d.mode,
    d.outcome,
    e.subjectKeys.join(' '),
    e.fields.join(' '),
    e.recordCount,
    e.operator,
    e.purpose,
    e.grantId,
    e.requestId,
    e.hash,
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

const csvPage = 500;

export async function auditPages(c: FastifyInstance) {
  const queryOf = (request: FastifyRequest) => (request.query ?? {}) as Query;

  // ── the access log ──────────────────────────────────────────────────────────────────────────
  c.page('GET', '/audit', async (ctx, request, reply) => {
    const a = text(ctx.lang);
    const q = queryOf(request);
    const f = accessFilters(q);
    const { errors, query } = apiQuery(a, f, q);
    let page: AuditAccessPage = { items: [], nextCursor: null };
    let problem: Problem | undefined;
    let status = 200;
    if (errors.length) {
      problem = formProblem(errors);
      status = 400;
    } else {
      try {
        page = await ctx.api.get<AuditAccessPage>('/v1/audit/access', { ...query, cursor: one(q.cursor), limit: 50 });
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        if (refusal(e.status)) return sendPage(reply, <Refused ctx={ctx} problem={e.problem} />, e.status);
        problem = e.problem;
        status = e.status;
      }
    }
    const names = await new Names(ctx).load();
    const [systems, datasets] = await Promise.all([
      f.department
        ? ctx.api.get<SystemList>(`/v1/departments/${f.department}/systems`).then(
            (s) => s.items.map((x) => [x.id, x.name] as [string, string]),
            () => [],
          )
        : Promise.resolve([] as [string, string][]),
      ctx.api.get<DatasetList>('/v1/datasets', { limit: 200 }).then(
        (d) => d.items,
        () => [],
      ),
      names.prepare(page.items),
    ]);
    const rows = await Promise.all(page.items.map(async (e) => ({ e, d: await describeAccess(a, names, e) })));
    const filters = { ...f, system: f.system };
    const labels = { department: a.department, system: a.system, dataset: a.dataset, subject: a.subjectId, from: a.from, to: a.to };
    return sendPage(
      reply,
      <AuditShell ctx={ctx} page="access">
        <AccessForm ctx={ctx} f={f} names={names} systems={systems} datasets={datasets} />
        {f.department ? null : <p class="muted">{a.systemHint}</p>}
        {problem ? <ProblemBox lang={ctx.lang} problem={problem} labels={labels} /> : null}
        {problem ? null : (
          <>
            <p>
              <a href={withQuery('/audit/access.csv', filters)} download>
                {a.exportCsv}
              </a>
            </p>
            <p class="muted">{a.csvNote}</p>
            <AccessTable ctx={ctx} rows={rows} />
            <NextPage href={page.nextCursor ? withQuery('/audit', { ...filters, cursor: page.nextCursor }) : null} label={ctx.t.next} />
          </>
        )}
      </AuditShell>,
      status,
    );
  });

  // ── the access log as CSV: every page of the search, streamed ───────────────────────────────
  c.page('GET', '/audit/access.csv', async (ctx, request, reply) => {
    const a = text(ctx.lang);
    const q = queryOf(request);
    const f = accessFilters(q);
    const { errors, query } = apiQuery(a, f, q);
    const labels = { department: a.department, system: a.system, dataset: a.dataset, subject: a.subjectId, from: a.from, to: a.to };
    if (errors.length) return sendPage(reply, <Refused ctx={ctx} problem={formProblem(errors)} labels={labels} />, 400);
    let first: AuditAccessPage;
    try {
      // the first page before any byte is sent: a refusal is still a page of its own
      first = await ctx.api.get<AuditAccessPage>('/v1/audit/access', { ...query, limit: csvPage });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      return sendPage(reply, <Refused ctx={ctx} problem={e.problem} labels={labels} />, e.status);
    }
    const names = await new Names(ctx).load();
    async function* lines() {
      // a byte-order mark, so that Excel reads the file as UTF-8 (Chinese names and all)
      yield `\uFEFF${csvHeader(a, ctx.lang).map(csvCell).join(',')}\r\n`;
      let page = first;
      for (;;) {
        await names.prepare(page.items);
        let chunk = '';
        for (const e of page.items) chunk += await csvRow(a, names, e);
        if (chunk) yield chunk;
        if (!page.nextCursor) return;
        page = await ctx.api.get<AuditAccessPage>('/v1/audit/access', { ...query, cursor: page.nextCursor, limit: csvPage });
      }
    }
    const stamp = c.clock.now().toLocaleString('sv-SE', { timeZone: consoleZone }).replace(/[-: ]/g, '').slice(0, 12);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="audit-access-${stamp}.csv"`)
      .header('cache-control', 'no-store')
      .send(Readable.from(lines()));
  });

  // ── the admin action log ────────────────────────────────────────────────────────────────────
  c.page('GET', '/audit/admin', async (ctx, request, reply) => {
    const a = text(ctx.lang);
    const q = queryOf(request);
    const department = one(q.department);
    const action = one(q.action);
    const range = timeRange(a, q);
    let page: AuditAdminPage = { items: [], nextCursor: null };
    let problem: Problem | undefined;
    let status = 200;
    if (range.errors.length) {
      problem = formProblem(range.errors);
      status = 400;
    } else {
      try {
        page = await ctx.api.get<AuditAdminPage>('/v1/audit/admin', { department, action, from: range.from, to: range.to, cursor: one(q.cursor), limit: 50 });
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        if (refusal(e.status)) return sendPage(reply, <Refused ctx={ctx} problem={e.problem} />, e.status);
        problem = e.problem;
        status = e.status;
      }
    }
    const names = await new Names(ctx).load();
    const filters = { department, action, from: one(q.from), to: one(q.to) };
    return sendPage(
      reply,
      <AuditShell ctx={ctx} page="admin">
        <form method="get" action="/audit/admin" class="filters" aria-label={a.filters}>
          <label for="department">
            {a.department}
            <select id="department" name="department">
              <option value="">{a.anyDepartment}</option>
              {names.departments.map(([id, name]) => (
                <option key={id} value={id} selected={id === department}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          <label for="action">
            {a.action}
            <input id="action" name="action" value={action} placeholder="department.create" />
          </label>
          <TimeRange from={filters.from} to={filters.to} labels={a} />
          <button type="submit">{ctx.t.search}</button>
          <a href="/audit/admin">{ctx.t.reset}</a>
        </form>
        {problem ? <ProblemBox lang={ctx.lang} problem={problem} labels={{ department: a.department, action: a.action, from: a.from, to: a.to }} /> : null}
        {page.items.length === 0 ? (
          problem ? null : <p>{ctx.t.noneFound}</p>
        ) : (
          <table>
            <caption class="visually-hidden">{a.admin}</caption>
            <Head columns={[{ num: a.seq }, a.at, a.actor, a.department, a.action, a.target, a.detail]} />
            <tbody>
              {page.items.map((e) => (
                <tr key={e.seq}>
                  <td class="num">{e.seq}</td>
                  <td>{formatTime(ctx.lang, e.at)}</td>
                  <td>
                    {e.actorName ?? e.actorId ?? '—'}
                    <br />
                    <span class="muted">{a.kinds(e.actorKind)}</span>
                  </td>
                  <td>{names.department(e.departmentId)}</td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td>{e.targetKind ? `${e.targetKind} ${e.targetId ?? ''}` : '—'}</td>
                  <td>
                    <code>{e.detail && Object.keys(e.detail).length ? JSON.stringify(e.detail) : '—'}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <NextPage href={page.nextCursor ? withQuery('/audit/admin', { ...filters, cursor: page.nextCursor }) : null} label={ctx.t.next} />
      </AuditShell>,
      status,
    );
  });

  // ── chain verification ──────────────────────────────────────────────────────────────────────
  c.page('GET', '/audit/verify', async (ctx, request, reply) => {
    const a = text(ctx.lang);
    const q = queryOf(request);
    let report: AuditVerifyReport;
    try {
      report = await ctx.api.get<AuditVerifyReport>('/v1/audit/verify');
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      return sendPage(reply, <Refused ctx={ctx} problem={e.problem} />, e.status);
    }
    const jobId = one(q.job);
    let job: AuditVerifyJob | null = null;
    let jobGone = false;
    if (/^[0-9a-f-]{36}$/i.test(jobId)) {
      try {
        job = await ctx.api.get<AuditVerifyJob>(`/v1/audit/verify/jobs/${jobId}`);
      } catch (e) {
        if (!(e instanceof ApiError) || e.status !== 404) throw e;
        jobGone = true;
      }
    }
    const last = report.lastFullVerification;
    return sendPage(
      reply,
      <AuditShell ctx={ctx} page="verify">
        <VerifyResult ctx={ctx} report={report} />
        <dl class="facts">
          <dt>{a.lastFull}</dt>
          <dd>{last ? a.fullResult(formatTime(ctx.lang, last.finishedAt), last.intact) : a.noFull}</dd>
        </dl>
        <h2>{a.job}</h2>
        {jobGone ? <p>{a.jobGone}</p> : null}
        {job ? <JobView ctx={ctx} job={job} /> : null}
        <form method="post" action="/audit/verify/jobs">
          <Csrf ctx={ctx} />
          <button type="submit">{a.startFull}</button>
        </form>
      </AuditShell>,
    );
  });

  c.page('POST', '/audit/verify/jobs', async (ctx, _request, reply) => {
    try {
      const job = await ctx.api.post<AuditVerifyJob>('/v1/audit/verify/jobs');
      return reply.redirect(`/audit/verify?job=${job.id}`, 303);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      return sendPage(reply, <Refused ctx={ctx} problem={e.problem} />, e.status);
    }
  });

  // ── a subject's access report ───────────────────────────────────────────────────────────────
  c.page('GET', '/audit/subject', async (ctx, request, reply) => {
    const a = text(ctx.lang);
    const q = queryOf(request);
    const id = one(q.id);
    let report: AccessReport | null = null;
    let problem: Problem | undefined;
    let status = 200;
    if (id) {
      if (!/^[0-9A-Za-z]{15,18}$/.test(id)) {
        problem = formProblem([{ pointer: '/id', message: a.badSubject }]);
        status = 400;
      } else {
        try {
          report = await ctx.api.get<AccessReport>(`/v1/subjects/${encodeURIComponent(id)}/access-report`, { cursor: one(q.cursor), limit: 100 });
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
          if (e.status === 401 || e.status === 403) return sendPage(reply, <Refused ctx={ctx} problem={e.problem} />, e.status);
          problem = e.problem;
          status = e.status;
        }
      }
    } else {
      // the form alone still needs the right to see reports: ask the API what it would say
      try {
        await ctx.api.get<AuditAccessPage>('/v1/audit/access', { limit: 1 });
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        return sendPage(reply, <Refused ctx={ctx} problem={e.problem} />, e.status);
      }
    }
    return sendPage(
      reply,
      <AuditShell ctx={ctx} page="subject">
        <p>{a.subjectIntro}</p>
        <form method="get" action="/audit/subject" class="filters" aria-label={a.subject}>
          <label for="id">
            {a.subjectId}
            <input id="id" name="id" value={id} maxLength={18} required autocomplete="off" spellcheck={false} />
          </label>
          <button type="submit">{a.show}</button>
        </form>
        {problem ? <ProblemBox lang={ctx.lang} problem={problem} labels={{ id: a.subjectId }} /> : null}
        {report ? <SubjectReport ctx={ctx} report={report} id={id} /> : null}
      </AuditShell>,
      status,
    );
  });
}

function VerifyResult({ ctx, report }: { ctx: PageContext; report: AuditVerifyReport }) {
  const a = text(ctx.lang);
  return (
    <>
      {report.intact ? (
        <Notice>{a.chainIntact}</Notice>
      ) : report.logs.every((l) => l.intact) ? (
        <div class="problem" role="alert">
          <h2>{a.checkpointsFailed}</h2>
          <p>{a.chainsHold}</p>
        </div>
      ) : (
        <div class="problem" role="alert">
          <h2>{a.chainBroken}</h2>
          <ul>
            {report.logs
              .filter((l) => !l.intact)
              .map((l) => (
                <li key={l.log}>{a.brokenAt(a.logs(l.log), String(l.firstBrokenSeq ?? '?'), l.reason ?? '')}</li>
              ))}
          </ul>
        </div>
      )}
      <dl class="facts">
        <dt>{a.scope}</dt>
        <dd>
          {report.scope === 'full' ? a.scopeFull : a.scopeQuick}
          {report.scope === 'since-checkpoint' ? (
            <>
              <br />
              <span class="muted">{report.olderEntriesWalked ? a.olderWalked : a.olderNotWalked}</span>
            </>
          ) : null}
        </dd>
      </dl>
      <table>
        <caption class="visually-hidden">{a.verify}</caption>
        <Head columns={[a.log, a.result, { num: a.entries }, { num: a.checked }, { num: a.fromSeq }, a.checkpointAt, a.headHash]} />
        <tbody>
          {report.logs.map((l) => (
            <tr key={l.log}>
              <td>{a.logs(l.log)}</td>
              <td>{l.intact ? a.intact : `${a.broken}: #${l.firstBrokenSeq ?? '?'} ${l.reason ?? ''}`}</td>
              <td class="num">{formatNumber(ctx.lang, l.entries)}</td>
              <td class="num">{formatNumber(ctx.lang, l.checked)}</td>
              <td class="num">{formatNumber(ctx.lang, l.fromSeq)}</td>
              <td>{formatTime(ctx.lang, l.checkpointAt)}</td>
              <td>
                <code title={l.headHash}>{`${l.headHash.slice(0, 16)}…`}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {report.checkpoints ? (
        <>
          <h3>{a.checkpoints}</h3>
          <p>
            {a.checkpointSummary(
              formatNumber(ctx.lang, report.checkpoints.checked),
              formatNumber(ctx.lang, report.checkpoints.holding),
              formatNumber(ctx.lang, report.checkpoints.problemCount),
            )}
          </p>
          {report.checkpoints.problems.length ? (
            <ul>
              {report.checkpoints.problems.map((p, i) => (
                <li key={i}>{`#${p.line}${p.log ? ` ${a.logs(p.log)}` : ''}${p.seq ? ` @${p.seq}` : ''}: ${p.reason}`}</li>
              ))}
            </ul>
          ) : null}
          {report.checkpoints.warnings?.length ? (
            <>
              <h3>{a.warnings}</h3>
              <ul>
                {report.checkpoints.warnings.map((w, i) => (
                  <li key={i}>{w}</li>
                ))}
              </ul>
            </>
          ) : null}
        </>
      ) : null}
    </>
  );
}

function JobView({ ctx, job }: { ctx: PageContext; job: AuditVerifyJob }) {
  const a = text(ctx.lang);
  return (
    <section aria-label={a.job}>
      {job.state === 'running' ? <Notice>{a.fullStarted}</Notice> : null}
      <dl class="facts">
        <dt>{a.result}</dt>
        <dd>{a.jobState(job.state)}</dd>
        <dt>{a.started}</dt>
        <dd>{formatTime(ctx.lang, job.startedAt)}</dd>
        <dt>{a.finished}</dt>
        <dd>{formatTime(ctx.lang, job.finishedAt)}</dd>
        {job.progress.map((p) => (
          <Fragment key={p.stage}>
            <dt>{a.stage(p.stage)}</dt>
            <dd>{a.progress(formatNumber(ctx.lang, p.checked), p.total === null ? '?' : formatNumber(ctx.lang, p.total))}</dd>
          </Fragment>
        ))}
      </dl>
      {job.error ? <p class="problem">{job.error}</p> : null}
      {job.state === 'running' ? (
        <p>
          <a href={`/audit/verify?job=${job.id}`}>{a.refresh}</a>
        </p>
      ) : null}
      {job.report ? <VerifyResult ctx={ctx} report={job.report} /> : null}
    </section>
  );
}

function SubjectReport({ ctx, report, id }: { ctx: PageContext; report: AccessReport; id: string }) {
  const a = text(ctx.lang);
  return (
    <section aria-label={a.subject}>
      <dl class="facts">
        <dt>{a.subjectId}</dt>
        <dd>{report.subject}</dd>
      </dl>
      {report.items.length === 0 ? (
        <p>{ctx.t.noneFound}</p>
      ) : (
        <table>
          <caption class="visually-hidden">{a.subject}</caption>
          <Head columns={[a.at, a.department, a.system2, a.purpose, a.datasetName, a.mode, a.fields, a.operator, a.covertUntil]} />
          <tbody>
            {report.items.map((r, i) => (
              <tr key={i}>
                <td>{formatTime(ctx.lang, r.at)}</td>
                <td>{r.department ?? '—'}</td>
                <td>{r.system ?? '—'}</td>
                <td>{r.purpose ?? '—'}</td>
                <td>
                  {r.datasetName ?? r.dataset ?? '—'}
                  {r.datasetName && r.dataset ? (
                    <>
                      <br />
                      <span class="muted">{r.dataset}</span>
                    </>
                  ) : null}
                </td>
                <td>{a.modes(r.mode)}</td>
                <td>{r.fields.join(', ') || '—'}</td>
                <td>{r.operator ?? '—'}</td>
                <td>{r.covertUntil ? formatTime(ctx.lang, r.covertUntil) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <NextPage href={report.next ? withQuery('/audit/subject', { id, cursor: report.next }) : null} label={ctx.t.next} />
    </section>
  );
}

/** A search's time range: wall-clock times in China (datetime-local), converted with chinaLocalToIso. */
function TimeRange(props: { from: string | undefined; to: string | undefined; labels: { from: string; to: string } }) {
  return (
    <>
      <label for="from">
        {props.labels.from}
        <input id="from" name="from" type="datetime-local" value={props.from} />
      </label>
      <label for="to">
        {props.labels.to}
        <input id="to" name="to" type="datetime-local" value={props.to} />
      </label>
    </>
  );
}
