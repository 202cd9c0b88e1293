import { createReadStream, createWriteStream, existsSync, readFileSync, type WriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { JSONParser } from '@streamparser/json-node';
import iconv from 'iconv-lite';
import type { FileDropSource } from '../../contracts/generated/node.ts';
import type { Row } from '../node/mapping.ts';

/** A file found in the drop folder, fingerprinted so that a file is taken in once. */
export interface DroppedFile {
  readonly name: string;
  readonly path: string;
  readonly format: 'csv' | 'ndjson' | 'json';
  /** name, size and modification time: a file replaced under the same name is a new file */
  readonly fingerprint: string;
}

const formatOf = (name: string, configured?: DroppedFile['format']) =>
  configured ?? (/\.csv$/i.test(name) ? 'csv' : /\.(ndjson|jsonl)$/i.test(name) ? 'ndjson' : /\.json$/i.test(name) ? 'json' : null);

const objectOrProblem = (n: number, value: unknown) =>
  value === null || typeof value !== 'object' || Array.isArray(value) ? { n, row: null, problem: 'is not a JSON object' } : { n, row: value as Row };

/** Files waiting in the folder, oldest first; done/ and failed/ hold the processed ones. */
export async function droppedFiles(source: FileDropSource): Promise<DroppedFile[]> {
  await mkdir(path.join(source.folder, 'done'), { recursive: true });
  await mkdir(path.join(source.folder, 'failed'), { recursive: true });
  const files: (DroppedFile & { mtime: number })[] = [];
  for (const entry of await readdir(source.folder, { withFileTypes: true })) {
    if (!entry.isFile() || entry.name.startsWith('.')) continue;
    const format = formatOf(entry.name, source.format);
    if (!format) continue;
    const full = path.join(source.folder, entry.name);
    const s = await stat(full);
    files.push({ name: entry.name, path: full, format, fingerprint: `${entry.name}:${s.size}:${s.mtimeMs}`, mtime: s.mtimeMs });
  }
  return files.sort((a, b) => a.mtime - b.mtime);
}

/**
 * The file's text encoding: a UTF-8 byte order mark, or a first 64 KiB that decodes as UTF-8,
 * is UTF-8; anything else is GB18030, the superset of GBK and GB2312 that Chinese office
 * software writes. A configured encoding wins.
 */
export async function detectEncoding(file: string, configured: FileDropSource['encoding']): Promise<'utf-8' | 'gb18030'> {
  if (configured && configured !== 'auto') return configured;
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(65_536);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const sample = buffer.subarray(0, bytesRead);
    if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return 'utf-8';
    // streaming: a multi-byte character cut at the end of the sample is not a reason to doubt it
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: bytesRead === buffer.length });
      return 'utf-8';
    } catch {
      return 'gb18030';
    }
  } finally {
    await handle.close();
  }
}

/**
 * The rows of a file, streamed in constant memory, each with its line-ish number (the data row's
 * number, header not counted, from 1) — or the reason the row could not be read at all.
 */
export async function* readRows(file: DroppedFile, source: FileDropSource): AsyncGenerator<{ n: number; row: Row | null; problem?: string }> {
  const encoding = await detectEncoding(file.path, source.encoding);
  const text = createReadStream(file.path).pipe(iconv.decodeStream(encoding)) as unknown as Readable;
  if (file.format === 'csv') {
    const parser = text.pipe(
      parse({ columns: true, bom: true, delimiter: source.delimiter ?? ',', skip_empty_lines: true, trim: false, relax_quotes: true, skip_records_with_error: false }),
    );
    let n = 0;
    try {
      for await (const row of parser) yield { n: ++n, row: row as Row };
    } catch (error) {
      // a broken line stops the parser: what follows cannot be trusted to be rows
      yield { n: n + 1, row: null, problem: `the file cannot be read past this row: ${(error as Error).message}` };
    }
    return;
  }
  if (file.format === 'json') {
    // an array of objects, one element at a time: the parser keeps no more than the element it is in
    const elements = text.pipe(new JSONParser({ paths: ['$.*'], keepStack: false }));
    let n = 0;
    try {
      for await (const { value } of elements as AsyncIterable<{ value: unknown }>) yield objectOrProblem(++n, value);
    } catch (error) {
      yield { n: n + 1, row: null, problem: `the file is not a JSON array past this element: ${(error as Error).message}` };
    }
    return;
  }
  let n = 0;
  for await (const line of createInterface({ input: text, crlfDelay: Number.POSITIVE_INFINITY })) {
    if (line.trim() === '') continue;
    n += 1;
    try {
      yield objectOrProblem(n, JSON.parse(line));
    } catch (error) {
      yield { n, row: null, problem: `is not JSON: ${(error as Error).message}` };
    }
  }
}

/**
 * The error report of a file, written as problems are found (a large file may have many). A node
 * restarted part-way through a file appends to the report it was writing, so every bad row is in it.
 */
export class ErrorReport {
  #out: WriteStream | null = null;
  count = 0;
  constructor(
    readonly file: string,
    resume = false,
  ) {
    if (resume && existsSync(file)) {
      this.count = Math.max(0, readFileSync(file, 'utf8').split('\n').filter(Boolean).length - 1);
      this.#out = createWriteStream(file, { encoding: 'utf8', flags: 'a' }).on('error', () => {});
    }
  }

  add(row: number, field: string, message: string): void {
    this.#out ??= createWriteStream(this.file, { encoding: 'utf8' }).on('error', () => {});
    if (this.count === 0) this.#out.write('\uFEFFrow,field,problem\n');
    this.count += 1;
    const cell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    this.#out.write(`${row},${cell(field)},${cell(message)}\n`);
  }

  async close(): Promise<void> {
    const out = this.#out;
    if (!out) return;
    await new Promise<void>((resolve) => out.end(resolve));
  }
}

/** Moves a processed file to done/ (every row good) or failed/ (its report beside it). */
export async function settle(file: DroppedFile, source: FileDropSource, report: ErrorReport): Promise<string> {
  const folder = path.join(source.folder, report.count ? 'failed' : 'done');
  // a file dropped again under the same name keeps the earlier one: the later gets a time suffix
  const name = existsSync(path.join(folder, file.name)) ? `${file.name}.${new Date().toISOString().replace(/[:.]/g, '-')}` : file.name;
  const target = path.join(folder, name);
  await rename(file.path, target);
  if (report.count) await rename(report.file, path.join(folder, `${name}.errors.csv`));
  return target;
}

export const reportPathFor = (file: DroppedFile, source: FileDropSource) => path.join(source.folder, 'failed', `.${file.name}.errors.csv.partial`);

