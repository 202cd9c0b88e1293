import type { FastifyInstance, FastifyRequest } from 'fastify';
import type {
  BatchList,
  Case,
  Dataset,
  DatasetList,
  DatasetQuery,
  DepartmentList,
  Problem,
  RequestCreate,
  SystemList,
} from '../../../contracts/generated/api.ts';
import { ApiError, formProblem, withQuery } from '../api.ts';
import { many, one, type PageContext, sendPage, queryValues } from '../context.ts';
import { formatNumber, formatTime } from '../format.ts';
import { type Lang, texts } from '../i18n.ts';
import { Csrf, Layout, NextPage, ProblemBox, Head, Choice } from '../ui.tsx';

/** The catalog's own vocabulary in both languages (also what other pages show of a dataset). */
export const catalogWords = {
  class: {
    base: ['基础信息资源', 'Base registry'],
    thematic: ['主题信息资源', 'Thematic'],
    department: ['部门信息资源', 'Departmental'],
  },
  sharingType: {
    unconditional: ['无条件共享', 'Unconditional'],
    conditional: ['有条件共享', 'Conditional'],
    none: ['不予共享', 'Not shared'],
  },
  updateCycle: {
    realtime: ['实时', 'Real time'],
    daily: ['每日', 'Daily'],
    weekly: ['每周', 'Weekly'],
    monthly: ['每月', 'Monthly'],
    yearly: ['每年', 'Yearly'],
  },
  sensitivity: {
    public: ['公开', 'Public'],
    internal: ['内部', 'Internal'],
    personal: ['个人信息', 'Personal'],
    'sensitive-personal': ['敏感个人信息', 'Sensitive personal'],
  },
  mode: {
    subscribe: ['订阅推送', 'Subscribe'],
    pull: ['接口拉取', 'Pull'],
    verify: ['核验', 'Verify'],
    file: ['批量文件', 'Bulk file'],
  },
  status: {
    draft: ['草稿', 'Draft'],
    published: ['已发布', 'Published'],
    retired: ['已退役', 'Retired'],
  },
  openType: {
    open: ['开放', 'Open'],
    conditional: ['有条件开放', 'Conditionally open'],
    closed: ['不开放', 'Not open'],
  },
  masking: {
    'id-number': ['证件号码脱敏', 'ID number masked'],
    name: ['姓名脱敏', 'Name masked'],
    phone: ['电话脱敏', 'Phone masked'],
    address: ['地址脱敏', 'Address masked'],
    redact: ['整项遮蔽', 'Redacted'],
    none: ['不脱敏', 'None'],
  },
} as const satisfies Record<string, Record<string, readonly [string, string]>>;

type Vocabulary = typeof catalogWords;

/** A catalog value in words; an unknown value is shown as it is. */
export function word<K extends keyof Vocabulary>(lang: Lang, kind: K, value: string | null | undefined): string {
  if (!value) return '—';
  const pair = (catalogWords[kind] as Record<string, readonly [string, string]>)[value];
  return pair ? pair[lang === 'zh' ? 0 : 1] : value;
}

const text = texts({
  zh: {
    title: '数据目录',
    searchWords: '关键词',
    searchHint: '名称、编码或标签',
    provider: '提供部门',
    class: '资源分类',
    sharingType: '共享类型',
    updateCycle: '更新周期',
    any: '全部',
    name: '名称',
    code: '资源编码',
    results: '查询结果',
    status: '状态',
    summary: '摘要',
    facts: '目录信息',
    sharingConditions: '共享条件',
    legalBasis: '共享依据',
    openType: '开放类型',
    modes: '交换方式',
    deadline: '审批时限',
    deadlineDays: (n: number) => `${n} 个工作日`,
    tags: '标签',
    version: '数据规范版本',
    publishedAt: '发布时间',
    updatedAt: '目录更新时间',
    keyField: '主键字段',
    fields: '数据项',
    fieldName: '字段编码',
    fieldTitle: '中文名称',
    dataElement: '数据元',
    sensitivity: '敏感级别',
    fieldSharing: '共享类型',
    searchable: '可检索',
    masking: '脱敏规则',
    noContract: '该资源尚无数据规范。',
    key: '（主键）',
    activity: '近期发布情况',
    receivedAt: '接收时间',
    batch: '批次',
    records: '记录数',
    accepted: '入库',
    unchanged: '未变化',
    stale: '过期',
    rejected: '拒收',
    noBatches: '尚未收到数据批次。',
    request: '申请共享',
    requestIntro: '选择需要的数据项并说明用途。无条件共享的数据项即时授权，有条件共享的由提供部门在时限内审批。',
    wantedFields: '申请的数据项',
    purpose: '用途',
    purposeHint: '如：行政依据、工作参考、数据校核、业务协同，或用文字说明',
    basis: '申请依据（法律法规、政策文件）',
    wantedModes: '使用方式',
    duration: '使用期限（天）',
    system: '使用系统',
    noSystem: '本部门尚未登记使用数据的应用系统，暂不能提交申请。',
    registerYourself: (path: string) => `您是本部门的管理员，可以登记一个应用系统（POST ${path}），然后再提交申请。`,
    askAdmin: (path: string) => `请本部门管理员（dept_admin）登记应用系统（POST ${path}）。`,
    file: '提交共享申请',
    pickField: '请至少勾选一个数据项',
    pickMode: '请至少选择一种使用方式',
    pickSystem: '请选择使用系统',
    purposeShort: '请用至少 2 个字说明用途',
    durationRange: '请填写 1 到 1830 之间的整数',
    notRequestable: '该资源当前不接受共享申请。',
  },
  en: {
    title: 'Catalog',
    searchWords: 'Words',
    searchHint: 'name, code or tag',
    provider: 'Provider',
    class: 'Class',
    sharingType: 'Sharing type',
    updateCycle: 'Update cycle',
    any: 'Any',
    name: 'Name',
    code: 'Code',
    results: 'Results',
    status: 'Status',
    summary: 'Summary',
    facts: 'Catalog entry',
    sharingConditions: 'Sharing conditions',
    legalBasis: 'Legal basis',
    openType: 'Open data',
    modes: 'Exchange modes',
    deadline: 'Decision deadline',
    deadlineDays: (n: number) => `${n} working day${n === 1 ? '' : 's'}`,
    tags: 'Tags',
    version: 'Contract version',
    publishedAt: 'Published',
    updatedAt: 'Entry last changed',
    keyField: 'Key field',
    fields: 'Fields',
    fieldName: 'Field code',
    fieldTitle: 'Chinese title',
    dataElement: 'Data element',
    sensitivity: 'Sensitivity',
    fieldSharing: 'Sharing type',
    searchable: 'Searchable',
    masking: 'Masking',
    noContract: 'This dataset has no contract yet.',
    key: ' (key)',
    activity: 'Recent publishing',
    receivedAt: 'Received',
    batch: 'Batch',
    records: 'Records',
    accepted: 'Accepted',
    unchanged: 'Unchanged',
    stale: 'Stale',
    rejected: 'Rejected',
    noBatches: 'No batches received yet.',
    request: 'Request access',
    requestIntro:
      'Tick the fields you need and say what for. Unconditional fields are granted at once; the provider decides on conditional ones within the deadline.',
    wantedFields: 'Fields requested',
    purpose: 'Purpose',
    purposeHint: 'e.g. 行政依据, 工作参考, 数据校核, 业务协同, or in words',
    basis: 'Legal basis (laws, regulations, policy documents)',
    wantedModes: 'Modes of use',
    duration: 'Duration (days)',
    system: 'Consuming system',
    noSystem: 'Your department has no consuming system registered yet, so no request can be filed.',
    registerYourself: (path: string) => `As the department administrator, you can register one (POST ${path}) and then file the request.`,
    askAdmin: (path: string) => `A department administrator (dept_admin) registers one (POST ${path}).`,
    file: 'File the request',
    pickField: 'Tick at least one field',
    pickMode: 'Choose at least one mode of use',
    pickSystem: 'Choose the consuming system',
    purposeShort: 'Say what for in at least 2 characters',
    durationRange: 'Give a whole number from 1 to 1830',
    notRequestable: 'This dataset takes no requests at the moment.',
  },
});

const filterNames = ['q', 'provider', 'class', 'sharingType', 'updateCycle'] as const;
type Filters = Partial<Record<(typeof filterNames)[number], string>>;

const filtersOf = (request: FastifyRequest): Filters & { cursor?: string } => queryValues(request, filterNames);

const optionsOf = <K extends keyof Vocabulary>(lang: Lang, kind: K): [string, string][] =>
  Object.keys(catalogWords[kind]).map((v) => [v, word(lang, kind, v)]);

function CatalogPage(props: { ctx: PageContext; filters: Filters; departments: DepartmentList['items']; list: DatasetList | null; problem?: Problem }) {
  const { ctx, filters, list } = props;
  const lang = ctx.lang;
  const t = text(lang);
  return (
    <Layout ctx={ctx} title={t.title} section="catalog">
      <form method="get" action="/catalog" class="filters">
        <label for="q">
          {t.searchWords}
          <input id="q" name="q" type="search" class="wide" value={filters.q ?? ''} maxLength={100} placeholder={t.searchHint} />
        </label>
        <Choice
          id="provider"
          label={t.provider}
          value={filters.provider}
          any={t.any}
          options={props.departments.map((d) => [d.id, d.name] as [string, string])}
        />
        <Choice id="class" label={t.class} value={filters.class} any={t.any} options={optionsOf(lang, 'class')} />
        <Choice id="sharingType" label={t.sharingType} value={filters.sharingType} any={t.any} options={optionsOf(lang, 'sharingType')} />
        <Choice id="updateCycle" label={t.updateCycle} value={filters.updateCycle} any={t.any} options={optionsOf(lang, 'updateCycle')} />
        <button type="submit">{ctx.t.search}</button>
        <a href="/catalog">{ctx.t.reset}</a>
      </form>
      {props.problem ? <ProblemBox lang={lang} problem={props.problem} labels={{ q: t.searchWords, provider: t.provider, class: t.class, sharingType: t.sharingType, updateCycle: t.updateCycle }} /> : null}
      {list ? (
        <>
          <h2>{t.results}</h2>
          {list.items.length === 0 ? (
            <p>{ctx.t.noneFound}</p>
          ) : (
            <table>
              <Head columns={[t.name, t.code, t.provider, t.class, t.sharingType, t.updateCycle]} />
              <tbody>
                {list.items.map((d) => (
                  <tr key={d.code}>
                    <td>
                      <a href={`/catalog/${encodeURIComponent(d.code)}`}>{d.name}</a>
                      {d.status === 'published' ? null : <span class="muted">{lang === 'zh' ? ` （${word(lang, 'status', d.status)}）` : ` (${word(lang, 'status', d.status)})`}</span>}
                    </td>
                    <td class="nowrap">{d.code}</td>
                    <td>{d.providerName}</td>
                    <td>{word(lang, 'class', d.class)}</td>
                    <td>{word(lang, 'sharingType', d.sharingType)}</td>
                    <td>{word(lang, 'updateCycle', d.updateCycle)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <NextPage href={list.nextCursor ? withQuery('/catalog', { ...filters, cursor: list.nextCursor }) : null} label={ctx.t.next} />
        </>
      ) : null}
    </Layout>
  );
}

/** A consuming system the person may file for: a system of a department they approve for or head. */
interface FilingSystem {
  readonly id: string;
  readonly label: string;
}

async function filingSystems(ctx: PageContext): Promise<FilingSystem[]> {
  const departments = [
    ...new Set(ctx.viewer.person.roles.filter((r) => (r.role === 'approver' || r.role === 'dept_admin') && r.departmentId).map((r) => r.departmentId!)),
  ];
  const out: FilingSystem[] = [];
  for (const id of departments) {
    try {
      const [systems, department] = await Promise.all([
        ctx.api.get<SystemList>(`/v1/departments/${id}/systems`),
        ctx.api.get<{ name: string }>(`/v1/departments/${id}`),
      ]);
      for (const s of systems.items) {
        if (s.status !== 'active') continue;
        out.push({ id: s.id, label: departments.length > 1 ? `${department.name} · ${s.name}` : s.name });
      }
    } catch (e) {
      // a department whose systems this person may not list is left out, never a refusal page
      if (!(e instanceof ApiError) || (e.status !== 403 && e.status !== 404)) throw e;
    }
  }
  return out;
}

/** No consuming system to file for: a dept_admin is told how to register one, anyone else who does. */
function NoSystem({ ctx }: { ctx: PageContext }) {
  const t = text(ctx.lang);
  const ofRole = (role: string) => [...new Set(ctx.viewer.person.roles.filter((r) => r.role === role && r.departmentId).map((r) => r.departmentId!))];
  const admin = ofRole('dept_admin');
  const mine = [...new Set([...admin, ...ofRole('approver')])];
  const path = (ids: string[]) => `/v1/departments/${ids.length === 1 ? ids[0] : '{id}'}/systems`;
  return (
    <p>
      {t.noSystem}
      {ctx.lang === 'zh' ? '' : ' '}
      {admin.length ? t.registerYourself(path(admin)) : t.askAdmin(path(mine))}
    </p>
  );
}

const mayFile = (ctx: PageContext) => ctx.has('approver') || ctx.has('dept_admin');

interface RequestForm {
  fields: string[];
  purpose: string;
  legalBasis: string;
  modes: string[];
  durationDays: string;
  system: string;
}

function DatasetPage(props: {
  ctx: PageContext;
  dataset: Dataset;
  batches: BatchList | null;
  systems: FilingSystem[] | null;
  form?: RequestForm;
  problem?: Problem;
}) {
  const { ctx, dataset: d, batches, systems } = props;
  const lang = ctx.lang;
  const t = text(lang);
  // the key field first, then the others as the contract lists them
  const fields = Object.entries(d.contract?.fields ?? {})
    .flatMap(([name, f]) => (f ? [[name, f] as const] : []))
    .sort(([a], [b]) => Number(b === d.keyField) - Number(a === d.keyField));
  const form: RequestForm = props.form ?? { fields: [], purpose: '', legalBasis: '', modes: [], durationDays: '365', system: '' };
  const labels = {
    datasets: t.wantedFields,
    fields: t.wantedFields,
    purpose: t.purpose,
    legalBasis: t.basis,
    modes: t.wantedModes,
    durationDays: t.duration,
    system: t.system,
  };
  return (
    <Layout ctx={ctx} title={d.name} section="catalog">
      <p>
        <a href="/catalog">{`← ${t.title}`}</a>
      </p>
      {d.summary ? <p>{d.summary}</p> : null}
      <h2>{t.facts}</h2>
      <dl class="facts">
        <dt>{t.code}</dt>
        <dd>{d.code}</dd>
        <dt>{t.provider}</dt>
        <dd>{d.providerName}</dd>
        <dt>{t.status}</dt>
        <dd>{word(lang, 'status', d.status)}</dd>
        <dt>{t.class}</dt>
        <dd>{word(lang, 'class', d.class)}</dd>
        <dt>{t.sharingType}</dt>
        <dd>{word(lang, 'sharingType', d.sharingType)}</dd>
        {d.sharingConditions ? (
          <>
            <dt>{t.sharingConditions}</dt>
            <dd>{d.sharingConditions}</dd>
          </>
        ) : null}
        {d.legalBasis ? (
          <>
            <dt>{t.legalBasis}</dt>
            <dd>{d.legalBasis}</dd>
          </>
        ) : null}
        <dt>{t.openType}</dt>
        <dd>{word(lang, 'openType', d.openType)}</dd>
        <dt>{t.modes}</dt>
        <dd>{d.exchangeModes.map((m) => word(lang, 'mode', m)).join(lang === 'zh' ? '、' : ', ') || '—'}</dd>
        <dt>{t.updateCycle}</dt>
        <dd>{word(lang, 'updateCycle', d.updateCycle)}</dd>
        <dt>{t.deadline}</dt>
        <dd>{t.deadlineDays(d.requestDeadlineDays)}</dd>
        <dt>{t.keyField}</dt>
        <dd>{d.keyField}</dd>
        <dt>{t.version}</dt>
        <dd>{d.currentVersion ?? '—'}</dd>
        {d.tags.length ? (
          <>
            <dt>{t.tags}</dt>
            <dd>{d.tags.join(lang === 'zh' ? '、' : ', ')}</dd>
          </>
        ) : null}
        <dt>{t.publishedAt}</dt>
        <dd>{formatTime(lang, d.publishedAt)}</dd>
        <dt>{t.updatedAt}</dt>
        <dd>{formatTime(lang, d.updatedAt)}</dd>
      </dl>

      <h2>{t.fields}</h2>
      {fields.length === 0 ? (
        <p>{t.noContract}</p>
      ) : (
        <table>
          <Head columns={[t.fieldTitle, t.fieldName, t.dataElement, t.sensitivity, t.fieldSharing, t.masking, t.searchable]} />
          <tbody>
            {fields.map(([name, f]) => (
              <tr key={name}>
                <td>
                  {f.title}
                  {name === d.keyField ? <span class="muted">{t.key}</span> : null}
                </td>
                <td class="nowrap">
                  <code>{name}</code>
                </td>
                <td class="nowrap">{f.dataElement ?? '—'}</td>
                <td>{word(lang, 'sensitivity', f.sensitivity)}</td>
                <td>{word(lang, 'sharingType', f.sharingType ?? d.sharingType)}</td>
                <td>{word(lang, 'masking', f.masking ?? 'none')}</td>
                <td>{f.searchable ? ctx.t.yes : ctx.t.no}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {batches ? (
        <>
          <h2>{t.activity}</h2>
          {batches.items.length === 0 ? (
            <p>{t.noBatches}</p>
          ) : (
            <table>
              <Head columns={[t.receivedAt, t.batch, { num: t.records }, { num: t.accepted }, { num: t.unchanged }, { num: t.stale }, { num: t.rejected }]} />
              <tbody>
                {batches.items.map((b) => (
                  <tr key={b.batchId}>
                    <td class="nowrap">{formatTime(lang, b.receivedAt)}</td>
                    <td class="nowrap">
                      <code>{b.batchId}</code>
                    </td>
                    <td class="num">{formatNumber(lang, b.records)}</td>
                    <td class="num">{formatNumber(lang, b.accepted)}</td>
                    <td class="num">{formatNumber(lang, b.unchanged)}</td>
                    <td class="num">{formatNumber(lang, b.stale)}</td>
                    <td class="num">{formatNumber(lang, b.rejected)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : null}

      {systems ? (
        <section aria-labelledby="request-heading">
          <h2 id="request-heading">{t.request}</h2>
          {props.problem ? <ProblemBox lang={lang} problem={props.problem} labels={labels} /> : null}
          {d.status !== 'published' || fields.length === 0 ? (
            <p>{t.notRequestable}</p>
          ) : systems.length === 0 ? (
            <NoSystem ctx={ctx} />
          ) : (
            <>
              <p class="muted">{t.requestIntro}</p>
              <form method="post" action={`/catalog/${encodeURIComponent(d.code)}/request`} class="stack">
                <Csrf ctx={ctx} />
                <fieldset>
                  <legend>{t.wantedFields}</legend>
                  {fields.map(([name, f]) => (
                    <div key={name}>
                      <input type="checkbox" id={`field-${name}`} name="fields" value={name} checked={form.fields.includes(name)} />{' '}
                      <label for={`field-${name}`}>
                        {lang === 'zh' ? `${f.title}（${name}）` : `${f.title} (${name})`}
                        <span class="muted">{` — ${word(lang, 'sharingType', f.sharingType ?? d.sharingType)}`}</span>
                      </label>
                    </div>
                  ))}
                </fieldset>
                <label for="purpose">{t.purpose}</label>
                <input id="purpose" name="purpose" list="purposes" maxLength={500} value={form.purpose} aria-describedby="purpose-hint" />
                <span id="purpose-hint" class="muted">
                  {t.purposeHint}
                </span>
                <datalist id="purposes">
                  {['行政依据', '工作参考', '数据校核', '业务协同'].map((p) => (
                    <option key={p} value={p} />
                  ))}
                </datalist>
                <label for="legalBasis">{t.basis}</label>
                <textarea id="legalBasis" name="legalBasis" maxLength={2000} value={form.legalBasis} />
                <fieldset>
                  <legend>{t.wantedModes}</legend>
                  {d.exchangeModes.map((m) => (
                    <div key={m}>
                      <input type="checkbox" id={`mode-${m}`} name="modes" value={m} checked={form.modes.includes(m)} />{' '}
                      <label for={`mode-${m}`}>{word(lang, 'mode', m)}</label>
                    </div>
                  ))}
                </fieldset>
                <label for="durationDays">{t.duration}</label>
                <input id="durationDays" name="durationDays" type="number" min={1} max={1830} step={1} value={form.durationDays} />
                <label for="system">{t.system}</label>
                <select id="system" name="system">
                  {systems.length > 1 ? <option value="">{t.pickSystem}</option> : null}
                  {systems.map((s) => (
                    <option key={s.id} value={s.id} selected={form.system === s.id}>
                      {s.label}
                    </option>
                  ))}
                </select>
                <div>
                  <button type="submit">{t.file}</button>
                </div>
              </form>
            </>
          )}
        </section>
      ) : null}
    </Layout>
  );
}

/** The dataset's recent batches when this person may see them (its provider, auditors); otherwise none. */
async function recentBatches(ctx: PageContext, code: string): Promise<BatchList | null> {
  try {
    return await ctx.api.get<BatchList>(`/v1/datasets/${encodeURIComponent(code)}/batches`, { limit: 10 });
  } catch (e) {
    if (e instanceof ApiError && (e.status === 403 || e.status === 404)) return null;
    throw e;
  }
}

/** The form's own checks, in the interface language, before the API sees it. */
function checkForm(lang: Lang, form: RequestForm): Problem | null {
  const t = text(lang);
  const errors: Problem['errors'] = [];
  if (form.fields.length === 0) errors.push({ pointer: '/fields', message: t.pickField });
  if ([...form.purpose].length < 2) errors.push({ pointer: '/purpose', message: t.purposeShort });
  if (form.modes.length === 0) errors.push({ pointer: '/modes', message: t.pickMode });
  const days = Number(form.durationDays);
  if (!/^\d+$/.test(form.durationDays) || days < 1 || days > 1830) errors.push({ pointer: '/durationDays', message: t.durationRange });
  if (!form.system) errors.push({ pointer: '/system', message: t.pickSystem });
  if (errors.length === 0) return null;
  return formProblem(errors);
}

export async function catalogPages(c: FastifyInstance) {
  c.page('GET', '/catalog', async (ctx, request, reply) => {
    const filters = filtersOf(request);
    const { cursor, ...shown } = filters;
    const departments = (await ctx.api.get<DepartmentList>('/v1/departments')).items;
    try {
      const list = await ctx.api.get<DatasetList>('/v1/datasets', { ...(shown as DatasetQuery), cursor, limit: 25 });
      return <CatalogPage ctx={ctx} filters={shown} departments={departments} list={list} />;
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 400) throw e;
      return sendPage(reply, <CatalogPage ctx={ctx} filters={shown} departments={departments} list={null} problem={e.problem} />, e.status);
    }
  });

  c.page('GET', '/catalog/:code', async (ctx, request) => {
    const { code } = request.params as { code: string };
    const dataset = await ctx.api.get<Dataset>(`/v1/datasets/${encodeURIComponent(code)}`);
    const [batches, systems] = await Promise.all([recentBatches(ctx, code), mayFile(ctx) ? filingSystems(ctx) : null]);
    return <DatasetPage ctx={ctx} dataset={dataset} batches={batches} systems={systems} />;
  });

  // the address a refused form was posted to, reloaded or reached by the language switch: the dataset page
  c.page('GET', '/catalog/:code/request', async (_ctx, request, reply) => {
    const { code } = request.params as { code: string };
    return reply.redirect(`/catalog/${encodeURIComponent(code)}`, 303);
  });

  c.page('POST', '/catalog/:code/request', async (ctx, request, reply) => {
    const { code } = request.params as { code: string };
    const form: RequestForm = {
      fields: many(ctx.form.fields),
      purpose: one(ctx.form.purpose),
      legalBasis: one(ctx.form.legalBasis),
      modes: many(ctx.form.modes),
      durationDays: one(ctx.form.durationDays),
      system: one(ctx.form.system),
    };
    let problem = checkForm(ctx.lang, form);
    let status = 400;
    if (!problem) {
      const body: RequestCreate = {
        system: form.system,
        datasets: [{ code, fields: form.fields as [string, ...string[]] }],
        purpose: form.purpose,
        legalBasis: form.legalBasis,
        modes: form.modes as RequestCreate['modes'],
        durationDays: Number(form.durationDays),
      };
      try {
        const filed = await ctx.api.post<Case>('/v1/requests', body);
        return reply.redirect(`/cases/${encodeURIComponent(filed.trackingNo)}`, 303);
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        problem = e.problem;
        status = e.status;
      }
    }
    const dataset = await ctx.api.get<Dataset>(`/v1/datasets/${encodeURIComponent(code)}`);
    const [batches, systems] = await Promise.all([recentBatches(ctx, code), mayFile(ctx) ? filingSystems(ctx) : []]);
    return sendPage(reply, <DatasetPage ctx={ctx} dataset={dataset} batches={batches} systems={systems} form={form} problem={problem} />, status);
  });
}
