import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import iconv from 'iconv-lite';
import { detectEncoding } from '../../adapters/sources/file-drop.ts';

describe('file-drop encoding detection', () => {
  const lines = (n: number) => `身份证号,姓名,住址\n${Array.from({ length: n }, (_, i) => `36050219900101${String(i).padStart(4, '0')},王芳,江西省新余市渝水区仙来大道${i}号`).join('\n')}\n`;

  it('a large UTF-8 file is UTF-8 wherever its first 64 KiB end inside a character', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'brx-file-drop-'));
    // shift the text one byte at a time: one of the shifts cuts a three-byte character at 65,536
    for (let shift = 0; shift < 3; shift++) {
      const file = path.join(dir, `utf8-${shift}.csv`);
      await writeFile(file, `${'#'.repeat(shift)}${lines(3000)}`);
      assert.equal(await detectEncoding(file, 'auto'), 'utf-8', `shift ${shift}`);
    }
  });

  it('GBK is GB18030; a configured encoding wins', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'brx-file-drop-'));
    const file = path.join(dir, 'gbk.csv');
    await writeFile(file, iconv.encode(lines(10), 'gbk'));
    assert.equal(await detectEncoding(file, 'auto'), 'gb18030');
    assert.equal(await detectEncoding(file, 'utf-8'), 'utf-8');
  });
});
