import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ExportQuery } from '../../contracts/generated/api.ts';
import { rule } from '../auth/guard.ts';
import { cursorSeal } from '../delivery/cursor.ts';
import { authorizeRead } from '../policy/read-policy.ts';
import type { Db } from '../db/database.ts';
import { describe, inline, operatorOf, problemResponses, ref } from '../http/route-helpers.ts';
import { recordItem, recordPage } from './read.ts';

const pageSize = 1000;

/**
 * The export's 200 for the OpenAPI document: a stream, so no serializer reads this; the NDJSON
 * schema is that of one line (an NDJSON body is a sequence of JSON texts, not one).
 */
const exported = {
  description:
    'Every granted record, streamed in key order. A stream that breaks off (the daily quota ran out, the connection failed) ' +
    'is incomplete: resume with ?after=<cursor of the last line received>.',
  headers: { 'content-disposition': { type: 'string', description: 'attachment; filename="<dataset code>.ndjson" (or .csv)' } },
  content: {
    'application/x-ndjson': { schema: ref('ExportLine') },
    'text/csv': {
      schema: {
        type: 'string',
        description:
          'CSV (RFC 4180, CRLF line ends), UTF-8, with a byte order mark first when ?bom=true. The header line names the columns: the ' +
          'granted fields of the contract, then `cursor`; each further line is one record: its values in those columns (objects ' +
          'and arrays as JSON, an absent value empty), then the cursor to resume after it. A cell that would start with = + - @, a tab or ' +
          'a carriage return is prefixed with an apostrophe, so no spreadsheet reads it as a formula.',
      },
    },
  },
};

/** A CSV cell: quoted when needed, and never read as a formula by a spreadsheet (CSV injection). */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * 部门批量下载: every granted record as NDJSON or CSV, streamed a page at a time in key order, so
 * memory stays flat however large the dataset. Each line carries a cursor; `?after=<cursor>`
 * resumes after that line. Each page is audited (its record keys, so the people concerned see
 * the export in their access report) before it is sent. The export is not a point-in-time
 * snapshot: a record changed while it runs is exported as it stands when its page is read.
 */
export async function exportRoute(app: FastifyInstance, db: Db) {
  app.get<{ Params: { code: string }; Querystring: ExportQuery }>('/v1/datasets/:code/export', {
    config: { access: rule('systems holding a file (bulk) grant, the provider department, auditors and platform admins', () => true) },
    schema: {
      ...describe('records', 'Export every granted record as NDJSON or CSV (streamed; resume with ?after=<cursor of the last line>)'),
      params: ref('CodeParams'),
      querystring: ref('ExportQuery'),
      headers: inline('OperatorHeaders'),
      response: { 200: exported, 429: ref('Problem'), ...problemResponses },
    },
    handler: async (request, reply) => {
      const { format = 'ndjson', bom = false, after } = request.query;
      const access = await authorizeRead(app, request, request.params.code, 'export');
      await access.requireAllowance(db, app.clock.now());
      const seal = await cursorSeal(db);
      const start = after ? seal.open(after, 'after') : undefined;
      const operator = operatorOf(request);
      const columns = access.fields.filter((f) => f in access.contract.fields);

      async function* lines(): AsyncGenerator<string> {
        if (format === 'csv') yield `${bom ? '\uFEFF' : ''}${[...columns, 'cursor'].map(csvCell).join(',')}\r\n`;
        let position = start;
        let pageNo = 0;
        for (;;) {
          const page = await recordPage(db, access, { after: position, limit: pageSize });
          if (page.length === 0) return;
          const allowed = await access.take(db, page.length, app.clock.now());
          const served = page.slice(0, allowed);
          pageNo += 1;
          await app.audit.record(
            access.entry({
              mode: 'export',
              outcome: 'ok',
              subjectKeys: access.subjectKeys(served),
              recordCount: served.length,
              query: { format, page: pageNo, resumed: start !== undefined },
              operator,
              requestId: request.id,
            }),
          );
          yield served.map((v) => line(format, columns, recordItem(access, v), seal.seal(v.key))).join('');
          // the daily quota ran out mid-way: end the stream broken, so no client takes it for complete
          if (served.length < page.length) throw new Error(`daily quota of ${access.grant?.records_per_day} records used up`);
          if (page.length < pageSize) return;
          position = page[page.length - 1]!.key;
        }
      }

      reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="${access.dataset.code}.${format === 'csv' ? 'csv' : 'ndjson'}"`);
      return reply.send(Readable.from(lines(), { objectMode: true, highWaterMark: 1 }));
    },
  });
}

function line(format: 'ndjson' | 'csv', columns: string[], item: ReturnType<typeof recordItem>, cursor: string): string {
  if (format === 'ndjson') return `${JSON.stringify({ cursor, ...item })}\n`;
  return `${[...columns.map((c) => item.data?.[c]), cursor].map(csvCell).join(',')}\r\n`;
}
