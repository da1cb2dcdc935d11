// The folders of src/ form a lower house: no capability imports one above it, and no modules
// import each other (docs/development.md, "Floors"). The same analysis as `npx tsx
// scripts/layers.ts`, over all imports (`import type` included: a type ties places too), so a
// new import that runs back up fails here with the import named.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyseLayers } from '../scripts/layers.js';

const src = fileURLToPath(new URL('../src', import.meta.url));

describe('the floors of src/', () => {
  const all = analyseLayers(src);

  it('no import runs back up: the folders form a DAG', () => {
    expect(all.upward).toEqual([]);
    expect(all.knots).toEqual([]);
  });

  it('no module cycle', () => {
    expect(all.cycles).toEqual([]);
  });

  it('the analysis sees the tree (so an empty answer is not an empty walk)', () => {
    expect(all.modules).toBeGreaterThan(100);
    expect(all.floors).toBeGreaterThan(5);
  });
});

describe('what the analysis catches', () => {
  it('a type import back up, and modules that import each other', () => {
    const root = mkdtempSync(join(tmpdir(), 'layers-'));
    try {
      mkdirSync(join(root, 'low'));
      mkdirSync(join(root, 'high'));
      writeFileSync(join(root, 'low', 'word.ts'), "import type { Service } from '../high/service.js';\nexport type Word = Service;\n");
      writeFileSync(join(root, 'high', 'service.ts'), "import type { Word } from '../low/word.js';\nexport interface Service { word?: Word }\n");
      writeFileSync(join(root, 'high', 'user.ts'), "import { type Service } from './service.js';\nexport const user: Service = {};\n");
      const report = analyseLayers(root);
      expect(report.upward).toEqual(['high/service.ts -> low/word.ts', 'low/word.ts -> high/service.ts']);
      expect(report.knots).toEqual([['high', 'low']]);
      expect(report.cycles).toEqual([['high/service.ts', 'low/word.ts']]);
      expect(analyseLayers(root, { valuesOnly: true }).upward).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
