import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackendError } from '../../lib/errors';
import { exportFigure, exportFigures, groupedBarFigure } from '../../lib/plots/index';

const chromium = process.env.RETHINK_CHROMIUM ?? '/usr/bin/chromium';

describe('static export through headless Chromium', () => {
  it.skipIf(!fs.existsSync(chromium))('writes an SVG and a PNG of the requested size', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rethink-export-'));
    const spec = groupedBarFigure({ groups: ['a', 'b'], series: ['TL'], values: [[0.8, null]], yTitle: 'AUROC', title: 'Export test' });
    const files = await exportFigure(spec, path.join(dir, 'bars'), { width: 400, height: 300, scale: 2 });
    expect(files.map((f) => path.basename(f))).toEqual(['bars.svg', 'bars.png']);
    const svg = fs.readFileSync(files[0]!, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Export test');
    expect(svg).toContain('no value');
    const png = fs.readFileSync(files[1]!);
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(800);
    expect(png.readUInt32BE(20)).toBe(600);
  }, 60_000);

  it('reports a missing browser as a BackendError naming the path', async () => {
    const job = { spec: { data: [], layout: {} }, basePath: '/tmp/never' };
    await expect(exportFigures([job], { executablePath: '/nonexistent/chromium' })).rejects.toThrow(BackendError);
    await expect(exportFigures([job], { executablePath: '/nonexistent/chromium' })).rejects.toThrow('/nonexistent/chromium');
  });
});
