import type { FastifyInstance } from 'fastify';
import type { Dataset, FieldMeta, Grant, GrantList } from '../../../contracts/generated/api.ts';
import { ApiError } from '../api.ts';
import type { PageContext } from '../context.ts';
import { formatNumber, formatTime } from '../format.ts';
import type { Lang } from '../i18n.ts';
import { Layout, NextPage, Head } from '../ui.tsx';
import { caseText, grantStatusName, inParens, joinList, modeName } from './case-texts.ts';

const statuses = ['active', 'expired', 'revoked', 'superseded'] as const;

/** Field titles from the catalog, per dataset (codes stay as they are where the catalog shows none). */
async function titlesOf(ctx: PageContext, codes: readonly string[]): Promise<Record<string, Record<string, FieldMeta | undefined>>> {
  const out: Record<string, Record<string, FieldMeta | undefined>> = {};
  for (const code of new Set(codes)) {
    try {
      out[code] = (await ctx.api.get<Dataset>(`/v1/datasets/${encodeURIComponent(code)}`)).contract?.fields ?? {};
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      out[code] = {};
    }
  }
  return out;
}

function fieldList(lang: Lang, fields: readonly string[], titles: Record<string, FieldMeta | undefined> | undefined): string {
  return joinList(lang, fields.map((f) => titles?.[f]?.title ?? f)) || '—';
}

function scopeText(lang: Lang, g: Grant): string {
  const t = caseText(lang);
  const f = g.rowFilter;
  if (!f) return t.allRows;
  return f.prefix ? t.prefixScope(f.field, f.prefix) : t.inScope(f.field, joinList(lang, f.in ?? []));
}

/** My grants: what my department's systems may read, and from which case. */
export async function grantPages(c: FastifyInstance) {
  c.page('GET', '/grants', async (ctx, request) => {
    const t = caseText(ctx.lang);
    const q = request.query as Record<string, string | undefined>;
    const status = statuses.find((s) => s === q.status);
    const list = await ctx.api.get<GrantList>('/v1/grants', { view: 'held', status, cursor: q.cursor, limit: 100 });
    const titles = await titlesOf(ctx, list.items.map((g) => g.dataset));
    const next = list.nextCursor ? `/grants?${new URLSearchParams({ ...(status ? { status } : {}), cursor: list.nextCursor })}` : null;
    return (
      <Layout ctx={ctx} title={t.grantsTitle} section="grants">
        {/* auditors and platform admins are shown every department's grants by the API, not their own department's */}
        <p>{ctx.has('auditor') || ctx.has('platform_admin') ? t.grantsIntroAll : t.grantsIntro}</p>
        <form method="get" action="/grants" class="filters">
          <label>
            {t.status}
            <select name="status">
              <option value="">{t.anyStatus}</option>
              {statuses.map((s) => (
                <option key={s} value={s} selected={status === s}>
                  {grantStatusName(ctx.lang, s)}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">{t.filter}</button>
        </form>
        {list.items.length === 0 ? (
          <p>{ctx.t.noneFound}</p>
        ) : (
          <table>
            <Head columns={[t.dataset, t.system, t.fields, t.masked, t.modes, t.validUntil, t.status, t.caseNo]} />
            <tbody>
              {list.items.map((g) => (
                <tr key={g.id}>
                  <td>
                    <a href={`/grants/${g.id}`}>{g.datasetName}</a>
                  </td>
                  <td>{g.system.name}</td>
                  <td>{fieldList(ctx.lang, g.fields, titles[g.dataset])}</td>
                  <td>{g.maskedFields.length ? fieldList(ctx.lang, g.maskedFields, titles[g.dataset]) : '—'}</td>
                  <td>{joinList(ctx.lang, g.modes.map((m) => modeName(ctx.lang, m)))}</td>
                  <td class="nowrap">{g.validUntil ? formatTime(ctx.lang, g.validUntil) : t.never}</td>
                  <td>{grantStatusName(ctx.lang, g.status)}</td>
                  <td class="nowrap">{g.caseNo ? <a href={`/cases/${encodeURIComponent(g.caseNo)}`}>{g.caseNo}</a> : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <NextPage href={next} label={ctx.t.next} />
      </Layout>
    );
  });

  c.page('GET', '/grants/:id', async (ctx, request) => {
    const t = caseText(ctx.lang);
    const { id } = request.params as { id: string };
    const g = await ctx.api.get<Grant>(`/v1/grants/${encodeURIComponent(id)}`);
    const titles = (await titlesOf(ctx, [g.dataset]))[g.dataset];
    const quota = [g.requestsPerMinute ? t.perMinute(formatNumber(ctx.lang, g.requestsPerMinute)) : null, g.recordsPerDay ? t.perDay(formatNumber(ctx.lang, g.recordsPerDay)) : null]
      .filter(Boolean)
      .join(ctx.lang === 'zh' ? '；' : '; ');
    return (
      <Layout ctx={ctx} title={t.grantTitle(g.datasetName)} section="grants">
        <dl class="facts">
          <dt>{t.dataset}</dt>
          <dd>{`${g.datasetName}${inParens(ctx.lang, g.dataset)}`}</dd>
          <dt>{t.system}</dt>
          <dd>{`${g.system.name} · ${g.department.name}`}</dd>
          <dt>{t.status}</dt>
          <dd>{grantStatusName(ctx.lang, g.status)}</dd>
          <dt>{t.fields}</dt>
          <dd>{fieldList(ctx.lang, g.fields, titles)}</dd>
          <dt>{t.masked}</dt>
          <dd>{g.maskedFields.length ? fieldList(ctx.lang, g.maskedFields, titles) : '—'}</dd>
          <dt>{t.modes}</dt>
          <dd>{joinList(ctx.lang, g.modes.map((m) => modeName(ctx.lang, m)))}</dd>
          <dt>{t.rowScope}</dt>
          <dd>{scopeText(ctx.lang, g)}</dd>
          <dt>{t.purpose}</dt>
          <dd>{g.purpose}</dd>
          <dt>{t.legalBasis}</dt>
          <dd>{g.legalBasis || '—'}</dd>
          <dt>{t.validFrom}</dt>
          <dd>{formatTime(ctx.lang, g.validFrom)}</dd>
          <dt>{t.validUntil}</dt>
          <dd>{g.validUntil ? formatTime(ctx.lang, g.validUntil) : t.never}</dd>
          <dt>{t.quota}</dt>
          <dd>{quota || t.noLimit}</dd>
          {g.revokedAt ? (
            <>
              <dt>{t.revoked}</dt>
              <dd>{`${formatTime(ctx.lang, g.revokedAt)} ${g.revokeReason ?? ''}`}</dd>
            </>
          ) : null}
          <dt>{t.caseNo}</dt>
          <dd>{g.caseNo ? <a href={`/cases/${encodeURIComponent(g.caseNo)}`}>{g.caseNo}</a> : '—'}</dd>
        </dl>
        <p>
          <a href="/grants">{ctx.t.grants}</a>
        </p>
      </Layout>
    );
  });
}
