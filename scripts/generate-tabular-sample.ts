/**
 * Writes configs/tabular-mlp/data/machines.csv: a small seeded tabular dataset
 * (machine sensor readings → state) for the tabular MLP example. Rerunning it
 * reproduces the committed file byte for byte.
 *
 *   npx tsx scripts/generate-tabular-sample.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const STATES = ['normal', 'worn', 'faulty'] as const;
const MACHINES = 24;
const READINGS_PER_MACHINE = 15;

/** mulberry32: a tiny seeded PRNG, enough for sample data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = rng(20261126);
const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const rows = ['reading_id,machine_id,temperature_c,vibration_mm_s,pressure_bar,current_a,rpm,humidity_pct,state'];
let id = 0;
for (let machine = 0; machine < MACHINES; machine++) {
  const baseline = { temperature: 60 + 8 * gauss(), rpm: 1450 + 60 * gauss() };
  for (let r = 0; r < READINGS_PER_MACHINE; r++) {
    const state = STATES[Math.min(2, Math.floor(random() * 3))]!;
    const wear = STATES.indexOf(state);
    const values = [
      baseline.temperature + 6 * wear + 2 * gauss(),
      1.2 + 1.5 * wear + 0.4 * gauss(),
      5 - 0.6 * wear + 0.3 * gauss(),
      12 + 2.5 * wear + gauss(),
      baseline.rpm - 40 * wear + 15 * gauss(),
      45 + 10 * gauss(),
    ];
    rows.push([`r${String(id++).padStart(4, '0')}`, `m${String(machine).padStart(2, '0')}`, ...values.map((v) => v.toFixed(3)), state].join(','));
  }
}
const out = fileURLToPath(new URL('../configs/tabular-mlp/data/machines.csv', import.meta.url));
writeFileSync(out, `${rows.join('\n')}\n`);
console.log(`wrote ${rows.length - 1} rows to ${out}`);
