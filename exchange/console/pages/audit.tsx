import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
import { ApiError, formProblem, withQuery } from '../api.ts';
import { one, type PageContext, sendPage } from '../context.ts';
import { chinaLocalToIso, consoleZone, formatNumber, formatTime } from '../format.ts';
import { type Lang, texts } from '../i18n.ts';
import { Csrf, Layout, NextPage, Notice, ProblemBox, Head } from '../ui.tsx';

/** The admin actions brx records (the filter offers them by name; another code still shows as itself). */
const adminActions = [
  'calendar.replace',
  'dataset.contract.add',
  'dataset.draft',
  'dataset.publish',
  'dataset.retire',
  'dataset.update',
  'department.create',
  'department.update',
  'department.issuer-key.set',
  'grant.create',
  'grant.revoke',
  'node.create',
  'node.key.rotate',
  'node.key.revoke',
  'node.signing-key.rotate',
  'system.create',
  'system.update',
  'system.key.rotate',
  'system.key.revoke',
  'quarantine.discard',
  'registry.authority.set',
  'registry.source.set',
  'subject.token',
  'subscription.create',
  'subscription.cancel',
  'subscription.replay',
  'user.create',
  'user.update',
  'user.absence',
  'user.password.change',
  'user.password.reset',
];

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
    anyAction: '全部操作',
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
    notAnchored: (logs: string, interval: number) =>
      `签名检查点尚未覆盖这些日志（${logs}）：${interval > 0 ? `首个检查点在 ${interval} 秒内或停止服务时写入` : '检查点在停止服务时写入'}；日志链本身完整。`,
    fullNotAnchored: (at: string) => `${at} 完成，日志链完整，签名检查点尚未覆盖`,
    problem: (p: CheckpointProblem, log: string, time: (iso: string | undefined) => string) => {
      const line = p.line ? `第 ${p.line} 行` : '检查点文件';
      const entry = `${log}第 ${p.seq ?? '?'} 条`;
      const since = p.holdsUpTo ? `第 ${p.holdsUpTo} 条之后（该处的检查点仍有效）` : '在它之前的任何位置';
      switch (p.kind) {
        case 'malformed':
          return `${line}不是有效的签名检查点`;
        case 'key':
          return `${line}（${entry}）由另一把密钥签名，不是本平台的审计密钥`;
        case 'signature':
          return `${line}（${entry}）的签名不成立：该行被改动过`;
        case 'removed':
          return `${line}签署了${entry}，但该日志现只到第 ${p.head ?? '?'} 条：条目被删除，删除发生在${since}`;
        case 'rewritten':
          return `${line}：${entry}的哈希与 ${time(p.at)} 签署时不同：日志在第 ${p.seq ?? '?'} 条或之前被改写，改写发生在${since}`;
        case 'unanchored':
          return `检查点文件中还没有${log}的检查点（该日志已有 ${p.head ?? '?'} 条）`;
        case 'stale':
          return `${log}最新的有效检查点（第 ${p.seq ?? '?'} 条，${time(p.at)}）比日志最后一条早 ${p.lagMinutes ?? '?'} 分钟，其后 ${(p.head ?? 0) - (p.seq ?? 0)} 条没有检查点担保`;
        default:
          return `${line}：${p.reason}`;
      }
    },
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
    actions: pick({
      'calendar.replace': '更新工作日历',
      'dataset.contract.add': '新增数据资源契约版本',
      'dataset.draft': '起草数据资源',
      'dataset.publish': '发布数据资源',
      'dataset.retire': '停用数据资源',
      'dataset.update': '修改数据资源',
      'department.create': '新建部门',
      'department.update': '修改部门',
      'department.issuer-key.set': '设置部门证照签发公钥',
      'grant.create': '授予数据使用权限',
      'grant.revoke': '撤销数据使用权限',
      'node.create': '新建前置机',
      'node.key.rotate': '轮换前置机密钥',
      'node.key.revoke': '吊销前置机密钥',
      'node.signing-key.rotate': '轮换前置机签名密钥',
      'system.create': '新建应用系统',
      'system.update': '修改应用系统',
      'system.key.rotate': '轮换应用系统密钥',
      'system.key.revoke': '吊销应用系统密钥',
      'quarantine.discard': '丢弃隔离区数据',
      'registry.authority.set': '设置基础库字段权威部门',
      'registry.source.set': '设置基础库数据来源',
      'subject.token': '签发数据主体查询凭证',
      'subscription.create': '新建订阅',
      'subscription.cancel': '取消订阅',
      'subscription.replay': '重放订阅',
      'user.create': '新建人员',
      'user.update': '修改人员',
      'user.absence': '登记人员休假',
      'user.password.change': '修改本人密码',
      'user.password.reset': '重置人员密码',
    }),
    targets: pick({
      calendar: '工作日历',
      dataset: '数据资源',
      department: '部门',
      grant: '授权',
      node: '前置机',
      system: '应用系统',
      quarantine: '隔离区数据',
      registry: '基础库',
      subject: '数据主体',
      subscription: '订阅',
      user: '人员',
    }),
    detailSummary: (n: number, name: string) => `${name ? `${name} · ` : ''}${n} 项`,
    subjectNotInUrl: '身份号码不放入网址：请在查询表单中输入数据主体后提交。',
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
    anyAction: 'All actions',
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
    notAnchored: (logs: string, interval: number) =>
      `No signed checkpoint covers these logs yet (${logs}): ${interval > 0 ? `the first is written within ${interval} seconds, or when the service stops` : 'checkpoints are written when the service stops'}; the chains themselves hold.`,
    fullNotAnchored: (at: string) => `finished ${at}: the chains hold, no signed checkpoint covers them yet`,
    problem: (p: CheckpointProblem, log: string, time: (iso: string | undefined) => string) => {
      const line = p.line ? `Line ${p.line}` : 'The checkpoint file';
      const entry = `${log}, entry ${p.seq ?? '?'}`;
      const since = p.holdsUpTo ? `after entry ${p.holdsUpTo} (whose checkpoint still holds)` : 'anywhere before it';
      switch (p.kind) {
        case 'malformed':
          return `${line} is not a signed checkpoint`;
        case 'key':
          return `${line} (${entry}) is signed with another key, not this platform's audit key`;
        case 'signature':
          return `${line} (${entry}): its signature does not hold, the line was altered`;
        case 'removed':
          return `${line} signed ${entry}, but the log now ends at entry ${p.head ?? '?'}: entries were removed ${since}`;
        case 'rewritten':
          return `${line}: ${entry} has another hash than the one signed at ${time(p.at)}: the log was rewritten at or before entry ${p.seq ?? '?'}, ${since}`;
        case 'unanchored':
          return `The checkpoint file has no checkpoint of the ${log} yet (it has ${p.head ?? '?'} entries)`;
        case 'stale':
          return `The newest checkpoint of the ${log} that holds (entry ${p.seq ?? '?'}, ${time(p.at)}) is ${p.lagMinutes ?? '?'} min older than its last entry; ${(p.head ?? 0) - (p.seq ?? 0)} entries after it are vouched for by no checkpoint`;
        default:
          return `${line}: ${p.reason}`;
      }
    },
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
    actions: pick({
      'calendar.replace': 'Working-day calendar replaced',
      'dataset.contract.add': 'Dataset contract version added',
      'dataset.draft': 'Dataset drafted',
      'dataset.publish': 'Dataset published',
      'dataset.retire': 'Dataset retired',
      'dataset.update': 'Dataset changed',
      'department.create': 'Department created',
      'department.update': 'Department changed',
      'department.issuer-key.set': 'Department certificate key set',
      'grant.create': 'Grant made',
      'grant.revoke': 'Grant revoked',
      'node.create': 'Node created',
      'node.key.rotate': 'Node key rotated',
      'node.key.revoke': 'Node key revoked',
      'node.signing-key.rotate': 'Node signing key rotated',
      'system.create': 'System created',
      'system.update': 'System changed',
      'system.key.rotate': 'System key rotated',
      'system.key.revoke': 'System key revoked',
      'quarantine.discard': 'Quarantined data discarded',
      'registry.authority.set': 'Registry field authorities set',
      'registry.source.set': 'Registry source set',
      'subject.token': 'Subject access token issued',
      'subscription.create': 'Subscription created',
      'subscription.cancel': 'Subscription cancelled',
      'subscription.replay': 'Subscription replayed',
      'user.create': 'Person created',
      'user.update': 'Person changed',
      'user.absence': 'Absence recorded',
      'user.password.change': 'Own password changed',
      'user.password.reset': 'Password reset',
    }),
    targets: pick({
      calendar: 'Calendar',
      dataset: 'Dataset',
      department: 'Department',
      grant: 'Grant',
      node: 'Node',
      system: 'System',
      quarantine: 'Quarantine',
      registry: 'Registry',
      subject: 'Subject',
      subscription: 'Subscription',
      user: 'Person',
    }),
    detailSummary: (n: number, name: string) => `${name ? `${name} · ` : ''}${n} ${n === 1 ? 'item' : 'items'}`,
    subjectNotInUrl: 'An ID number is not put in a web address: enter the subject in the search form and submit it.',
  },
});

type Text = ReturnType<typeof text>;
type CheckpointProblem = NonNullable<AuditVerifyReport['checkpoints']>['problems'][number];

/**
 * Checkpoint problems that only say "no checkpoint yet" (a fresh install before the checkpointer's
 * first tick), the chains themselves holding: a notice, not a failure. Any other problem — a
 * rewrite, a removal, an altered line — stays a failure.
 */
function onlyUnanchored(report: AuditVerifyReport): CheckpointProblem[] | null {
  const c = report.checkpoints;
  if (report.intact || !c || !report.logs.every((l) => l.intact)) return null;
  if (c.problemCount === 0 || c.problemCount !== c.problems.length || !c.problems.every((p) => p.kind === 'unanchored')) return null;
  return c.problems;
}
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

  /** a department's or a person's name for an id, if it is one */
  known(id: string): string | undefined {
    return this.#departments.get(id) ?? this.#users.get(id);
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

/** Hidden fields carrying a search to its next page or its export (empty values left out). */
function Hidden({ values }: { values: Record<string, string | undefined> }) {
  return (
    <>
      {Object.entries(values).map(([name, value]) => (value ? <input key={name} type="hidden" name={name} value={value} /> : null))}
    </>
  );
}

/**
 * A refusal of a subject in a web address: an ID number in a URL stays in the browser's history,
 * bookmarks and every proxy's log, so the console searches by subject only through POST forms.
 */
const subjectInUrl = (a: Text, pointer: string) => formProblem([{ pointer, message: a.subjectNotInUrl }]);

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
    <form method="post" action="/audit" class="filters" aria-label={a.filters}>
      <Csrf ctx={ctx} />
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
  /**
   * The access log. A search without a subject is a GET (a link one may keep); the form posts,
   * and such a post is sent on to that GET. A search by subject stays a POST, its next page and
   * its export too, so that the ID number is never in a URL.
   */
  async function accessPage(ctx: PageContext, reply: FastifyReply, q: Query, posted: boolean) {
    const a = text(ctx.lang);
    const f = accessFilters(q);
    const { errors, query } = apiQuery(a, f, q);
    let page: AuditAccessPage = { items: [], nextCursor: null };
    let problem: Problem | undefined;
    let status = 200;
    if (!posted && f.subject) {
      problem = subjectInUrl(a, '/subject');
      f.subject = '';
      status = 400;
    } else if (errors.length) {
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
    const filters: Record<string, string> = { ...f };
    const labels = { department: a.department, system: a.system, dataset: a.dataset, subject: a.subjectId, from: a.from, to: a.to };
    return sendPage(
      reply,
      <AuditShell ctx={ctx} page="access">
        <AccessForm ctx={ctx} f={f} names={names} systems={systems} datasets={datasets} />
        {f.department ? null : <p class="muted">{a.systemHint}</p>}
        {problem ? <ProblemBox lang={ctx.lang} problem={problem} labels={labels} /> : null}
        {problem ? null : (
          <>
            {f.subject ? (
              <form method="post" action="/audit/access.csv">
                <Csrf ctx={ctx} />
                <Hidden values={filters} />
                <button type="submit" class="secondary">
                  {a.exportCsv}
                </button>
              </form>
            ) : (
              <p>
                <a href={withQuery('/audit/access.csv', filters)} download>
                  {a.exportCsv}
                </a>
              </p>
            )}
            <p class="muted">{a.csvNote}</p>
            <AccessTable ctx={ctx} rows={rows} />
            {!page.nextCursor ? null : f.subject ? (
              <form method="post" action="/audit">
                <Csrf ctx={ctx} />
                <Hidden values={{ ...filters, cursor: page.nextCursor }} />
                <button type="submit" class="secondary">
                  {ctx.t.next}
                </button>
              </form>
            ) : (
              <NextPage href={withQuery('/audit', { ...filters, cursor: page.nextCursor })} label={ctx.t.next} />
            )}
          </>
        )}
      </AuditShell>,
      status,
    );
  }

  c.page('GET', '/audit', (ctx, request, reply) => accessPage(ctx, reply, queryOf(request), false));
  c.page('POST', '/audit', async (ctx, _request, reply) => {
    const f = accessFilters(ctx.form);
    if (f.subject) return accessPage(ctx, reply, ctx.form, true);
    return reply.redirect(withQuery('/audit', { ...f, cursor: one(ctx.form.cursor) }), 303);
  });

  // ── the access log as CSV: every page of the search, streamed ───────────────────────────────
  async function accessCsv(ctx: PageContext, reply: FastifyReply, q: Query, posted: boolean) {
    const a = text(ctx.lang);
    const f = accessFilters(q);
    const { errors, query } = apiQuery(a, f, q);
    const labels = { department: a.department, system: a.system, dataset: a.dataset, subject: a.subjectId, from: a.from, to: a.to };
    if (!posted && f.subject) return sendPage(reply, <Refused ctx={ctx} problem={subjectInUrl(a, '/subject')} labels={labels} />, 400);
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
  }
  c.page('GET', '/audit/access.csv', (ctx, request, reply) => accessCsv(ctx, reply, queryOf(request), false));
  c.page('POST', '/audit/access.csv', (ctx, _request, reply) => accessCsv(ctx, reply, ctx.form, true));

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
    const targets = await Promise.all(page.items.map((e) => targetName(names, e)));
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
            <select id="action" name="action">
              <option value="">{a.anyAction}</option>
              {[...new Set([...adminActions, ...(action ? [action] : [])])]
                .map((code) => [code, a.actions(code)] as const)
                .sort((x, y) => x[1].localeCompare(y[1], ctx.lang === 'zh' ? 'zh-CN' : 'en'))
                .map(([code, word]) => (
                  <option key={code} value={code} selected={code === action}>
                    {word}
                  </option>
                ))}
            </select>
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
              {page.items.map((e, i) => (
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
                    {a.actions(e.action)}
                    {a.actions(e.action) === e.action ? null : (
                      <>
                        <br />
                        <code class="muted">{e.action}</code>
                      </>
                    )}
                  </td>
                  <td>
                    {e.targetKind ? (
                      <>
                        {targets[i]}
                        <br />
                        <span class="muted">{a.targets(e.targetKind)}</span>
                      </>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>
                    <AdminDetail a={a} names={names} detail={e.detail} />
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
    const jobId = one(q.job);
    let job: AuditVerifyJob | null = null;
    let jobGone = false;
    let report: AuditVerifyReport;
    try {
      // the job before the report: a job that ends between the two reads is then the report's last full verification
      if (/^[0-9a-f-]{36}$/i.test(jobId)) {
        try {
          job = await ctx.api.get<AuditVerifyJob>(`/v1/audit/verify/jobs/${jobId}`);
        } catch (e) {
          if (!(e instanceof ApiError) || e.status !== 404) throw e;
          jobGone = true;
        }
      }
      report = await ctx.api.get<AuditVerifyReport>('/v1/audit/verify');
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      return sendPage(reply, <Refused ctx={ctx} problem={e.problem} />, e.status);
    }
    const last = report.lastFullVerification;
    const interval = c.config.auditCheckpointIntervalSeconds;
    return sendPage(
      reply,
      <AuditShell ctx={ctx} page="verify">
        <VerifyResult ctx={ctx} report={report} interval={interval} />
        <dl class="facts">
          <dt>{a.lastFull}</dt>
          <dd>
            {!last
              ? a.noFull
              : !last.intact && job?.report && job.finishedAt === last.finishedAt && onlyUnanchored(job.report)
                ? a.fullNotAnchored(formatTime(ctx.lang, last.finishedAt))
                : a.fullResult(formatTime(ctx.lang, last.finishedAt), last.intact)}
          </dd>
        </dl>
        <h2>{a.job}</h2>
        {jobGone ? <p>{a.jobGone}</p> : null}
        {job ? <JobView ctx={ctx} job={job} interval={interval} /> : null}
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
  // the form posts, and its next page too: the ID number is never in a URL
  async function subjectPage(ctx: PageContext, reply: FastifyReply, q: Query, posted: boolean) {
    const a = text(ctx.lang);
    let id = one(q.id);
    let report: AccessReport | null = null;
    let problem: Problem | undefined;
    let status = 200;
    if (id && !posted) {
      problem = subjectInUrl(a, '/id');
      status = 400;
      id = '';
    } else if (id) {
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
    }
    if (!report) {
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
        <form method="post" action="/audit/subject" class="filters" aria-label={a.subject}>
          <Csrf ctx={ctx} />
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
  }
  c.page('GET', '/audit/subject', (ctx, request, reply) => subjectPage(ctx, reply, queryOf(request), false));
  c.page('POST', '/audit/subject', (ctx, _request, reply) => subjectPage(ctx, reply, ctx.form, true));
}

type AdminEntry = AuditAdminPage['items'][number];

/** An id, short: its first eight characters (the whole in the title). */
function shortId(id: string) {
  return /^[0-9a-f]{8}-[0-9a-f-]{27}$/i.test(id) ? `${id.slice(0, 8)}…` : id;
}

/** What an admin action acted on, by name where the console knows it. */
async function targetName(names: Names, e: AdminEntry): Promise<string> {
  const id = e.targetId;
  if (!id) return '—';
  if (e.targetKind === 'department') return names.department(id);
  if (e.targetKind === 'user') return names.user(id);
  if (e.targetKind === 'system' || e.targetKind === 'node') {
    const name = await names.machine(e.departmentId, id);
    return name === id ? shortId(id) : name;
  }
  return shortId(id);
}

/** A detail value in words: names for ids the console knows, lists joined, anything else as JSON. */
function detailValue(names: Names, value: unknown): string {
  if (typeof value === 'string') return names.known(value) ?? value;
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)) return value.map((v) => detailValue(names, v)).join(', ');
  return JSON.stringify(value);
}

/** An admin action's detail, folded: a short summary (its name, if any, and how many items), the items on opening. */
function AdminDetail({ a, names, detail }: { a: Text; names: Names; detail: AdminEntry['detail'] }) {
  const entries = detail && typeof detail === 'object' ? Object.entries(detail) : [];
  if (entries.length === 0) return <>—</>;
  const name = typeof detail?.name === 'string' ? detail.name : '';
  return (
    <details>
      <summary>{a.detailSummary(entries.length, name)}</summary>
      <dl class="facts">
        {entries.map(([key, value]) => (
          <Fragment key={key}>
            <dt>{key}</dt>
            <dd>{detailValue(names, value)}</dd>
          </Fragment>
        ))}
      </dl>
    </details>
  );
}

function VerifyResult({ ctx, report, interval }: { ctx: PageContext; report: AuditVerifyReport; interval: number }) {
  const a = text(ctx.lang);
  const unanchored = onlyUnanchored(report);
  const time = (iso: string | undefined) => (iso ? formatTime(ctx.lang, iso) : '?');
  return (
    <>
      {report.intact ? (
        <Notice>{a.chainIntact}</Notice>
      ) : unanchored ? (
        <Notice>{a.notAnchored(unanchored.map((p) => a.logs(p.log ?? '')).join(ctx.lang === 'zh' ? '、' : ', '), interval)}</Notice>
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
                <li key={i}>{a.problem(p, a.logs(p.log ?? ''), time)}</li>
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

function JobView({ ctx, job, interval }: { ctx: PageContext; job: AuditVerifyJob; interval: number }) {
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
      {job.report ? <VerifyResult ctx={ctx} report={job.report} interval={interval} /> : null}
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
      {report.next ? (
        <form method="post" action="/audit/subject">
          <Csrf ctx={ctx} />
          <Hidden values={{ id, cursor: report.next }} />
          <button type="submit" class="secondary">
            {ctx.t.next}
          </button>
        </form>
      ) : null}
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
