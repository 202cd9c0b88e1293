import type { FastifyInstance } from 'fastify';
import { type ComponentChildren, Fragment, type VNode } from 'preact';
import type { Case, CaseActionRequest, CaseList, CasePart, Dataset, DepartmentList, FieldMeta, Problem, TimelineEntry } from '../../../contracts/generated/api.ts';
import { ApiError, formProblem } from '../api.ts';
import { many, one, type PageContext, sendPage } from '../context.ts';
import { formatTime } from '../format.ts';
import type { Lang } from '../i18n.ts';
import { Csrf, Flag, Layout, Notice, ProblemBox, Head } from '../ui.tsx';
import { actionLabels, actionName, caseText, colon, inParens, joinList, modeName, sensitivityName, stateName } from './case-texts.ts';

type Form = PageContext['form'];

/** Working days left as the API counts them on the calendar, in words. */
export function DaysLeft({ lang, days }: { lang: Lang; days: number | null }) {
  const t = caseText(lang);
  if (days === null) return <span class="muted">{t.clockStopped}</span>;
  if (days < 0) return <strong>{t.overdue(-days)}</strong>;
  return <span>{days === 0 ? t.dueToday : t.left(days)}</span>;
}

const inboxStates = ['submitted', 'under_review', 'needs_supplement', 'transferred', 'escalated', 'disputed'];

function caseHref(trackingNo: string, query = ''): string {
  return `/cases/${encodeURIComponent(trackingNo)}${query}`;
}

/** Who must act now: the assignees of the pending parts (or the department when nobody is named). */
function nowWith(lang: Lang, c: Case): string {
  const pending = c.parts.filter((p) => p.state === 'pending');
  if (c.state === 'needs_supplement') return c.requester.department.name;
  if (c.state === 'disputed') return c.disputedTo ?? '';
  return joinList(lang, [...new Set(pending.map((p) => p.assignee?.name ?? p.department.name))]) || '—';
}

/** Soonest deadline first; a case whose clock is stopped (waiting for a supplement) after the running ones. */
function byDeadline(a: Case, b: Case): number {
  const stopped = Number(a.workingDaysLeft === null) - Number(b.workingDaysLeft === null);
  return stopped || a.dueOn.localeCompare(b.dueOn) || a.trackingNo.localeCompare(b.trackingNo);
}

function Inbox({ ctx, list, query, datasets }: { ctx: PageContext; list: CaseList; query: Record<string, string>; datasets: [string, string][] }) {
  const t = caseText(ctx.lang);
  const items = [...list.items].sort(byDeadline);
  return (
    <Layout ctx={ctx} title={t.inboxTitle} section="inbox">
      <p>{t.inboxIntro}</p>
      <form method="get" action="/cases" class="filters">
        <label>
          {t.state}
          <select name="state">
            <option value="">{t.anyState}</option>
            {inboxStates.map((s) => (
              <option key={s} value={s} selected={query.state === s}>
                {stateName(ctx.lang, s)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t.flag}
          <select name="flag">
            <option value="">{t.anyFlag}</option>
            {(['red', 'yellow', 'green'] as const).map((f) => (
              <option key={f} value={f} selected={query.flag === f}>
                {{ zh: { red: '超期', yellow: '临期', green: '正常' }, en: { red: 'Overdue', yellow: 'Due soon', green: 'On time' } }[ctx.lang][f]}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t.dataset}
          <select name="dataset">
            <option value="">{t.anyDataset}</option>
            {datasets.map(([code, name]) => (
              <option key={code} value={code} selected={query.dataset === code}>
                {`${name}${inParens(ctx.lang, code)}`}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{t.filter}</button>
        <a href="/cases">{ctx.t.reset}</a>
      </form>
      {items.length === 0 ? (
        <p>{ctx.t.noneFound}</p>
      ) : (
        <table>
          <Head columns={[t.trackingNo, t.datasets, t.requester, t.state, t.received, t.due, t.flag, t.daysLeft, t.nowWith]} />
          <tbody>
            {items.map((c) => (
              <tr key={c.trackingNo}>
                <td class="nowrap">
                  <a href={caseHref(c.trackingNo)}>{c.trackingNo}</a>
                </td>
                <td>{joinList(ctx.lang, c.parts.map((p) => p.datasetName))}</td>
                <td>{`${c.requester.department.name} · ${c.requester.system.name}`}</td>
                <td>{stateName(ctx.lang, c.state)}</td>
                <td class="nowrap">{c.receivedOn}</td>
                <td class="nowrap">{c.dueOn}</td>
                <td>
                  <Flag lang={ctx.lang} flag={c.flag} />
                </td>
                <td>
                  <DaysLeft lang={ctx.lang} days={c.workingDaysLeft} />
                </td>
                <td>{nowWith(ctx.lang, c)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.nextCursor ? <p class="muted">{t.moreThanShown}</p> : null}
    </Layout>
  );
}

function scopeText(lang: Lang, scope: Case['rowScope']): string {
  const t = caseText(lang);
  if (!scope) return t.allRows;
  if (scope.prefix) return t.prefixScope(scope.field, scope.prefix);
  return t.inScope(scope.field, joinList(lang, scope.in ?? []));
}

type Titles = Record<string, Record<string, FieldMeta | undefined>>;

/** The catalog's field titles of each dataset of the case (a dataset the catalog no longer shows keeps its codes). */
async function fieldMeta(ctx: PageContext, codes: readonly string[]): Promise<Titles> {
  const out: Titles = {};
  for (const code of new Set(codes)) {
    try {
      const d = await ctx.api.get<Dataset>(`/v1/datasets/${encodeURIComponent(code)}`);
      out[code] = d.contract?.fields ?? {};
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      out[code] = {};
    }
  }
  return out;
}

const titleOf = (titles: Titles, dataset: string, field: string) => titles[dataset]?.[field]?.title ?? field;

/** A field as a checkbox label: its title and its code. */
const fieldLabel = (lang: Lang, titles: Titles, dataset: string, field: string) =>
  `${titleOf(titles, dataset, field)}${inParens(lang, field)}`;

/** Whether the dataset's contract masks this field (so an approver would normally share it masked). */
const hasMasking = (titles: Titles, dataset: string, field: string) => {
  const rule = titles[dataset]?.[field]?.masking;
  return !!rule && rule !== 'none';
};

/** A page showing a refusal keeps what the person typed into the form that was refused. */
interface Kept {
  form: Form;
  problem: Problem;
}

/** The kept input of this form: the same action (and, for a form per dataset, the same dataset). */
function keptFor(kept: Kept | undefined, doing: string, dataset?: string): Form | undefined {
  if (!kept || one(kept.form.do) !== doing) return undefined;
  return dataset === undefined || one(kept.form.dataset) === dataset ? kept.form : undefined;
}

/** The API action a form stands for. */
const apiAction = (doing: string) => (doing === 'approve' || doing === 'decline' ? 'decide' : doing);

/** One action's form: its own card, the refusal it met (if any) inside it, the person's input kept. */
function ActionCard(props: {
  ctx: PageContext;
  c: Case;
  doing: string;
  title: string;
  dataset?: string;
  kept: Kept | undefined;
  children: ComponentChildren;
  button: string;
  danger?: boolean;
}) {
  const { ctx, c, doing, dataset } = props;
  const mine = keptFor(props.kept, doing, dataset);
  const id = `act-${doing}${dataset ? `-${dataset}` : ''}`;
  return (
    <section class="card" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>{props.title}</h3>
      {mine && props.kept ? <ProblemBox lang={ctx.lang} problem={props.kept.problem} labels={actionLabels(ctx.lang)} /> : null}
      <form method="post" action={caseHref(c.trackingNo)} class="stack">
        <Csrf ctx={ctx} />
        <input type="hidden" name="do" value={doing} />
        {dataset ? <input type="hidden" name="dataset" value={dataset} /> : null}
        {props.children}
        <button type="submit" class={props.danger ? 'danger' : undefined}>
          {props.button}
        </button>
      </form>
    </section>
  );
}

const kept = (form: Form | undefined, name: string, fallback = '') => (form ? one(form[name]) : fallback);
const keptMany = (form: Form | undefined, name: string, fallback: readonly string[]) => (form ? many(form[name]) : fallback);

function Text(props: { id: string; name: string; label: string; form: Form | undefined; area?: boolean; required?: boolean; value?: string }) {
  const value = kept(props.form, props.name, props.value ?? '');
  return (
    <>
      <label for={props.id}>{props.label}</label>
      {props.area ? (
        <textarea id={props.id} name={props.name} aria-required={props.required ? 'true' : undefined}>
          {value}
        </textarea>
      ) : (
        <input id={props.id} name={props.name} value={value} aria-required={props.required ? 'true' : undefined} />
      )}
    </>
  );
}

function Checks(props: { id: string; name: string; legend: string; options: [string, string][]; checked: readonly string[]; help?: string }) {
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      {props.help ? <p class="muted">{props.help}</p> : null}
      {props.options.map(([value, label], i) => (
        <div key={value}>
          <input type="checkbox" id={`${props.id}-${i}`} name={props.name} value={value} checked={props.checked.includes(value)} />{' '}
          <label for={`${props.id}-${i}`}>{label}</label>
        </div>
      ))}
    </fieldset>
  );
}

/** The parts this person may work on: their own departments' pending parts, else (a supervisor after escalation) every pending part. */
function actableParts(ctx: PageContext, c: Case): CasePart[] {
  const pending = c.parts.filter((p) => p.state === 'pending');
  const mine = new Set(ctx.viewer.person.roles.map((r) => r.departmentId));
  const own = pending.filter((p) => mine.has(p.department.id));
  return own.length ? own : pending;
}

function DatasetChoice({ ctx, parts, form, id }: { ctx: PageContext; parts: CasePart[]; form: Form | undefined; id: string }) {
  if (parts.length < 2) return parts[0] ? <input type="hidden" name="dataset" value={parts[0].dataset} /> : null;
  const t = caseText(ctx.lang);
  return (
    <>
      <label for={id}>{t.whichDataset}</label>
      <select id={id} name="dataset">
        {parts.map((p) => (
          <option key={p.dataset} value={p.dataset} selected={kept(form, 'dataset') === p.dataset}>
            {p.datasetName}
          </option>
        ))}
      </select>
    </>
  );
}

const commonSupplementItems = {
  zh: ['加盖公章的用途说明', '数据安全承诺书', '法律依据文件', '应用系统安全等级保护备案证明', '数据使用范围说明'],
  en: ['Statement of purpose, sealed', 'Data security undertaking', 'Legal basis document', 'System security classification record', 'Scope of use'],
};

function Actions(props: { ctx: PageContext; c: Case; titles: Titles; departments: DepartmentList; kept: Kept | undefined }) {
  const { ctx, c, titles, kept: k } = props;
  const t = caseText(ctx.lang);
  const allowed = new Set(c.allowedActions);
  const parts = actableParts(ctx, c);
  const cards: VNode[] = [];
  const durationText = c.durationDays ? t.days(c.durationDays) : '365';

  if (allowed.has('accept')) {
    const f = keptFor(k, 'accept');
    cards.push(
      <ActionCard ctx={ctx} c={c} doing="accept" title={actionName(ctx.lang, 'accept')} kept={k} button={actionName(ctx.lang, 'accept')}>
        <p class="muted">{t.acceptHelp}</p>
        <Text id="accept-note" name="note" label={t.note} form={f} area />
      </ActionCard>,
    );
  }

  if (allowed.has('decide')) {
    for (const part of parts) {
      const reviewable = part.fields.filter((x) => !part.autoFields.includes(x) && !part.refusedFields.includes(x));
      const granted = [...part.autoFields, ...reviewable];
      const fa = keptFor(k, 'approve', part.dataset);
      const fieldsOf = titles[part.dataset] ?? {};
      const id = `approve-${part.dataset}`;
      cards.push(
        <ActionCard ctx={ctx} c={c} doing="approve" dataset={part.dataset} title={`${t.approve}${colon(ctx.lang)}${part.datasetName}`} kept={k} button={t.approve}>
          <p class="muted">{t.approveHelp}</p>
          {part.autoFields.map((x) => (
            <input key={x} type="hidden" name="autoFields" value={x} />
          ))}
          {part.autoFields.length ? <p class="muted">{`${t.autoGranted}${colon(ctx.lang)}${joinList(ctx.lang, part.autoFields.map((x) => titleOf(titles, part.dataset, x)))}`}</p> : null}
          <Checks
            id={`${id}-fields`}
            name="fields"
            legend={t.approveFields}
            options={reviewable.map((x) => [x, fieldLabel(ctx.lang, titles, part.dataset, x)])}
            checked={keptMany(fa, 'fields', reviewable)}
          />
          <Checks
            id={`${id}-masked`}
            name="maskedFields"
            legend={t.maskedFields}
            help={t.maskedHelp}
            options={granted.map((x) => [x, fieldLabel(ctx.lang, titles, part.dataset, x)])}
            checked={keptMany(fa, 'maskedFields', granted.filter((x) => hasMasking(titles, part.dataset, x)))}
          />
          <Checks
            id={`${id}-modes`}
            name="modes"
            legend={t.approveModes}
            options={c.modes.map((m) => [m, modeName(ctx.lang, m)])}
            checked={keptMany(fa, 'modes', c.modes)}
          />
          <fieldset>
            <legend>{t.rowScope}</legend>
            <p class="muted">{t.rowHelp(scopeText(ctx.lang, c.rowScope))}</p>
            <div>
              <label for={`${id}-rowField`}>{t.rowField}</label>
              <br />
              <select id={`${id}-rowField`} name="rowField">
                <option value="">{t.noRowField}</option>
                {Object.keys(fieldsOf).map((code) => (
                  <option key={code} value={code} selected={kept(fa, 'rowField') === code}>
                    {fieldLabel(ctx.lang, titles, part.dataset, code)}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label for={`${id}-rowPrefix`}>{t.rowPrefix}</label>
              <br />
              <input id={`${id}-rowPrefix`} name="rowPrefix" value={kept(fa, 'rowPrefix')} />
            </div>
            <div>
              <label for={`${id}-rowIn`}>{t.rowIn}</label>
              <br />
              <input id={`${id}-rowIn`} name="rowIn" value={kept(fa, 'rowIn')} />
            </div>
          </fieldset>
          <label for={`${id}-validUntil`}>{t.validUntil}</label>
          <input id={`${id}-validUntil`} name="validUntil" type="date" value={kept(fa, 'validUntil')} aria-describedby={`${id}-validUntil-help`} />
          <span id={`${id}-validUntil-help`} class="muted">
            {t.validUntilHelp(durationText)}
          </span>
          <Text id={`${id}-reason`} name="reason" label={t.reasonPartial} form={fa} area />
        </ActionCard>,
      );
      const fr = keptFor(k, 'decline', part.dataset);
      cards.push(
        <ActionCard ctx={ctx} c={c} doing="decline" dataset={part.dataset} title={`${t.rejectButton}${colon(ctx.lang)}${part.datasetName}`} kept={k} button={t.rejectButton} danger>
          <p class="muted">{t.rejectHelp}</p>
          <Text id={`decline-${part.dataset}-reason`} name="reason" label={t.reasonRequired} form={fr} area required />
          <Text id={`decline-${part.dataset}-legalBasis`} name="legalBasis" label={t.legalBasisRequired} form={fr} area required />
        </ActionCard>,
      );
    }
  }

  for (const objectionAction of ['correct', 'reject'] as const) {
    if (!allowed.has(objectionAction)) continue;
    const f = keptFor(k, objectionAction);
    cards.push(
      <ActionCard
        ctx={ctx}
        c={c}
        doing={objectionAction}
        title={actionName(ctx.lang, objectionAction)}
        kept={k}
        button={objectionAction === 'correct' ? t.correctButton : t.objectionRejectButton}
        danger={objectionAction === 'reject'}
      >
        <DatasetChoice ctx={ctx} parts={parts} form={f} id={`${objectionAction}-dataset`} />
        <Text id={`${objectionAction}-reason`} name="reason" label={objectionAction === 'reject' ? t.reasonRequired : t.reason} form={f} area required={objectionAction === 'reject'} />
        {objectionAction === 'reject' ? <Text id="reject-legalBasis" name="legalBasis" label={t.legalBasisRequired} form={f} area required /> : null}
      </ActionCard>,
    );
  }

  if (allowed.has('request_supplement')) {
    const f = keptFor(k, 'request_supplement');
    const options = [...new Set([...c.supplementItems, ...commonSupplementItems[ctx.lang]])];
    cards.push(
      <ActionCard ctx={ctx} c={c} doing="request_supplement" title={actionName(ctx.lang, 'request_supplement')} kept={k} button={t.askSupplement}>
        <Checks id="supplement-items" name="items" legend={t.supplementLegend} options={options.map((o) => [o, o])} checked={keptMany(f, 'items', [])} />
        <Text id="supplement-other" name="otherItems" label={t.supplementOther} form={f} area />
        <Text id="supplement-reason" name="reason" label={t.supplementReason} form={f} area required />
        {c.supplementItems.length ? <Text id="supplement-override" name="overrideReason" label={t.overrideReason} form={f} area /> : null}
      </ActionCard>,
    );
  }

  if (allowed.has('supplement')) {
    const f = keptFor(k, 'supplement');
    cards.push(
      <ActionCard ctx={ctx} c={c} doing="supplement" title={actionName(ctx.lang, 'supplement')} kept={k} button={t.sendSupplement}>
        <p>{t.supplementIntro}</p>
        {c.supplementItems.map((item, i) => (
          <Fragment key={item}>
            <input type="hidden" name="item" value={item} />
            <Text id={`supply-${i}`} name={`supply${i}`} label={t.supplementFor(item)} form={f} area required />
          </Fragment>
        ))}
        <Text id="supply-note" name="note" label={t.note} form={f} area />
      </ActionCard>,
    );
  }

  if (allowed.has('extend')) {
    const f = keptFor(k, 'extend');
    cards.push(
      <ActionCard ctx={ctx} c={c} doing="extend" title={actionName(ctx.lang, 'extend')} kept={k} button={t.extendButton}>
        <label for="extend-days">{t.extendDays}</label>
        <input id="extend-days" name="days" type="number" min="1" max="60" inputMode="numeric" value={kept(f, 'days')} aria-required="true" />
        <Text id="extend-reason" name="reason" label={t.reasonRequired} form={f} area required />
      </ActionCard>,
    );
  }

  if (allowed.has('transfer')) {
    const f = keptFor(k, 'transfer');
    const here = new Set(parts.map((p) => p.department.id));
    cards.push(
      <ActionCard ctx={ctx} c={c} doing="transfer" title={actionName(ctx.lang, 'transfer')} kept={k} button={t.transferButton}>
        <DatasetChoice ctx={ctx} parts={parts} form={f} id="transfer-dataset" />
        <label for="transfer-to">{t.transferTo}</label>
        <select id="transfer-to" name="toDepartment" aria-required="true">
          <option value="">{t.chooseDepartment}</option>
          {props.departments.items
            .filter((d) => !here.has(d.id))
            .map((d) => (
              <option key={d.id} value={d.id} selected={kept(f, 'toDepartment') === d.id}>
                {d.name}
              </option>
            ))}
        </select>
        <Text id="transfer-reason" name="reason" label={t.reasonRequired} form={f} area required />
      </ActionCard>,
    );
  }

  if (allowed.has('escalate')) {
    const f = keptFor(k, 'escalate');
    cards.push(
      <ActionCard ctx={ctx} c={c} doing="escalate" title={t.escalateButton} kept={k} button={t.escalateButton}>
        <p class="muted">{t.escalateHelp}</p>
        <DatasetChoice ctx={ctx} parts={parts} form={f} id="escalate-dataset" />
        <Text id="escalate-reason" name="reason" label={t.reasonRequired} form={f} area required />
      </ActionCard>,
    );
  }

  if (allowed.has('dispute')) {
    const f = keptFor(k, 'dispute');
    cards.push(
      <ActionCard ctx={ctx} c={c} doing="dispute" title={actionName(ctx.lang, 'dispute')} kept={k} button={t.disputeButton}>
        <Text id="dispute-statement" name="statement" label={t.statement} form={f} area required />
      </ActionCard>,
    );
  }

  if (allowed.has('rule')) {
    const f = keptFor(k, 'rule');
    const chosen = kept(f, 'outcome');
    cards.push(
      <ActionCard ctx={ctx} c={c} doing="rule" title={actionName(ctx.lang, 'rule')} kept={k} button={t.ruleButton}>
        <fieldset>
          <legend>{t.ruleOutcome}</legend>
          {(['uphold', 'reopen'] as const).map((o) => (
            <div key={o}>
              <input type="radio" id={`rule-${o}`} name="outcome" value={o} checked={chosen === o} /> <label for={`rule-${o}`}>{t[o]}</label>
            </div>
          ))}
        </fieldset>
        <Text id="rule-note" name="note" label={t.note} form={f} area />
      </ActionCard>,
    );
  }

  if (allowed.has('withdraw')) {
    const f = keptFor(k, 'withdraw');
    cards.push(
      <ActionCard ctx={ctx} c={c} doing="withdraw" title={actionName(ctx.lang, 'withdraw')} kept={k} button={t.withdrawButton} danger>
        <Text id="withdraw-reason" name="reason" label={t.reason} form={f} area />
      </ActionCard>,
    );
  }

  return (
    <section aria-labelledby="actions-h">
      <h2 id="actions-h">{t.actions}</h2>
      {cards.length ? <div class="actions">{cards}</div> : <p>{t.noActions}</p>}
      {k && !allowed.has(apiAction(one(k.form.do)) as never) ? <ProblemBox lang={ctx.lang} problem={k.problem} labels={actionLabels(ctx.lang)} /> : null}
    </section>
  );
}

function departmentName(departments: DepartmentList, id: unknown): string {
  if (id === 'platform') return 'platform administrators';
  return departments.items.find((d) => d.id === id)?.name ?? String(id ?? '');
}

/** What an entry adds beyond its note: the checklist, the fields decided, where it went. */
function EntryDetail({ lang, e, departments, titles }: { lang: Lang; e: TimelineEntry; departments: DepartmentList; titles: Titles }) {
  const t = caseText(lang);
  const d = e.detail as Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) ? (v as string[]) : []);
  const lines: string[] = [];
  if (e.action === 'request_supplement' && list(d.items).length) {
    return (
      <ul>
        {list(d.items).map((item) => (
          <li key={item}>{item}</li>
        ))}
      </ul>
    );
  }
  if (e.action === 'extend' && typeof d.days === 'number') lines.push(`${t.extended(d.days)} → ${String(d.dueOn)}`);
  if (e.action === 'supplement' && typeof d.dueOn === 'string') lines.push(`${t.due}${colon(lang)}${d.dueOn}`);
  if (e.action === 'transfer' && d.toName) lines.push(`${t.transferTo}${colon(lang)}${String(d.toName)}`);
  if (e.action === 'escalate' && d.to) lines.push(`${t.escalatedTo}${colon(lang)}${lang === 'zh' && d.to === 'platform' ? '平台管理员' : departmentName(departments, d.to)}`);
  if (e.action === 'decide') {
    if (list(d.fields).length) lines.push(`${t.fields}${colon(lang)}${joinList(lang, list(d.fields).map((f) => titleOf(titles, e.dataset ?? '', f)))}`);
    if (list(d.maskedFields).length) lines.push(`${t.masked}${colon(lang)}${joinList(lang, list(d.maskedFields).map((f) => titleOf(titles, e.dataset ?? '', f)))}`);
    if (list(d.modes).length) lines.push(`${t.modes}${colon(lang)}${joinList(lang, list(d.modes).map((m) => modeName(lang, m)))}`);
    if (typeof d.validUntil === 'string') lines.push(`${t.validUntil}${colon(lang)}${formatTime(lang, d.validUntil)}`);
    if (typeof d.legalBasis === 'string') lines.push(`${t.legalBasis}${colon(lang)}${d.legalBasis}`);
  }
  if (e.action === 'rule' && typeof d.outcome === 'string') lines.push(d.outcome === 'uphold' ? t.uphold : t.reopen);
  return lines.length ? (
    <ul>
      {lines.map((l) => (
        <li key={l}>{l}</li>
      ))}
    </ul>
  ) : null;
}

function Timeline({ lang, c, departments, titles }: { lang: Lang; c: Case; departments: DepartmentList; titles: Titles }) {
  const t = caseText(lang);
  return (
    <section aria-labelledby="timeline-h">
      <h2 id="timeline-h">{t.timeline}</h2>
      <ol class="timeline">
        {(c.timeline ?? []).map((e, i) => {
          const outcome = e.action === 'decide' ? (e.detail as { outcome?: string }).outcome : undefined;
          const name = outcome === 'approve' ? 'approve' : outcome === 'reject' ? 'decline' : e.action;
          return (
            <li key={i}>
              <strong>{actionName(lang, name)}</strong>
              {e.dataset ? ` · ${c.parts.find((p) => p.dataset === e.dataset)?.datasetName ?? e.dataset}` : ''}
              {' · '}
              <time dateTime={e.at}>{formatTime(lang, e.at)}</time>
              <br />
              <span class="muted">
                {t.by(e.actor.name ?? e.actor.kind)}
                {e.department ? ` · ${e.department.name}` : ''}
                {e.actingFor ? t.onBehalf(e.actingFor.name) : ''}
                {e.fromState && e.toState && e.fromState !== e.toState ? ` · ${t.stateChange(stateName(lang, e.fromState), stateName(lang, e.toState))}` : ''}
              </span>
              {e.note
                ? e.note.split('\n').map((line, j) => (
                    <p key={j}>{line}</p>
                  ))
                : null}
              <EntryDetail lang={lang} e={e} departments={departments} titles={titles} />
            </li>
          );
        })}
      </ol>
    </section>
  );
}

/** What was decided for one field of a part: at filing (unconditional / not shared), by the approver's decision, or not yet. */
export function fieldOutcome(lang: Lang, part: CasePart, field: string): string {
  const t = caseText(lang);
  const d = part.decision as { outcome?: unknown; fields?: unknown; maskedFields?: unknown; automatic?: unknown } | null;
  const has = (v: unknown) => Array.isArray(v) && v.includes(field);
  const granted = has(d?.maskedFields) ? t.fieldMasked : t.fieldApproved;
  if (part.refusedFields.includes(field)) return `${t.fieldRefused}${t.atFiling}`;
  if (part.autoFields.includes(field)) return `${granted}${t.atFiling}`;
  if (!d || d.automatic) return part.state === 'pending' ? t.toReview : stateName(lang, part.state);
  if (d.outcome === 'approve') return has(d.fields) ? granted : t.fieldRefused;
  if (d.outcome === 'reject') return t.fieldRefused;
  return stateName(lang, part.state);
}

function PartView({ ctx, c, part, titles }: { ctx: PageContext; c: Case; part: CasePart; titles: Titles }) {
  const t = caseText(ctx.lang);
  const meta = titles[part.dataset] ?? {};
  const decision = part.decision as Record<string, unknown> | null;
  return (
    <section class="card" aria-labelledby={`part-${part.dataset}`}>
      <h3 id={`part-${part.dataset}`}>{`${part.datasetName}${inParens(ctx.lang, part.dataset)}`}</h3>
      <dl class="facts">
        <dt>{t.provider}</dt>
        <dd>{part.department.name}</dd>
        <dt>{t.state}</dt>
        <dd>{stateName(ctx.lang, part.state)}</dd>
        <dt>{t.assignee}</dt>
        <dd>
          {part.assignee?.name ?? '—'}
          {part.actingFor ? inParens(ctx.lang, t.actingForShort(part.actingFor.name)) : ''}
        </dd>
        {part.escalatedTo ? (
          <>
            <dt>{t.escalatedTo}</dt>
            <dd>{ctx.lang === 'zh' && part.escalatedTo === 'platform administrators' ? '平台管理员' : part.escalatedTo}</dd>
          </>
        ) : null}
        {decision?.reason ? (
          <>
            <dt>{t.decision}</dt>
            <dd>{String(decision.reason)}</dd>
          </>
        ) : null}
        {part.grantId ? (
          <>
            <dt>{t.grant}</dt>
            <dd>
              <a href={`/grants/${part.grantId}`}>{t.seeGrant}</a>
            </dd>
          </>
        ) : null}
      </dl>
      <table>
        <caption class="visually-hidden">{`${part.datasetName} · ${t.fields}`}</caption>
        <Head columns={[t.fieldTitle, t.fieldCode, t.sensitivity, t.outcome]} />
        <tbody>
          {part.fields.map((f) => (
            <tr key={f}>
              <td>{meta[f]?.title ?? f}</td>
              <td class="nowrap">
                <code>{f}</code>
              </td>
              <td>{meta[f] ? sensitivityName(ctx.lang, meta[f].sensitivity) : '—'}</td>
              <td>{fieldOutcome(ctx.lang, part, f)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {c.kind === 'objection' && c.objection ? <p class="muted">{`${c.objection.key ?? ''} · ${c.objection.field ?? ''}`}</p> : null}
    </section>
  );
}

function CasePage(props: { ctx: PageContext; c: Case; titles: Titles; departments: DepartmentList; done?: string; kept?: Kept }) {
  const { ctx, c, titles } = props;
  const t = caseText(ctx.lang);
  const me = ctx.viewer.person.userId;
  const backups = c.parts.filter((p) => p.state === 'pending' && p.actingFor && p.assignee);
  const requesterSide = ctx.viewer.person.roles.some((r) => r.departmentId === c.requester.department.id);
  return (
    <Layout ctx={ctx} title={t.caseTitle(c.trackingNo)} section={requesterSide ? 'mine' : 'inbox'}>
      {props.done ? <Notice>{t.done(actionName(ctx.lang, props.done))}</Notice> : null}
      {backups.map((p) =>
        p.assignee?.id === me ? (
          <p key={p.dataset} class="notice">
            <strong>{t.youActFor(p.actingFor!.name, p.datasetName)}</strong>
          </p>
        ) : (
          <p key={p.dataset} class="muted">
            {t.othersActFor(p.assignee!.name, p.actingFor!.name)}
          </p>
        ),
      )}
      <h2>{t.facts}</h2>
      <dl class="facts">
        <dt>{t.state}</dt>
        <dd>
          {stateName(ctx.lang, c.state)}
          {c.paused ? t.paused : ''}
        </dd>
        <dt>{t.requesterSystem}</dt>
        <dd>{c.requester.system.name}</dd>
        <dt>{t.requesterDepartment}</dt>
        <dd>{c.requester.department.name}</dd>
        <dt>{t.requesterPerson}</dt>
        <dd>
          {c.requester.person?.name ?? '—'}
          {c.requester.contact ? ` · ${c.requester.contact}` : ''}
        </dd>
        <dt>{t.purpose}</dt>
        <dd>{c.purpose}</dd>
        <dt>{t.legalBasis}</dt>
        <dd>{c.legalBasis || '—'}</dd>
        <dt>{t.modes}</dt>
        <dd>{joinList(ctx.lang, c.modes.map((m) => modeName(ctx.lang, m)))}</dd>
        <dt>{t.rowScope}</dt>
        <dd>{scopeText(ctx.lang, c.rowScope)}</dd>
        <dt>{t.duration}</dt>
        <dd>{c.durationDays ? t.days(c.durationDays) : '—'}</dd>
        <dt>{t.received}</dt>
        <dd>{c.receivedOn}</dd>
        <dt>{t.due}</dt>
        <dd>
          {c.dueOn}
          {c.extendedDays ? inParens(ctx.lang, t.extended(c.extendedDays)) : ''}
        </dd>
        <dt>{t.flag}</dt>
        <dd>
          <Flag lang={ctx.lang} flag={c.flag} />
        </dd>
        <dt>{t.daysLeft}</dt>
        <dd>
          <DaysLeft lang={ctx.lang} days={c.workingDaysLeft} />
        </dd>
        {c.supplementItems.length ? (
          <>
            <dt>{t.supplementItems}</dt>
            <dd>
              <ul>
                {c.supplementItems.map((i) => (
                  <li key={i}>{i}</li>
                ))}
              </ul>
            </dd>
          </>
        ) : null}
        {c.disputedTo !== undefined ? (
          <>
            <dt>{t.disputedTo}</dt>
            <dd>{c.disputedTo ?? '—'}</dd>
            <dt>{t.complaintChannel}</dt>
            <dd>{c.complaintChannel ?? '—'}</dd>
          </>
        ) : null}
      </dl>
      <h2>{t.parts}</h2>
      <div class="cards">
        {c.parts.map((p) => (
          <PartView key={p.dataset} ctx={ctx} c={c} part={p} titles={titles} />
        ))}
      </div>
      <Actions ctx={ctx} c={c} titles={titles} departments={props.departments} kept={props.kept} />
      <Timeline lang={ctx.lang} c={c} departments={props.departments} titles={titles} />
    </Layout>
  );
}

async function renderCase(ctx: PageContext, trackingNo: string, extra: { done?: string; kept?: Kept } = {}) {
  const c = await ctx.api.get<Case>(`/v1/cases/${encodeURIComponent(trackingNo)}`);
  const titles = await fieldMeta(ctx, c.parts.map((p) => p.dataset));
  const departments = await ctx.api.get<DepartmentList>('/v1/departments');
  return <CasePage ctx={ctx} c={c} titles={titles} departments={departments} {...extra} />;
}

/** A refusal the page itself gives (before asking the API), in the interface language. */
const lines = (v: string) =>
  v
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);

/** Turns one action's form into the API's request, or the form's own mistakes. */
export function actionBody(lang: Lang, form: Form): { body: CaseActionRequest } | { problem: Problem } {
  const t = caseText(lang);
  const doing = one(form.do);
  const errors: { pointer: string; message: string }[] = [];
  const need = (name: string, pointer = name) => {
    const v = one(form[name]);
    if (!v) errors.push({ pointer: `/${pointer}`, message: t.required });
    return v;
  };
  const opt = (name: string) => one(form[name]) || undefined;
  const dataset = opt('dataset');
  let body: CaseActionRequest;
  switch (doing) {
    case 'accept':
      body = { action: 'accept', ...(opt('note') ? { note: opt('note')! } : {}) };
      break;
    case 'approve': {
      const fields = many(form.fields);
      const modes = many(form.modes) as NonNullable<CaseActionRequest['modes']>;
      if (fields.length === 0) errors.push({ pointer: '/fields', message: t.chooseOne });
      if (modes.length === 0) errors.push({ pointer: '/modes', message: t.chooseOne });
      // a field left out is not shared, so it is not shared masked either (its masked box may still be ticked)
      const granted = new Set([...fields, ...many(form.autoFields)]);
      body = { action: 'decide', outcome: 'approve', fields, maskedFields: many(form.maskedFields).filter((f) => granted.has(f)), modes };
      const rowField = one(form.rowField);
      if (rowField) {
        const prefix = one(form.rowPrefix);
        const values = one(form.rowIn)
          .split(/[,，、\s]+/)
          .filter(Boolean);
        if (prefix) body.rowFilter = { field: rowField, prefix };
        else if (values.length) body.rowFilter = { field: rowField, in: values as [string, ...string[]] };
        else errors.push({ pointer: '/rowFilter', message: t.rowValueNeeded });
      }
      const until = one(form.validUntil);
      if (until) {
        if (/^\d{4}-\d{2}-\d{2}$/.test(until) && !Number.isNaN(Date.parse(`${until}T23:59:59+08:00`))) {
          body.validUntil = new Date(`${until}T23:59:59+08:00`).toISOString();
        } else errors.push({ pointer: '/validUntil', message: t.badDate });
      }
      if (opt('reason')) body.reason = opt('reason')!;
      break;
    }
    case 'decline': {
      const reason = need('reason');
      const legalBasis = need('legalBasis');
      body = { action: 'decide', outcome: 'reject', reason, legalBasis };
      break;
    }
    case 'correct':
      body = { action: 'correct', ...(opt('reason') ? { reason: opt('reason')! } : {}) };
      break;
    case 'reject': {
      const reason = need('reason');
      body = { action: 'reject', reason, legalBasis: need('legalBasis') };
      break;
    }
    case 'request_supplement': {
      const items = [...new Set([...many(form.items), ...lines(one(form.otherItems))])];
      if (items.length === 0) errors.push({ pointer: '/items', message: t.chooseOne });
      body = { action: 'request_supplement', items: items as [string, ...string[]], reason: need('reason') };
      if (opt('overrideReason')) body.overrideReason = opt('overrideReason')!;
      break;
    }
    case 'supplement': {
      // each item asked for, answered: the answers go to the timeline as the supplement's note
      const answers = many(form.item).map((item, i) => {
        const text = one(form[`supply${i}`]);
        if (!text) errors.push({ pointer: '/note', message: `${t.supplyEach}${colon(lang)}${item}` });
        return `【${item}】${text}`;
      });
      const note = [...answers, ...(opt('note') ? [opt('note')!] : [])].join('\n');
      body = { action: 'supplement', ...(note ? { note } : {}) };
      break;
    }
    case 'extend': {
      const days = Number(need('days'));
      if (one(form.days) && !(Number.isInteger(days) && days >= 1)) errors.push({ pointer: '/days', message: lang === 'zh' ? '必须是正整数' : 'a whole number of days' });
      body = { action: 'extend', days, reason: need('reason') };
      break;
    }
    case 'transfer':
      body = { action: 'transfer', toDepartment: need('toDepartment'), reason: need('reason') };
      break;
    case 'escalate':
      body = { action: 'escalate', reason: need('reason') };
      break;
    case 'withdraw':
      body = { action: 'withdraw', ...(opt('reason') ? { reason: opt('reason')! } : {}) };
      break;
    case 'dispute':
      body = { action: 'dispute', statement: need('statement') };
      break;
    case 'rule': {
      const outcome = need('outcome');
      body = { action: 'rule', outcome: outcome as 'uphold' | 'reopen', ...(opt('note') ? { note: opt('note')! } : {}) };
      break;
    }
    default:
      return { problem: formProblem([{ pointer: '/action', message: doing || t.required }]) };
  }
  if (dataset && ['decide', 'transfer', 'escalate', 'correct', 'reject'].includes(body.action)) body.dataset = dataset;
  if (body.note && body.note.length > 4000) body.note = body.note.slice(0, 4000);
  return errors.length ? { problem: formProblem(errors) } : { body };
}

export async function casePages(c: FastifyInstance) {
  c.page('GET', '/cases', async (ctx, request) => {
    const q = request.query as Record<string, string | undefined>;
    const query = { state: q.state ?? '', flag: q.flag ?? '', dataset: q.dataset ?? '' };
    const list = await ctx.api.get<CaseList>('/v1/cases', { view: 'inbox', ...query, limit: 500 });
    // the dataset filter offers what the inbox holds (and what is chosen now)
    const all = query.state || query.flag || query.dataset ? await ctx.api.get<CaseList>('/v1/cases', { view: 'inbox', limit: 500 }) : list;
    const datasets = new Map<string, string>();
    for (const item of all.items) for (const p of item.parts) datasets.set(p.dataset, p.datasetName);
    return <Inbox ctx={ctx} list={list} query={query} datasets={[...datasets].sort((a, b) => a[0].localeCompare(b[0]))} />;
  });

  c.page('GET', '/cases/:trackingNo', async (ctx, request) => {
    const { trackingNo } = request.params as { trackingNo: string };
    const done = (request.query as { done?: string }).done;
    return renderCase(ctx, trackingNo, done ? { done } : {});
  });

  c.page('POST', '/cases/:trackingNo', async (ctx, request, reply) => {
    const { trackingNo } = request.params as { trackingNo: string };
    const built = actionBody(ctx.lang, ctx.form);
    if ('problem' in built) return sendPage(reply, await renderCase(ctx, trackingNo, { kept: { form: ctx.form, problem: built.problem } }), 400);
    try {
      await ctx.api.post(`/v1/cases/${encodeURIComponent(trackingNo)}/actions`, built.body);
      return reply.redirect(caseHref(trackingNo, `?done=${encodeURIComponent(one(ctx.form.do))}`), 303);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status === 404) throw e;
      const page = await renderCase(ctx, trackingNo, { kept: { form: ctx.form, problem: e.problem } });
      return sendPage(reply, page, e.status);
    }
  });
}
