import type { FastifyInstance } from 'fastify';
import type { CaseStats } from '../../../contracts/generated/api.ts';
import { formatNumber } from '../format.ts';
import { texts } from '../i18n.ts';
import { Layout } from '../ui.tsx';

const text = texts({
  zh: { cases: '办理情况', dataset: '数据集', received: '收到申请', onTime: '按时办结率' },
  en: { cases: 'Cases', dataset: 'Dataset', received: 'Received', onTime: 'On time' },
});

export async function dashboardPages(c: FastifyInstance) {
  c.page('GET', '/', async (ctx) => {
    const t = text(ctx.lang);
    const stats = await ctx.api.get<CaseStats>('/v1/stats/cases');
    return (
      <Layout ctx={ctx} title={ctx.t.dashboard} section="dashboard">
        <h2>{t.cases}</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">{t.dataset}</th>
              <th scope="col" class="num">
                {t.received}
              </th>
              <th scope="col" class="num">
                {t.onTime}
              </th>
            </tr>
          </thead>
          <tbody>
            {stats.items.map((s) => (
              <tr key={`${s.department.id}/${s.dataset}`}>
                <td>{s.datasetName}</td>
                <td class="num">{formatNumber(ctx.lang, s.received)}</td>
                <td class="num">{s.onTimeRate === null ? '—' : `${Math.round(s.onTimeRate * 100)}%`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Layout>
    );
  });
}
